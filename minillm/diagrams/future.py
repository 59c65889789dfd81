"""Diagrams of chapter 8's trends: kNN-LM's datastore beside the model, and the toy captioner that
reads image patches as tokens."""

from __future__ import annotations

from minillm.diagrams.draw import arrow, box, canvas, label, show

# (key context, next character) rows of the pictured datastore, and which rows are the nearest
DATASTORE = [("…ow th", "e"), ("…at th", "a"), ("…d pr", "a"), ("…ll th", "o"), ("…u th", "e")]
NEAREST = (0, 1, 3)


def knn_lm() -> None:
    """kNN-LM: the frozen model turns every position of a text into a (key, value) record; at
    prediction time the current hidden state finds its k nearest keys, their values make p_kNN,
    and p_kNN is mixed with the model's own p_LM."""
    fig, ax = canvas(10.6, 4.7)
    context = box(ax, 1.2, 4.0, 1.9, 0.7, "当前上文 x\n“…I will th”", color="gray", fontsize=10)
    lm = box(ax, 3.6, 4.0, 1.9, 0.7, "语言模型\n（参数不变）", color="blue", fontsize=10)
    p_lm = box(
        ax, 7.2, 4.0, 2.0, 0.7, "$p_{LM}(w\\mid x)$\n模型自己的分布", color="blue", fontsize=10
    )
    arrow(ax, context.right, lm.left)
    arrow(ax, lm.right, p_lm.left, "softmax", color="blue")

    label(ax, 3.3, 3.0, "键 $k_i$：隐藏状态", fontsize=9)
    label(ax, 4.8, 3.0, "值 $v_i$：下一个字符", fontsize=9)
    for i, (key, value) in enumerate(DATASTORE):
        near = i in NEAREST
        y, color = 2.6 - 0.42 * i, "orange" if near else "gray"
        box(ax, 3.3, y, 1.6, 0.36, f'h("{key}")', color=color, fontsize=9, rounded=False)
        box(ax, 4.8, y, 0.9, 0.36, f"'{value}'", color=color, fontsize=9, rounded=False)
    label(ax, 4.05, 0.4, "数据库：每个位置一条（键, 值）", fontsize=10)
    corpus = box(ax, 0.85, 1.75, 1.3, 0.8, "训练文本\n的每个位置", color="green", fontsize=10)
    arrow(ax, corpus.right, (2.45, 1.75), "同一个模型\n前向一遍", color="green", offset=(0, -0.45))
    arrow(ax, lm.bottom, (3.6, 3.2), "查询 h(x)", color="orange", offset=(0.55, 0))

    p_knn = box(
        ax,
        7.2,
        1.75,
        2.0,
        0.9,
        "$p_{kNN}(w\\mid x)$\n同一字符的权重相加",
        color="orange",
        fontsize=10,
    )
    arrow(
        ax,
        (5.3, 1.75),
        p_knn.left,
        "最近的 k 个\n权重 ∝ $e^{-d^2/\\tau}$",
        color="orange",
        offset=(0, 0.42),
    )
    mix = box(
        ax,
        9.55,
        2.85,
        1.85,
        1.0,
        "$p(w\\mid x)$\n$=\\lambda\\, p_{kNN}$\n$+\\,(1-\\lambda)\\, p_{LM}$",
        color="purple",
        fontsize=10,
    )
    arrow(ax, p_lm.right, mix.top, "$1-\\lambda$", color="purple", rad=-0.3, offset=(0.35, 0.1))
    arrow(ax, p_knn.right, mix.bottom, "$\\lambda$", color="purple", rad=0.3, offset=(0.3, -0.1))
    show(fig)


CAPTION = "左上有一个红色的方块"


def captioner_layout() -> None:
    """The toy captioner's sequence: 9 projected image patches, a start token and the caption's
    characters, all through causal Blocks; only the outputs at the start token and the caption
    characters are scored, each against the next character of the caption."""
    fig, ax = canvas(10.5, 3.5)
    cell, x0 = 0.48, 1.3
    inputs = [(f"块{i + 1}", "blue") for i in range(9)] + [("起始", "gray")]
    inputs += [(ch, "green") for ch in CAPTION[:-1]]
    for i, (text, color) in enumerate(inputs):
        x = x0 + i * cell
        box(
            ax,
            x,
            1.1,
            cell - 0.06,
            0.5,
            text,
            color=color,
            fontsize=8 if i < 10 else 10,
            rounded=False,
        )
        arrow(ax, (x, 1.37), (x, 1.6), color="gray", style="-")
        arrow(ax, (x, 2.12), (x, 2.38), color="gray")
        target, color = ("—", "gray") if i < 9 else (CAPTION[i - 9], "orange")
        box(ax, x, 2.65, cell - 0.06, 0.5, target, color=color, fontsize=10, rounded=False)
    middle = x0 + 9 * cell
    box(
        ax,
        middle,
        1.86,
        19 * cell,
        0.5,
        "两层因果 Transformer（每个位置只看它左边和自己）",
        color="purple",
        fontsize=10,
        rounded=False,
    )
    label(ax, 0.55, 1.1, "输入", fontsize=10)
    label(ax, 0.55, 2.65, "目标", fontsize=10)
    label(ax, x0 + 4 * cell, 3.2, "图像块的位置：输出不计损失", fontsize=10)
    label(
        ax,
        x0 + 14 * cell,
        3.2,
        "描述的位置：预测下一个字符，计入损失",
        fontsize=10,
        color="#d55e00",
    )
    label(
        ax, x0 + 4 * cell, 0.55, "12×12 的图切成 9 块，每块 48 个数 → 线性投影成 d 维", fontsize=9
    )
    label(ax, x0 + 14 * cell, 0.55, "起始符 + 描述的前 9 个字符 → 嵌入表", fontsize=9)
    label(ax, middle, 0.15, "两者接成一个序列，再加上可学习的位置向量（共 19 个位置）", fontsize=9)
    show(fig)
