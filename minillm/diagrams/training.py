"""Training diagrams: one optimizer step after another, with validation and checkpoints now and then."""

from __future__ import annotations

from minillm.diagrams.draw import arrow, box, canvas, label, show

# (name, what it computes, colour): the steps of one iteration, in order round the loop
STEPS = [
    ("取一批数据", "x, y：(batch, time)", "blue"),
    ("前向计算", "logits = model(x)", "green"),
    ("计算损失", "交叉熵 $L(\\theta)$", "green"),
    ("反向传播", "loss.backward()：$g=\\nabla_\\theta L$", "orange"),
    ("梯度裁剪", "$\\|g\\|>c$ 时 $g \\leftarrow g\\,c/\\|g\\|$", "orange"),
    ("优化器更新", "AdamW：$\\theta \\leftarrow \\theta-\\eta_t\\,\\Delta$", "purple"),
    ("学习率调度", "$\\eta_t$：线性预热 + 余弦退火", "purple"),
]
LEGEND = [
    ("blue", "数据"),
    ("green", "前向"),
    ("orange", "反向"),
    ("purple", "更新"),
    ("red", "监控"),
]


def training_loop() -> None:
    """One training iteration as a loop (batch → forward → loss → backward → clip → optimizer step →
    learning-rate schedule → next batch), with a branch every k steps: evaluate on the validation set,
    and save a checkpoint when the validation loss is the best so far."""
    fig, ax = canvas(10.4, 5.4)
    w, h = 1.75, 0.62
    # top row left to right, the right column down, the bottom row right to left
    places = [(1.3, 4.3), (3.7, 4.3), (6.1, 4.3), (8.6, 3.05), (6.1, 1.8), (3.7, 1.8), (1.3, 1.8)]
    boxes = []
    for (x, y), (name, note, color) in zip(places, STEPS):
        boxes.append(box(ax, x, y, w, h, name, color=color, fontsize=11.5))
        # notes sit inside the loop: under the top row, over the bottom row, left of the right box
        if x > 8:
            label(ax, x - w / 2 - 0.12, y, note, fontsize=9, color="#444444", ha="right")
        else:
            label(ax, x, y + (0.52 if y < 2 else -0.52), note, fontsize=9, color="#444444")
    for a, b in zip(boxes[:2], boxes[1:3]):
        arrow(ax, a.right, b.left)
    arrow(ax, boxes[2].right, boxes[3].top, rad=-0.3)
    arrow(ax, boxes[3].bottom, boxes[4].right, rad=-0.3)
    for a, b in zip(boxes[4:6], boxes[5:7]):
        arrow(ax, a.left, b.right)
    arrow(ax, (0.55, 2.1), (0.55, 4.0), "下一步", color="blue", rad=-0.35, offset=(0.4, 0))
    label(ax, 3.2, 3.05, "一次迭代 = 一个优化器步", fontsize=10.5, color="#0072b2")
    # the monitoring branch under the loop
    check = box(ax, 3.7, 0.5, 2.3, 0.55, "验证集上评估", color="red", fontsize=10.5)
    save = box(ax, 7.3, 0.5, 2.9, 0.55, "验证损失创新低 → 保存检查点", color="red", fontsize=10.5)
    arrow(ax, boxes[6].bottom, check.left, "每 k 步", color="red", rad=0.3, offset=(0.35, 0.15))
    arrow(ax, check.right, save.left, color="red")
    for i, (color, text) in enumerate(LEGEND):
        box(ax, 5.55 + i * 0.95, 5.1, 0.3, 0.22, "", color=color, rounded=False)
        label(ax, 5.75 + i * 0.95, 5.1, text, fontsize=9, ha="left")
    show(fig)
