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
