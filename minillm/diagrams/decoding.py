"""Diagrams of decoding: the search tree of beam search on a toy next-token table."""

from __future__ import annotations

import math

from minillm.diagrams.draw import COLORS, box, canvas, label, show

# P(next | previous token): a bigram table on three tokens, the chapter's toy language model
TOY_NEXT = {
    "<s>": {"我": 0.4, "想": 0.5, "退货": 0.1},
    "我": {"我": 0.05, "想": 0.9, "退货": 0.05},
    "想": {"我": 0.3, "想": 0.25, "退货": 0.45},
    "退货": {"我": 0.5, "想": 0.3, "退货": 0.2},
}


def _search(table, width, steps):
    """Every candidate of every step as (step, sequence, probability, kept), and the greedy path."""
    beams, nodes = [((), 1.0)], []
    for step in range(1, steps + 1):
        candidates = [
            ((*seq, tok), p * q)
            for seq, p in beams
            for tok, q in table[seq[-1] if seq else "<s>"].items()
        ]
        best = sorted(candidates, key=lambda c: -c[1])[:width]
        nodes += [(step, seq, p, (seq, p) in best) for seq, p in candidates]
        beams = best
    greedy = ()
    for _ in range(steps):
        row = table[greedy[-1] if greedy else "<s>"]
        greedy = (*greedy, max(row, key=row.get))
    return nodes, greedy, beams[0][0]


def beam_tree(table=None, width: int = 2, steps: int = 3) -> None:
    """Beam search of width ``width`` for ``steps`` steps: at each step every kept beam is extended
    by every token, the ``width`` most probable candidates are kept and the rest pruned."""
    nodes, greedy, best = _search(table or TOY_NEXT, width, steps)
    col_w, row_h = 2.35, 0.66
    per_step = [[n for n in nodes if n[0] == s] for s in range(1, steps + 1)]
    height = max(len(c) for c in per_step) * row_h + 1.5
    fig, ax = canvas(1.2 + steps * col_w + 0.4, height)
    top = height - 0.75
    where = {(): (0.7, top - (len(per_step[0]) - 1) * row_h / 2)}
    box(ax, *where[()], 0.8, 0.42, "开始", color="gray", fontsize=9)
    tokens = list((table or TOY_NEXT)["<s>"])
    for s, column in enumerate(per_step, start=1):
        x = 0.7 + s * col_w
        label(ax, x, height - 0.25, f"第 {s} 步：保留 {width} 个", fontsize=10)
        column = sorted(column, key=lambda n: (-where[n[1][:-1]][1], tokens.index(n[1][-1])))
        for r, (_, seq, p, kept) in enumerate(column):
            y = top - r * row_h
            where[seq] = (x, y)
            px, py = where[seq[:-1]]
            on_greedy = seq == greedy[: len(seq)]
            ax.plot([px + (0.4 if s == 1 else 0.75), x - 0.75], [py, y], zorder=1,
                    color=COLORS["orange"][1] if on_greedy else ("#555555" if kept else "#bbbbbb"),
                    linewidth=2.6 if on_greedy else 1.2,
                    linestyle="-" if kept else ":")  # fmt: skip
            color = ("green" if seq == best else "blue") if kept else "gray"
            text = f"{seq[-1]}  P={p:.3g}\nlog P={math.log(p):.2f}"
            box(ax, x, y, 1.5, 0.54, text, color=color, fontsize=8, alpha=1.0 if kept else 0.6)
    entries = [
        ("blue", "保留的束"),
        ("gray", "剪掉的候选"),
        ("green", "最终最优：" + "".join(best)),
    ]
    x = 0.4
    for color, name in entries:
        box(ax, x, 0.3, 0.28, 0.24, "", color=color, rounded=False)
        label(ax, x + 0.22, 0.3, name, fontsize=9, ha="left")
        x += 0.75 + 0.17 * len(name)
    ax.plot([x, x + 0.45], [0.3, 0.3], color=COLORS["orange"][1], linewidth=2.6)
    label(ax, x + 0.55, 0.3, "贪心路径：" + "".join(greedy), fontsize=9, ha="left")
    show(fig)
