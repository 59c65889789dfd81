"""Diagrams of the Transformer's pieces: the shapes in scaled dot-product attention, how multi-head attention
splits and joins d_model, and the decoder-only (GPT) stack with its residual paths."""

from __future__ import annotations

from minillm.diagrams.draw import COLORS, arrow, box, canvas, label, matrix, show

HEAD_COLORS = ("blue", "orange", "green", "purple")


def attention_shapes() -> None:
    """Attention(Q, K, V) = softmax(QKᵀ/√d_k)V for T = 4 positions, each matrix with its shape; the
    scores above the diagonal are masked (grey) in causal self-attention and get weight 0."""
    fig, ax = canvas(11.4, 3.5)
    t, d = 4, 3
    causal = [[c > r for c in range(t)] for r in range(t)]
    y = 1.75
    items = [
        (0.75, t, d, "sky", "查询 $Q$", r"$T \times d_k$", None, None),
        (2.35, d, t, "sky", "键的转置 $K^T$", r"$d_k \times T$", None, None),
        (4.45, t, t, "yellow", r"分数 $QK^T/\sqrt{d_k}$", r"$T \times T$", causal, "s"),
        (6.75, t, t, "orange", "权重（每行和为 1）", r"$T \times T$", causal, "w"),
        (8.65, t, d, "green", "值 $V$", r"$T \times d_v$", None, None),
        (10.45, t, d, "blue", "输出", r"$T \times d_v$", None, None),
    ]
    boxes = []
    for x, rows, cols, color, title, shape, shade, kind in items:
        values = None
        if kind == "s":
            values = [["−∞" if c > r else "" for c in range(cols)] for r in range(rows)]
        elif kind == "w":
            values = [["0" if c > r else "" for c in range(cols)] for r in range(rows)]
        b = matrix(ax, x, y, rows, cols, cell=0.3, color=color, values=values, shade=shade)
        label(ax, x, y + b.h / 2 + 0.32, title, fontsize=10)
        label(ax, x, y - b.h / 2 - 0.25, shape, fontsize=10, color=COLORS[color][1])
        boxes.append(b)
    ops = ["×", None, None, "×", "="]
    for i, op in enumerate(ops):
        left, right = boxes[i].right, boxes[i + 1].left
        if op:
            label(ax, (left[0] + right[0]) / 2, y, op, fontsize=16)
    arrow(
        ax,
        (boxes[1].right[0] + 0.1, y),
        (boxes[2].left[0] - 0.1, y),
        r"$\div\sqrt{d_k}$" + "\n加掩码",
        offset=(0, 0.38),
    )
    arrow(
        ax,
        (boxes[2].right[0] + 0.1, y),
        (boxes[3].left[0] - 0.1, y),
        "按行\nsoftmax",
        offset=(0, 0.38),
    )
    label(
        ax,
        5.6,
        0.25,
        "第 i 行第 j 列 = 第 i 个查询与第 j 个键的匹配程度；灰色格子是因果掩码挡住的“未来”位置（j > i）",
        fontsize=9,
        color="#444444",
    )
    show(fig)


def multi_head() -> None:
    """MultiHead(Q, K, V): project X, cut d_model into h heads of d_k columns, attend in each head on its
    own, concatenate the h outputs and mix them with W^O."""
    fig, ax = canvas(12.7, 4.7)
    h, t, dk, cell = 4, 4, 2, 0.22
    ymid, width = 2.35, 4 * 2 * 0.22
    xs = {"x": 1.1, "q": 3.45, "heads": 5.95, "outs": 7.45, "cat": 9.1, "out": 11.65}

    def blocks(x0, title, shape):
        for i in range(h):
            matrix(ax, x0 + (i + 0.5) * dk * cell - width / 2, ymid, t, dk, cell, HEAD_COLORS[i])
        label(ax, x0, ymid + t * cell / 2 + 0.3, title, fontsize=10)
        label(ax, x0, ymid - t * cell / 2 - 0.25, shape, fontsize=10)

    x_box = matrix(ax, xs["x"], ymid, t, h * dk, cell=cell, color="gray")
    label(ax, xs["x"], ymid + x_box.h / 2 + 0.3, "输入 $X$", fontsize=10)
    label(ax, xs["x"], ymid - x_box.h / 2 - 0.25, r"$T \times d_{model}$", fontsize=10)
    blocks(xs["q"], "$Q = XW^Q$（$K$、$V$ 同样）", r"$h$ 块，每块 $T \times d_k$")
    arrow(ax, x_box.right, (xs["q"] - width / 2, ymid), "投影", offset=(0, 0.18))
    head_y = [ymid + 1.5 - i * 1.0 for i in range(h)]
    for i, yy in enumerate(head_y):
        src = (
            xs["q"] + width / 2,
            ymid + 0.3 - 0.2 * i,
        )  # colour says which block feeds which head
        b = box(
            ax, xs["heads"], yy, 1.5, 0.6, f"头 {i + 1}：注意力", color=HEAD_COLORS[i], fontsize=9
        )
        arrow(ax, src, b.left, color=HEAD_COLORS[i])
        out = matrix(ax, xs["outs"], yy, t, dk, cell * 0.8, HEAD_COLORS[i])
        arrow(ax, b.right, out.left, color=HEAD_COLORS[i])
        arrow(ax, out.right, (xs["cat"] - width / 2, ymid + (yy - ymid) * 0.25))
    label(ax, xs["outs"], head_y[0] + 0.55, r"$head_i$：$T \times d_v$", fontsize=9)
    blocks(xs["cat"], "拼接 Concat", r"$T \times h d_v$")
    o_box = matrix(ax, xs["out"], ymid, t, h * dk, cell=cell, color="sky")
    arrow(ax, (xs["cat"] + width / 2, ymid), o_box.left, "$W^O$", offset=(0, 0.2))
    label(ax, xs["out"], ymid + o_box.h / 2 + 0.3, "输出", fontsize=10)
    label(ax, xs["out"], ymid - o_box.h / 2 - 0.25, r"$T \times d_{model}$", fontsize=10)
    label(
        ax,
        6.35,
        0.2,
        r"$d_{model} = h \cdot d_k$：把宽度切成 $h$ 份，各自做注意力，总计算量与一个同样宽的单头相当",
        fontsize=9,
        color="#444444",
    )
    show(fig)


def gpt_architecture() -> None:
    """The decoder-only (GPT) stack: token and position embeddings, N pre-LN blocks with their two
    residual paths, the final LayerNorm, the linear head (tied to the token embedding) and softmax."""
    fig, ax = canvas(7.6, 9.6)
    cx, w = 3.2, 2.6
    y = 0.45
    ids = box(ax, cx, y, w, 0.45, "词元编号 $w_1 \\dots w_T$", color="gray", fontsize=10)
    emb = box(ax, cx - 0.75, 1.35, 1.55, 0.55, "词嵌入 $E$", color="sky", fontsize=10)
    pos = box(ax, cx + 0.95, 1.35, 1.55, 0.55, "位置嵌入 $P$", color="sky", fontsize=10)
    arrow(ax, (cx - 0.4, ids.top[1]), emb.bottom)
    arrow(ax, (cx + 0.4, ids.top[1]), pos.bottom)
    plus0 = box(ax, cx, 2.15, 0.36, 0.36, "+", color="gray", fontsize=12)
    arrow(ax, emb.top, (cx - 0.12, plus0.bottom[1]))
    arrow(ax, pos.top, (cx + 0.12, plus0.bottom[1]))
    label(ax, cx + 1.65, 2.15, r"$T \times d_{model}$", fontsize=9)
    # one block, drawn once inside a frame marked × N
    from matplotlib.patches import FancyBboxPatch

    frame = {"facecolor": "none", "edgecolor": "#999999", "linestyle": "--", "linewidth": 1.2}
    ax.add_patch(FancyBboxPatch((cx - 2.0, 2.6), 4.6, 4.55, boxstyle="round,pad=0.05", **frame))
    note_x = cx + 2.75  # the frame's label and its note, left-aligned beside the frame
    label(ax, note_x, 5.3, "× N 层", fontsize=11, color="#0072b2", ha="left")
    label(
        ax,
        note_x,
        4.55,
        "pre-LN：\n先归一化，\n再进子层，\n结果加回输入",
        fontsize=9,
        color="#444444",
        ha="left",
        linespacing=1.6,
    )
    ln1 = box(ax, cx, 3.15, w, 0.45, "层归一化 LN", color="yellow", fontsize=10)
    att = box(ax, cx, 3.95, w, 0.6, "掩码多头注意力", color="orange", fontsize=10)
    add1 = box(ax, cx, 4.75, 0.36, 0.36, "+", color="gray", fontsize=12)
    ln2 = box(ax, cx, 5.45, w, 0.45, "层归一化 LN", color="yellow", fontsize=10)
    ffn = box(ax, cx, 6.15, w, 0.55, "前馈网络 FFN", color="green", fontsize=10)
    add2 = box(ax, cx, 6.85, 0.36, 0.36, "+", color="gray", fontsize=12)
    for a, b in [(plus0, ln1), (ln1, att), (att, add1), (add1, ln2), (ln2, ffn), (ffn, add2)]:
        arrow(ax, a.top, b.bottom)
    # residual paths: from below each LN straight up to the + on the left side
    for start_y, plus in [(2.75, add1), (5.05, add2)]:
        left = cx - 1.75
        ax.plot(
            [cx, left, left], [start_y, start_y, plus.y], color=COLORS["blue"][1], linewidth=1.4
        )
        arrow(ax, (left, plus.y), plus.left, color="blue")
    for yy in (3.9, 5.95):
        label(ax, cx - 1.95, yy, "残差", fontsize=9, color=COLORS["blue"][1], rotation=90)
    lnf = box(ax, cx, 7.65, w, 0.45, "最后的层归一化 $LN_f$", color="yellow", fontsize=10)
    head = box(ax, cx, 8.35, w, 0.5, "线性输出层（与 $E$ 共享）", color="purple", fontsize=10)
    soft = box(ax, cx, 9.1, w, 0.45, "softmax → 下一个词的分布", color="red", fontsize=10)
    arrow(ax, add2.top, lnf.bottom)
    arrow(ax, lnf.top, head.bottom)
    arrow(ax, head.top, soft.bottom)
    label(ax, cx + 2.35, 8.35, r"$T \times |V|$ logits", fontsize=9)
    # weight tying: the head reads its matrix from the token embedding (dashed, on the left)
    tie = COLORS["purple"][1]
    xs, ys = [emb.left[0], 0.3, 0.3], [emb.y, emb.y, head.y]
    ax.plot(xs, ys, color=tie, linestyle="--", linewidth=1.2)
    arrow(ax, (0.3, head.y), head.left, color="purple")
    label(ax, 0.55, 8.05, "同一个矩阵 $E$", fontsize=9, color=tie, ha="left")
    show(fig)
