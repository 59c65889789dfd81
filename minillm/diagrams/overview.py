"""Big-picture diagrams: the five parts of a dynamic interactive language model and how one turn flows."""

from __future__ import annotations

import math

from minillm.diagrams.draw import arrow, box, canvas, label, show

PARTS = [
    ("对话状态", "当前意图与已知的槽位值"),
    ("记忆机制", "保留哪些历史：\n累积、门控、外部记忆"),
    ("上下文建模", "把保留的内容拼接成输入，\n由注意力融合进回复"),
    ("策略学习", "决定下一步：追问、确认、\n执行还是回答"),
    ("知识增量学习", "把对话中的新事实\n存成三元组"),
]


def interaction_loop() -> None:
    """The seeds' concept diagram: a dynamic interactive LLM and its five parts, each turn going once
    round the ring (state → memory → context → policy → knowledge → state)."""
    fig, ax = canvas(9.0, 6.0)
    cx, cy, r = 4.5, 3.05, 2.05
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
    label(ax, cx, 5.75, "每一轮交互沿着环走一圈", fontsize=10, color="#0072b2")
    show(fig)
