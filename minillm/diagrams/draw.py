"""Primitives for concept diagrams: a canvas measured in inches, boxes, arrows, labels and matrices.

Coordinates are inches from the bottom-left corner of the figure, so a layout reads like a sketch on paper:
``box(ax, 2, 1, 1.6, 0.5, "注意力")`` is a box centred at (2, 1), 1.6 wide and 0.5 high. Colours come in pairs
(fill, edge) chosen to stay distinct for colour-blind readers (Okabe-Ito hues).
"""

from __future__ import annotations

from dataclasses import dataclass

COLORS = {
    "blue": ("#d6e6f5", "#0072b2"),
    "orange": ("#fde3c4", "#d55e00"),
    "green": ("#d3efe6", "#009e73"),
    "yellow": ("#fbf1c4", "#b8860b"),
    "purple": ("#ecdcea", "#a0508a"),
    "sky": ("#ddf0fa", "#3a9ad9"),
    "gray": ("#eeeeee", "#666666"),
    "red": ("#f8d7d3", "#c0392b"),
}


@dataclass(frozen=True)
class Box:
    """Where a drawn shape sits: centre (x, y), width w and height h, with its four edge midpoints."""

    x: float
    y: float
    w: float
    h: float

    @property
    def left(self) -> tuple[float, float]:
        return (self.x - self.w / 2, self.y)

    @property
    def right(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y)

    @property
    def top(self) -> tuple[float, float]:
        return (self.x, self.y + self.h / 2)

    @property
    def bottom(self) -> tuple[float, float]:
        return (self.x, self.y - self.h / 2)


def _color(name: str) -> tuple[str, str]:
    if name not in COLORS:
        raise ValueError(f"color must be one of {sorted(COLORS)}, got {name!r}")
    return COLORS[name]


def canvas(width: float, height: float):
    """A blank figure ``width`` × ``height`` inches whose axes are measured in inches: (fig, ax)."""
    import matplotlib.pyplot as plt

    from minillm.utils import setup_matplotlib

    setup_matplotlib()
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def box(ax, x, y, w, h, text="", color="blue", fontsize=11, rounded=True, **text_kw) -> Box:
    """A filled box centred at (x, y) with ``text`` in the middle."""
    from matplotlib.patches import FancyBboxPatch

    fill, edge = _color(color)
    pad = min(w, h) * 0.12 if rounded else 0.0
    style = f"round,pad={pad:.3f}" if rounded else "square,pad=0"
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2 + pad, y - h / 2 + pad),
            w - 2 * pad,
            h - 2 * pad,
            boxstyle=style,
            facecolor=fill,
            edgecolor=edge,
            linewidth=1.4,
        )
    )
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, **text_kw)
    return Box(x, y, w, h)


def arrow(
    ax, start, end, text="", color="gray", rad=0.0, fontsize=9, style="-|>", offset=(0, 0.12)
):
    """An arrow from ``start`` to ``end`` (points), bent by ``rad``, with ``text`` near its middle."""
    from matplotlib.patches import FancyArrowPatch

    edge = _color(color)[1]
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=14,
            color=edge,
            linewidth=1.4,
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=2,
            shrinkB=2,
        )
    )
    if text:
        mid = ((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1])
        ax.text(*mid, text, ha="center", va="center", fontsize=fontsize, color=edge)


def label(ax, x, y, text, fontsize=9, color="#333333", **kw):
    """Free text centred at (x, y)."""
    kw = {"ha": "center", "va": "center", **kw}
    ax.text(x, y, text, fontsize=fontsize, color=color, **kw)


def matrix(
    ax, x, y, rows, cols, cell=0.28, color="blue", values=None, shade=None, fontsize=8
) -> Box:
    """A rows × cols grid of cells centred at (x, y): ``values`` (nested lists of str) are written in the
    cells, ``shade`` (nested lists of bool) greys out cells, e.g. the masked scores of causal attention."""
    from matplotlib.patches import Rectangle

    fill, edge = _color(color)
    x0, y0 = x - cols * cell / 2, y + rows * cell / 2
    for r in range(rows):
        for c in range(cols):
            hidden = shade is not None and shade[r][c]
            ax.add_patch(
                Rectangle(
                    (x0 + c * cell, y0 - (r + 1) * cell),
                    cell,
                    cell,
                    facecolor="#d9d9d9" if hidden else fill,
                    edgecolor=edge,
                    linewidth=0.8,
                )
            )
            if values is not None and values[r][c] != "":
                ax.text(
                    x0 + (c + 0.5) * cell,
                    y0 - (r + 0.5) * cell,
                    values[r][c],
                    ha="center",
                    va="center",
                    fontsize=fontsize,
                )
    return Box(x, y, cols * cell, rows * cell)


def show(fig) -> None:
    """Show the figure in the notebook (or do nothing on a non-interactive backend) and free it."""
    import matplotlib.pyplot as plt

    plt.show()
    plt.close(fig)
