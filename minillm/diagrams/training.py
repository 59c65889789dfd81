"""Training diagrams: one optimizer step after another, with validation and checkpoints now and then."""

from __future__ import annotations

from minillm.diagrams.draw import COLORS, arrow, box, canvas, label, show

# (name, what it computes, colour): the steps of one iteration, in order round the loop
STEPS = [
    ("取一批数据", "x, y：(batch, time)", "blue"),
    ("前向计算", "logits = model(x)", "green"),
    ("计算损失", "交叉熵 $L(\\theta)$", "green"),
    ("反向传播", "loss.backward()：$g=\\nabla_\\theta L$", "orange"),
    ("梯度裁剪", "$\\|g\\|>c$ 时 $g \\leftarrow g\\,c/\\|g\\|$", "orange"),
    (
        "优化器更新",
        "AdamW：$\\theta \\leftarrow \\theta-\\eta_t\\,"
        "(\\hat m/(\\sqrt{\\hat v}+\\epsilon)+\\lambda\\theta)$",
        "purple",
    ),
    ("清零梯度", "zero_grad()：否则梯度\n会累加到下一步", "purple"),
    ("学习率调度", "$\\eta_{t+1}$：线性预热\n+ 余弦退火", "purple"),
]
LEGEND = [
    ("blue", "数据"),
    ("green", "前向"),
    ("orange", "反向"),
    ("purple", "更新"),
    ("red", "监控"),
]


def _dashed_path(ax, points, color="red") -> None:
    """A dashed polyline through ``points`` ending in an arrowhead: a path taken only now and then."""
    from matplotlib.patches import FancyArrowPatch

    edge = COLORS[color][1]
    xs, ys = zip(*points[:-1])
    ax.plot(xs, ys, color=edge, linewidth=1.4, linestyle=(0, (4, 3)))
    ax.add_patch(
        FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=14, color=edge,
                        linewidth=1.4, linestyle=(0, (4, 3)), shrinkA=0, shrinkB=2)
    )  # fmt: skip


def training_loop() -> None:
    """One training iteration as a loop (batch → forward → loss → backward → clip → optimizer step →
    zero the gradients → learning-rate schedule → next batch), with a branch every k steps: evaluate
    on the validation set, save a checkpoint when the validation loss is the best so far, and go back
    to training (dashed)."""
    fig, ax = canvas(11.6, 6.3)
    w, h = 1.75, 0.62
    # top row left to right, the right column down, the bottom row right to left
    top, bottom = 5.1, 2.1
    places = [(1.8, top), (4.4, top), (7.0, top), (10.0, 4.25), (10.0, 3.2)]
    places += [(7.8, bottom), (4.7, bottom), (1.8, bottom)]
    boxes = []
    for (x, y), (name, note, color) in zip(places, STEPS):
        boxes.append(box(ax, x, y, w, h, name, color=color, fontsize=11.5))
        # notes sit inside the loop: under the top row, over the bottom row, left of the right boxes
        if x > 9:
            label(ax, x - w / 2 - 0.12, y, note, fontsize=9, color="#444444", ha="right")
        else:
            label(ax, x, y + (0.62 if y < 3 else -0.52), note, fontsize=9, color="#444444")
    for a, b in zip(boxes[:2], boxes[1:3]):
        arrow(ax, a.right, b.left)
    arrow(ax, boxes[2].right, boxes[3].top, rad=-0.3)
    arrow(ax, boxes[3].bottom, boxes[4].top)
    arrow(ax, boxes[4].bottom, boxes[5].right, rad=-0.3)
    for a, b in zip(boxes[5:7], boxes[6:8]):
        arrow(ax, a.left, b.right)
    # back to the first step: left of the bottom-left box, straight up, into the top-left box
    x0 = 0.35
    ax.plot([boxes[7].left[0], x0], [bottom, bottom], color=COLORS["blue"][1], linewidth=1.4)
    ax.plot([x0, x0], [bottom, top], color=COLORS["blue"][1], linewidth=1.4)
    arrow(ax, (x0, top), boxes[0].left, color="blue")
    label(ax, x0 + 0.12, 3.6, "下一步", fontsize=9, color=COLORS["blue"][1], ha="left")
    label(ax, 4.2, 3.6, "一次迭代 = 一个优化器步", fontsize=10.5, color="#0072b2")
    # the monitoring branch under the loop; afterwards training goes on (dashed)
    check = box(ax, 3.0, 0.75, 2.3, 0.55, "验证集上评估", color="red", fontsize=10.5)
    save = box(ax, 6.8, 0.75, 2.9, 0.55, "验证损失创新低 → 保存检查点", color="red", fontsize=10.5)
    arrow(ax, boxes[7].bottom, check.top, "每 k 步", color="red", offset=(0.5, 0.05))
    arrow(ax, check.right, save.left, color="red")
    low = 0.18
    _dashed_path(ax, [save.bottom, (save.x, low), (x0, low), (x0, bottom - 0.02)])
    label(ax, 4.9, low + 0.14, "继续训练", fontsize=9, color=COLORS["red"][1])
    for i, (color, text) in enumerate(LEGEND):
        box(ax, 6.4 + i * 0.95, 6.0, 0.3, 0.22, "", color=color, rounded=False)
        label(ax, 6.6 + i * 0.95, 6.0, text, fontsize=9, ha="left")
    show(fig)
