"""Position diagrams: how rotary position embedding (RoPE) turns positions into rotations."""

from __future__ import annotations

import math

from minillm.diagrams.draw import arrow, canvas, label, show

THETA = math.radians(20)  # the pair's rotation per position in the picture
PHI_Q, PHI_K = math.radians(50), math.radians(0)  # directions of q and k before any rotation


def _vector(ax, origin, angle, length, color, text, text_gap=0.28):
    """An arrow from ``origin`` at ``angle`` (radians), labelled just beyond its tip."""
    x0, y0 = origin
    end = (x0 + length * math.cos(angle), y0 + length * math.sin(angle))
    arrow(ax, origin, end, color=color)
    tip = (x0 + (length + text_gap) * math.cos(angle), y0 + (length + text_gap) * math.sin(angle))
    label(ax, *tip, text, fontsize=10, color=_edge(color))


def _edge(color):
    from minillm.diagrams.draw import COLORS

    return COLORS[color][1]


def _angle_arc(ax, origin, start, end, radius, text):
    """The angle between two directions as an arc with ``text`` beside it."""
    from matplotlib.patches import Arc

    ax.add_patch(
        Arc(
            origin,
            2 * radius,
            2 * radius,
            theta1=math.degrees(start),
            theta2=math.degrees(end),
            color="#444444",
            linewidth=1.2,
        )
    )
    middle = (start + end) / 2
    label(
        ax,
        origin[0] + (radius + 0.3) * math.cos(middle),
        origin[1] + (radius + 0.3) * math.sin(middle),
        text,
        fontsize=10,
    )


def _query_key(ax, origin, m, n, title):
    """q rotated by m·θ and k rotated by n·θ, with the angle between them."""
    q, k = PHI_Q + m * THETA, PHI_K + n * THETA
    ax.plot(*origin, "o", color="#333333", markersize=3)
    _vector(ax, origin, q, 1.25, "orange", f"q（位置 {m}）", text_gap=0.45)
    _vector(ax, origin, k, 1.25, "blue", f"k（位置 {n}）", text_gap=0.55)
    _angle_arc(ax, origin, k, q, 0.55, "α")
    label(ax, origin[0], 3.25, title, fontsize=11)


def rope_rotation() -> None:
    """RoPE on one pair of dimensions: the pair turns by θ per position (left); a query at m and a
    key at n keep the same angle between them whenever m − n is the same (middle, right), so
    their dot product |q||k|cos α sees only the relative position."""
    fig, ax = canvas(10.0, 3.7)
    origin = (1.1, 1.0)
    ax.plot(*origin, "o", color="#333333", markersize=3)
    for m in range(5):
        angle = PHI_K + m * THETA
        _vector(ax, origin, angle, 1.45, "green", f"m={m}", text_gap=0.3)
    _angle_arc(ax, origin, PHI_K, PHI_K + THETA, 0.8, "θ")
    label(ax, 1.9, 3.25, "同一对维度：每过一个位置转 θ", fontsize=11)
    _query_key(ax, (4.7, 1.0), 2, 0, "查询在位置 2，键在位置 0")
    _query_key(ax, (8.2, 1.0), 5, 3, "查询在位置 5，键在位置 3")
    label(
        ax,
        6.45,
        0.3,
        "m − n 相同 → 夹角 α 相同 → 点积 q·k = |q||k|cos α 相同",
        fontsize=10,
        color="#0072b2",
    )
    show(fig)


PAIR_COLORS = ("orange", "blue", "green", "purple")  # pair j = 0..3, fastest to slowest


def _dimension_row(ax, y, pair_of, title):
    """The 8 dimensions x_0 … x_7 of one head as cells coloured by the pair each belongs to, with an
    arc joining the two dimensions of every pair."""
    from matplotlib.patches import Arc

    from minillm.diagrams.draw import box

    x0, step = 1.0, 0.72
    label(ax, x0 - 0.45, y + 0.98, title, fontsize=10, ha="left")
    for i, j in enumerate(pair_of):
        box(ax, x0 + i * step, y, 0.6, 0.5, f"$x_{i}$", color=PAIR_COLORS[j], rounded=False)
    for j in range(4):
        a, b = (x0 + i * step for i, p in enumerate(pair_of) if p == j)
        ax.add_patch(
            Arc(
                ((a + b) / 2, y + 0.25),
                b - a,
                0.25 + 0.09 * (b - a) + 0.12 * j * (b - a > 1),
                theta1=0,
                theta2=180,
                color=_edge(PAIR_COLORS[j]),
                linewidth=1.4,
            )
        )


def rope_pairs() -> None:
    """Which dimensions RoPE rotates together, for a head of d = 8: the first half with the second
    (x_j with x_{j+4}) or neighbours (x_{2j} with x_{2j+1}); either way pair j turns by
    θ_j = b^(−2j/d) per position, from 1 radian (fast) down to 0.001 (slow) for b = 10000."""
    from minillm.diagrams.draw import box

    fig, ax = canvas(9.6, 3.8)
    _dimension_row(
        ax,
        2.4,
        [0, 1, 2, 3, 0, 1, 2, 3],
        "前后两半配对 $(x_j, x_{j+d/2})$：本章、GPT-NeoX、Hugging Face 的 LLaMA",
    )
    _dimension_row(
        ax,
        0.65,
        [0, 0, 1, 1, 2, 2, 3, 3],
        "相邻配对 $(x_{2j}, x_{2j+1})$：RoFormer、GPT-J、Meta 的 LLaMA 原始代码",
    )
    label(ax, 7.85, 3.4, "$d = 8,\\ b = 10000,\\ \\theta_j = b^{-2j/d}$", fontsize=10)
    speeds = [
        "$\\theta_0 = 1$（最快）",
        "$\\theta_1 = 0.1$",
        "$\\theta_2 = 0.01$",
        "$\\theta_3 = 0.001$（最慢）",
    ]
    for j, text in enumerate(speeds):
        y = 2.75 - 0.6 * j
        box(ax, 6.75, y, 0.36, 0.3, color=PAIR_COLORS[j], rounded=False)
        label(ax, 7.05, y, f"第 {j} 对：{text}", fontsize=10, ha="left")
    show(fig)
