"""Diagrams of recurrent networks: one step of an LSTM cell, its memory line and its three gates."""

from __future__ import annotations

from minillm.diagrams.draw import COLORS, arrow, box, canvas, label, show

# gate -> (colour, symbol, what it decides)
GATES = {
    "f": ("orange", r"遗忘门 $f_t$", r"$\sigma$：保留多少旧记忆"),
    "i": ("green", r"输入门 $i_t$", r"$\sigma$：写入多少新内容"),
    "g": ("yellow", r"候选 $g_t$", r"$\tanh$：新内容本身"),
    "o": ("purple", r"输出门 $o_t$", r"$\sigma$：露出多少记忆"),
}


def _node(ax, x, y, text):
    """A small round operator node (×, +) on a data path."""
    from matplotlib.patches import Circle

    ax.add_patch(Circle((x, y), 0.2, facecolor="white", edgecolor="#333333", linewidth=1.3))
    label(ax, x, y, text, fontsize=12, color="#222222")


def lstm_cell() -> None:
    """One LSTM step: the memory c_{t-1} runs along the top, is scaled by the forget gate f_t and gets
    i_t ⊙ g_t added, giving c_t; tanh(c_t) scaled by the output gate o_t is h_t. The three gates and the
    candidate g_t all read [h_{t-1}, x_t] from the bus at the bottom."""
    fig, ax = canvas(10.6, 5.6)
    mem = COLORS["blue"][1]
    y_mem, y_gate, y_bus = 4.35, 1.8, 0.65
    # the memory line along the top: c_{t-1} → × f_t → + i_t ⊙ g_t → c_t
    x_f, x_add, x_out = 3.0, 5.2, 8.0
    ax.plot([0.9, x_f - 0.2], [y_mem, y_mem], color=mem, linewidth=2.4)
    ax.plot([x_f + 0.2, x_add - 0.2], [y_mem, y_mem], color=mem, linewidth=2.4)
    arrow(ax, (x_add + 0.2, y_mem), (9.75, y_mem), color="blue")
    label(ax, 0.55, y_mem, "$c_{t-1}$", fontsize=12, color=mem)
    label(ax, 10.15, y_mem, "$c_t$", fontsize=12, color=mem)
    label(ax, 1.8, y_mem + 0.3, "记忆细胞（加法通路）", fontsize=9, color=mem)
    _node(ax, x_f, y_mem, "×")
    _node(ax, x_add, y_mem, "+")
    label(ax, x_f, y_mem + 0.45, r"$f_t \odot c_{t-1}$", fontsize=10)
    label(ax, x_add + 0.7, y_mem + 0.45, r"$+\ i_t \odot g_t$", fontsize=10)
    # the gates, each reading the bus
    xs = {"f": 3.0, "i": 4.5, "g": 5.9, "o": 7.3}
    boxes = {}
    for name, (color, title, note) in GATES.items():
        symbol, meaning = note.split("：")
        b = box(ax, xs[name], y_gate, 1.3, 1.0, "", color=color)
        label(ax, xs[name], y_gate + 0.27, title, fontsize=10)
        label(ax, xs[name], y_gate, symbol, fontsize=10)
        label(ax, xs[name], y_gate - 0.27, meaning, fontsize=8, color="#444444")
        arrow(ax, (xs[name], y_bus), b.bottom, color=color)
        boxes[name] = b
    arrow(ax, boxes["f"].top, (x_f, y_mem - 0.2), color="orange")
    # i ⊙ g, then up into the +
    x_ig, y_ig = x_add, 3.2
    _node(ax, x_ig, y_ig, "×")
    arrow(ax, boxes["i"].top, (x_ig - 0.17, y_ig - 0.12), color="green")
    arrow(ax, boxes["g"].top, (x_ig + 0.17, y_ig - 0.12), color="yellow")
    arrow(ax, (x_ig, y_ig + 0.2), (x_add, y_mem - 0.2), color="gray")
    # the output: tanh(c_t) ⊙ o_t = h_t
    tanh = box(ax, x_out + 0.4, 3.45, 0.9, 0.42, r"$\tanh$", color="sky", fontsize=10)
    ax.plot([x_out + 0.4, x_out + 0.4], [y_mem, tanh.top[1]], color=mem, linewidth=1.4)
    x_h, y_h = x_out + 0.4, 2.55
    _node(ax, x_h, y_h, "×")
    arrow(ax, tanh.bottom, (x_h, y_h + 0.2), color="blue")
    arrow(ax, boxes["o"].right, (x_h - 0.2, y_h - 0.05), color="purple", rad=0.25)
    arrow(ax, (x_h + 0.2, y_h), (9.75, y_h), color="gray")
    label(ax, 10.15, y_h, "$h_t$", fontsize=12)
    label(ax, 9.45, y_h - 0.4, "输出，\n也传给下一步", fontsize=8, color="#444444")
    # the bus: [h_{t-1}, x_t]
    ax.plot([0.9, xs["o"]], [y_bus, y_bus], color="#666666", linewidth=1.6)
    label(ax, 0.55, y_bus, "$h_{t-1}$", fontsize=12)
    arrow(ax, (1.9, 0.12), (1.9, y_bus), color="gray")
    label(ax, 2.25, 0.2, "$x_t$", fontsize=12)
    label(ax, 1.55, y_bus + 0.55, "四者都读\n$[h_{t-1}, x_t]$", fontsize=9, color="#444444")
    label(
        ax,
        5.3,
        5.3,
        r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$，$h_t = o_t \odot \tanh(c_t)$："
        "遗忘门接近 1 时，记忆几乎原样沿顶部传下去",
        fontsize=10,
        color="#333333",
    )
    show(fig)
