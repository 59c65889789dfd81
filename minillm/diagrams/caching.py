"""Diagrams of incremental decoding: what a key/value cache keeps between steps, and what it saves."""

from __future__ import annotations

from minillm.diagrams.draw import COLORS, arrow, box, canvas, label, matrix, show

STEPS = 4  # decoding steps t = 1..STEPS
CELL = 0.34  # side of one cell, inches


def _legend(ax, x, y, entries) -> None:
    """Coloured squares with their meaning, left to right from (x, y)."""
    for color, text in entries:
        masked = color == "masked"  # drawn as matrix() draws a cell hidden by the causal mask
        matrix(ax, x, y, 1, 1, cell=0.22, color="orange" if masked else color, shade=[[masked]])
        label(ax, x + 0.2, y, text, fontsize=9, ha="left")
        x += 0.45 + 0.16 * len(text)


def kv_cache() -> None:
    """Decoding steps t = 1..4 with a KV cache (left): the newest token's query attends to every cached
    key (top row) and value (bottom row), and the cache grows by one column per step; without one
    (right), every step recomputes the whole prefix: a t × t block of scores, computed in full and
    then masked (the causal upper triangle gets weight 0)."""
    width, row_h, top = 10.0, 1.05, 5.35
    fig, ax = canvas(width, top + 0.55)
    label(ax, 3.05, top + 0.2, "有 KV 缓存：每步只算新词元", fontsize=12, color=COLORS["green"][1])
    label(ax, 7.9, top + 0.2, "无缓存：每步重算整个前缀", fontsize=12, color=COLORS["orange"][1])
    label(ax, 3.05, top - 0.1, "缓存的每一列：上行是键 $k_j$，下行是值 $v_j$", fontsize=9)
    label(ax, 7.9, top - 0.1, "行：查询 $q_1…q_t$　列：键 $k_1…k_t$", fontsize=9)
    ax.plot([5.75, 5.75], [0.75, top + 0.3], color="#bbbbbb", linewidth=1)
    for t in range(1, STEPS + 1):
        y = top - 0.62 - (t - 1) * row_h  # centre line of this step's row
        label(ax, 0.35, y, f"t={t}", fontsize=11)
        # left: the query of token t, then the cache of keys (top row) and values (bottom row)
        q = box(ax, 1.05, y, 0.62, 0.42, f"$q_{t}$", color="green", fontsize=11)
        x0 = 1.9  # left edge of the cache strip
        arrow(ax, q.right, (x0, y), color="green")
        for j in range(1, t + 1):
            values = [[f"$k_{j}$"], [f"$v_{j}$"]]
            color = "green" if j == t else "blue"
            matrix(ax, x0 + (j - 0.5) * CELL, y, 2, 1, cell=CELL, color=color, values=values)
        if t > 1:
            label(ax, x0 + (t - 1) * CELL / 2, y - CELL - 0.14, f"读出 {t - 1} 列", fontsize=8)
        if t == 1:  # the same at every step: said once
            text = "每步新算 1 个位置，缓存增加 1 列"
            label(ax, 2.45, y, text, fontsize=9, ha="left", color=COLORS["green"][1])
        # right: t queries × t keys, all recomputed, the causal upper triangle unused
        shade = [[c > r for c in range(t)] for r in range(t)]
        grid = matrix(ax, 6.6 + t * 0.2 / 2, y, t, t, cell=0.2, color="orange", shade=shade)
        label(ax, grid.right[0] + 0.2, y, f"重算 {t} 个位置，只用最后一行", fontsize=9, ha="left")
    _legend(
        ax,
        0.55,
        0.35,
        [
            ("green", "本步新算并写入缓存"),
            ("blue", "从缓存读出，不再计算"),
            ("orange", "本步重算"),
            ("masked", "被因果掩码遮住（权重为 0）"),
        ],
    )
    show(fig)
