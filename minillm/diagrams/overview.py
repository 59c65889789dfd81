"""Big-picture diagrams: the five parts of a dynamic interactive language model, how one turn flows, a
first sketch of a GPT-style language model, and the sliding window that keeps a chat in its context."""

from __future__ import annotations

import math

from minillm.diagrams.draw import COLORS, Box, arrow, box, canvas, label, matrix, show

PARTS = [
    ("对话状态", "当前意图与已知的槽位值"),
    ("记忆机制", "保留哪些历史：\n累积、门控、外部记忆"),
    ("上下文建模", "把保留的内容拼接成输入，\n由注意力融合进回复"),
    ("策略学习", "决定下一步：追问、确认、\n执行还是回答"),
    ("知识增量学习", "把对话中的新事实\n存成三元组"),
]


def interaction_loop() -> None:
    """The seeds' concept diagram: a dynamic interactive LLM made of five parts (orange arrows from the
    centre), each turn going once round the ring of blue arrows (state → memory → context → policy →
    knowledge → state)."""
    fig, ax = canvas(9.0, 5.55)
    cx, cy, r = 4.5, 2.72, 2.05
    box(ax, cx, cy, 1.9, 0.9, "动态交互\n大语言模型", color="orange", fontsize=12)
    boxes = []
    for i, (name, note) in enumerate(PARTS):
        angle = math.pi / 2 - 2 * math.pi * i / len(PARTS)
        x, y = cx + r * math.cos(angle), cy + r * math.sin(angle)
        boxes.append(box(ax, x, y, 1.75, 0.62, name, color="blue", fontsize=12))
        arrow(
            ax,
            (cx + 0.55 * math.cos(angle), cy + 0.32 * math.sin(angle)),
            (cx + (r - 0.5) * math.cos(angle), cy + (r - 0.4) * math.sin(angle)),
            color="orange",
        )
        # notes sit outside the ring: right of the top box, outside the side boxes, under the bottom ones
        side = math.cos(angle)
        if abs(side) < 0.5:
            label(ax, x + 1.0, y, note, fontsize=9, color="#444444", ha="left")
        elif y > cy:
            edge = x + math.copysign(0.98, side)
            label(
                ax, edge, y, note, fontsize=9, color="#444444", ha="left" if side > 0 else "right"
            )
        else:
            label(ax, x, y - 0.62, note, fontsize=9, color="#444444")
    for i, a in enumerate(boxes):
        b = boxes[(i + 1) % len(boxes)]
        dx, dy = b.x - a.x, b.y - a.y
        d = math.hypot(dx, dy)
        shrink = 0.55
        arrow(
            ax,
            (a.x + dx / d * shrink, a.y + dy / d * shrink),
            (b.x - dx / d * shrink, b.y - dy / d * shrink),
            color="blue",
            rad=-0.18,
        )
    # what the two kinds of arrow mean, top left
    arrow(ax, (0.25, 5.3), (0.85, 5.3), color="blue")
    label(ax, 0.95, 5.3, "每一轮交互沿着环走一圈", fontsize=9.5, color="#0072b2", ha="left")
    arrow(ax, (0.25, 4.95), (0.85, 4.95), color="orange")
    label(
        ax,
        0.95,
        4.95,
        "五个部件共同组成动态交互大语言模型",
        fontsize=9.5,
        color="#d55e00",
        ha="left",
    )
    show(fig)


def history_window() -> None:
    """The sliding window over a chat history: the system message is always kept, the oldest whole
    turns (a question with its answer) are dropped until the prompt fits the budget L − reply, and
    the facts of the dropped turns are written into the system message; one turn later the window
    has slid on."""
    fig, ax = canvas(10.15, 3.7)
    x0, w, h = 1.5, 0.74, 0.5
    blue = COLORS["blue"][1]

    def bracket(left, right, y):  # a bracket over [left, right] at height y, open downwards
        ax.plot([left, left, right, right], [y - 0.1, y, y, y - 0.1], color=blue, linewidth=1.3)

    rows = [(2.55, "第 4 轮", 4, 1), (0.85, "第 5 轮", 5, 2)]  # (y, name, turns so far, dropped)
    for y, name, n_turns, dropped in rows:
        label(ax, 0.5, y, name, fontsize=10, color="#222222")
        system = box(ax, x0, y, 0.95, h, "系统消息", color="purple", fontsize=9)
        x = x0 + 0.6
        for k in range(1, n_turns + 1):
            kept = k > dropped
            for role, color in (("问", "sky"), ("答", "green")):
                if k == n_turns and role == "答":
                    break  # the newest question waits for its answer
                box(ax, x + w / 2, y, w - 0.06, h, color=color if kept else "gray")
                text = "#222222" if kept else "#aaaaaa"
                label(ax, x + w / 2, y, f"{role}{k}", fontsize=9, color=text)
                x += w
        reply = box(ax, x + 0.6, y, 1.05, h, "留给回复", color="yellow", fontsize=9)
        first_kept = x0 + 0.6 + 2 * dropped * w
        top = y + h / 2 + 0.15
        bracket(system.left[0], system.right[0], top)
        bracket(first_kept, reply.right[0], top)
        note = "上下文窗口：系统消息 + 放得下的最新几轮 + 留给回复，共 ≤ L 个词元"
        label(ax, (first_kept + reply.right[0]) / 2, top + 0.2, note, fontsize=9, color=blue)
        gone = "最早的 1 轮整轮丢弃" if dropped == 1 else f"最早的 {dropped} 轮整轮丢弃"
        label(ax, (x0 + 0.6 + first_kept) / 2, y - 0.45, gone, fontsize=9, color="#666666")
    arrow(ax, (x0, 2.25), (x0, 1.15), color="purple")
    note = "被丢轮次里的事实\n（姓名、订单号）\n写进系统消息"
    label(ax, x0 + 0.12, 1.7, note, fontsize=8.5, color="#a0508a", ha="left")
    show(fig)


def lm_sketch() -> None:
    """A first sketch of a GPT-style language model: text → tokens → embeddings → N Transformer blocks
    (attention mixes positions, the feed-forward network transforms each) → next-token probabilities →
    sample one → append it to the text and repeat."""
    from matplotlib.patches import Rectangle

    fig, ax = canvas(10.6, 3.8)
    y, top = 2.15, 3.45
    stages = [(0.7, "文本"), (2.2, "词元"), (3.7, "嵌入向量"), (5.95, "Transformer 块 × N")]
    stages += [(8.25, "下一个词元的概率"), (9.85, "采样")]
    for x, name in stages:
        label(ax, x, top, name, fontsize=10, color="#222222")
    text = box(ax, 0.7, y, 1.0, 0.8, "我要退", color="gray", fontsize=11)
    for k, ch in enumerate("我要退"):
        box(ax, 1.8 + 0.4 * k, y, 0.34, 0.44, ch, color="sky", fontsize=10)
    tokens = Box(2.2, y, 1.2, 0.44)
    embed = matrix(ax, 3.7, y, 4, 3, cell=0.24, color="blue")
    label(
        ax, 3.7, y - 0.72, "每个词元一个 d 维向量\n（位置信息也在这里或\n注意力中加入）", fontsize=8
    )
    block = box(ax, 5.95, y, 2.5, 1.9, "", color="gray", rounded=False)
    box(
        ax, block.x, y + 0.42, 2.2, 0.62, "注意力\n各位置参考前文的位置", color="orange", fontsize=9
    )
    box(ax, block.x, y - 0.42, 2.2, 0.62, "前馈网络\n每个位置各自变换", color="green", fontsize=9)
    arrow(ax, (block.x, y + 0.1), (block.x, y - 0.1), color="gray")
    fill, edge = COLORS["yellow"]
    for k, (word, p) in enumerate([("货", 0.6), ("款", 0.2), ("换", 0.1)]):
        row = y + 0.35 - 0.35 * k
        label(ax, 7.65, row, word, fontsize=10)
        ax.add_patch(Rectangle((7.85, row - 0.12), 1.6 * p, 0.24, facecolor=fill, edgecolor=edge))
        label(ax, 7.95 + 1.6 * p, row, f"{p:.1f}", fontsize=8, ha="left")
    probs = Box(8.25, y, 1.4, 1.1)
    sample = box(ax, 9.85, y, 0.8, 0.8, "货", color="purple", fontsize=12)
    for a, b in [(text, tokens), (tokens, embed), (embed, block), (block, probs), (probs, sample)]:
        arrow(ax, (a.right[0] + 0.05, y), (b.left[0] - 0.05, y), color="gray")
    # the new token goes back to the end of the text: down, left along the bottom, up
    low = 0.62
    arrow(ax, sample.bottom, (sample.x, low), color="purple", style="-")
    arrow(ax, (sample.x, low), (text.x, low), color="purple", style="-")
    arrow(ax, (text.x, low), text.bottom, color="purple")
    label(
        ax,
        5.3,
        low - 0.28,
        "把“货”接到文本末尾（我要退货），再预测下一个：一次一个词元，直到结束",
        color="#a0508a",
    )
    show(fig)
