"""The encoder-decoder Transformer of chapter 5: an encoder stack turns the source into ``memory``, every
decoder layer reads it through cross-attention, and two masks decide who may attend to whom."""

from __future__ import annotations

from matplotlib.patches import FancyBboxPatch

from minillm.diagrams.draw import COLORS, arrow, box, canvas, label, matrix, show

FRAME = {"facecolor": "none", "edgecolor": "#999999", "linestyle": "--", "linewidth": 1.2}


def _stack(ax, x, y0, w, parts, title):
    """Boxes ``parts`` = [(text, colour, height)] from ``y0`` up inside a dashed frame; their Boxes."""
    boxes, y = [], y0
    for text, color, height in parts:
        boxes.append(box(ax, x, y + height / 2, w, height, text, color=color, fontsize=9.5))
        y += height + 0.22
    top = y - 0.22
    ax.add_patch(FancyBboxPatch((x - w / 2 - 0.15, y0 - 0.15), w + 0.3, top - y0 + 0.3,
                                boxstyle="round,pad=0.02", **FRAME))  # fmt: skip
    label(ax, x - w / 2 - 0.1, top + 0.32, title, fontsize=10, color="#0072b2", ha="left")
    for a, b in zip(boxes, boxes[1:]):
        arrow(ax, a.top, b.bottom)
    return boxes


def encoder_decoder() -> None:
    """Source ids → shared embedding + positions → N encoder layers (self-attention under the source
    padding mask, FFN) → memory; target shifted right → the same embedding → N decoder layers (masked
    self-attention under the causal ∧ padding mask, cross-attention to memory, FFN) → fc → softmax.
    Each sub-layer ends in "add & LayerNorm" (post-LN)."""
    fig, ax = canvas(11.6, 8.3)
    ex, dx, w = 3.3, 8.0, 2.9
    add = ("相加 & 层归一化", "yellow", 0.36)
    src = box(ax, ex, 0.45, w, 0.45, "源序列 src：用户的话（填充）", color="gray", fontsize=9.5)
    tgt = box(ax, dx, 0.45, w, 0.45, "目标右移一位：<bos> $y_1 \\dots y_{n}$", color="gray",
              fontsize=9.5)  # fmt: skip
    embs = []
    for x, seq in ((ex, src), (dx, tgt)):
        embs.append(box(ax, x, 1.25, w, 0.5, "词嵌入 × $\\sqrt{d}$ + 位置编码", color="sky",
                        fontsize=9.5))  # fmt: skip
        arrow(ax, seq.top, embs[-1].bottom)
    ax.plot([embs[0].right[0], embs[1].left[0]], [1.25, 1.25], color=COLORS["sky"][1],
            linestyle="--", linewidth=1.2)  # fmt: skip
    label(ax, (ex + dx) / 2, 1.45, "共享同一张词嵌入表", fontsize=9, color=COLORS["sky"][1])
    enc = _stack(ax, ex, 2.05, w, [("多头自注意力（掩码 $M_{src}$）", "orange", 0.5), add,
                                   ("前馈网络 FFN", "green", 0.5), add], "编码器层 × N")  # fmt: skip
    dec = _stack(ax, dx, 2.05, w, [("掩码多头自注意力（$M_{tgt}$）", "orange", 0.5), add,
                                   ("交叉注意力（$M_{src}$）\nQ 来自解码器，K、V 来自 memory",
                                    "red", 0.62), add, ("前馈网络 FFN", "green", 0.5), add],
                 "解码器层 × N")  # fmt: skip
    arrow(ax, embs[0].top, enc[0].bottom)
    arrow(ax, embs[1].top, dec[0].bottom)
    memory = box(ax, ex, 5.35, w, 0.55, "memory：(batch, src_len, $d$)", color="blue",
                 fontsize=9.5)  # fmt: skip
    arrow(ax, enc[-1].top, memory.bottom)
    arrow(ax, memory.right, dec[2].left, color="blue", rad=-0.2)
    label(
        ax,
        5.3,
        5.9,
        "每一层解码器的交叉注意力\n都读同一个 memory",
        fontsize=9,
        color=COLORS["blue"][1],
    )
    fc = box(ax, dx, 6.75, w, 0.45, "线性层 fc → logits (batch, $n$+1, |V|)", color="purple",
             fontsize=9.5)  # fmt: skip
    out = box(ax, dx, 7.5, w, 0.45, "softmax：预测 $y_1 \\dots y_n$ <end>", color="red",
              fontsize=9.5)  # fmt: skip
    arrow(ax, dec[-1].top, fc.bottom)
    arrow(ax, fc.top, out.bottom)
    label(ax, 0.3, 7.5, "每个子层之后：残差相加，再层归一化（post-LN）\n"
          "训练时一次前向算出所有位置；推理时解码器逐个词元地跑", fontsize=9,
          color="#444444", ha="left", linespacing=1.6)  # fmt: skip
    # the two masks, grey = may not attend
    m_src = matrix(ax, 0.95, 2.3, 1, 5, cell=0.24, color="orange",
                   shade=[[False, False, False, True, True]])  # fmt: skip
    label(ax, 0.95, 2.75, "$M_{src}$：不看填充", fontsize=9)
    label(ax, 0.95, 1.95, "（键的位置 →）", fontsize=8, color="#444444")
    arrow(ax, m_src.right, enc[0].left, color="orange")
    causal = [[c > r or c >= 4 for c in range(5)] for r in range(5)]
    m_tgt = matrix(ax, 10.65, 2.3, 5, 5, cell=0.24, color="orange", shade=causal)
    label(ax, 10.65, 3.2, "$M_{tgt}$：因果 ∧ 填充", fontsize=9)
    label(ax, 10.65, 1.45, "灰色 = 不许注意", fontsize=8, color="#444444")
    arrow(ax, m_tgt.left, dec[0].right, color="orange")
    show(fig)
