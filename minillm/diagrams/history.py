"""Chapter 1's pictures: the milestones of natural language processing, the lineage of language models,
why attention beats recurrence on long sequences, and static versus dynamic interaction."""

from __future__ import annotations

from minillm.diagrams.draw import COLORS, arrow, box, canvas, label, show

# The kinds of milestone and their legend entries: the four eras of methods, and a test that is no method.
ERAS = {"规则": "gray", "统计": "blue", "神经网络": "green", "预训练": "orange", "检验": "purple"}
ERA_LABELS = {era: f"{era}方法" for era in ERAS} | {"检验": "检验标准（不是方法）"}

MILESTONES = [  # (year, what, era); each one is cited in the chapter's text
    (1948, "香农：n 元近似生成文本", "统计"),
    (1950, "图灵：模仿游戏", "检验"),
    (1966, "ELIZA 对话程序", "规则"),
    (1990, "IBM 统计机器翻译", "统计"),
    (1995, "Kneser-Ney 平滑", "统计"),
    (1997, "LSTM", "神经网络"),
    (2003, "神经概率语言模型", "神经网络"),
    (2010, "RNN 语言模型", "神经网络"),
    (2013, "word2vec 词向量", "神经网络"),
    (2014, "seq2seq", "神经网络"),
    (2015, "注意力机制用于翻译", "神经网络"),
    (2017, "Transformer", "预训练"),
    (2018, "GPT / BERT", "预训练"),
    (2020, "GPT-3", "预训练"),
    (2022, "InstructGPT / ChatGPT", "预训练"),
]


def timeline() -> None:
    """The milestones of NLP on one time axis, one row each, coloured by the era they belong to (the
    imitation game, a test rather than a method, in a colour of its own)."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from minillm.utils import setup_matplotlib

    setup_matplotlib()
    fig, ax = plt.subplots(figsize=(9, 4.8))
    for row, (year, what, era) in enumerate(MILESTONES):
        edge = COLORS[ERAS[era]][1]
        ax.plot([1944, year], [row, row], color=edge, alpha=0.25, linewidth=1)
        ax.scatter(year, row, color=edge, zorder=3)
        ax.text(year + 1.0, row, f"{what}（{year}）", va="center", fontsize=9, color=edge)
    handles = [
        Line2D([], [], marker="o", linestyle="", color=COLORS[c][1], label=ERA_LABELS[era])
        for era, c in ERAS.items()
    ]
    ax.legend(handles=handles, loc="upper right", fontsize=9, title="所属阶段", title_fontsize=9)
    ax.set_xlim(1944, 2042)
    ax.set_xticks(range(1950, 2030, 10))
    ax.set_ylim(len(MILESTONES) - 0.4, -0.6)
    ax.set_yticks([])
    ax.set_xlabel("年份")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    show(fig)


def lineage() -> None:
    """n-gram → neural LM / RNN → Transformer → pretrained LM: what each step models, and the problem
    of each that the next one solves."""
    fig, ax = canvas(9.0, 3.1)
    stages = [
        ("n-gram 计数", "数前 n−1 个字之后\n各个字出现的次数", "blue"),
        ("神经网络 / RNN", "词向量让相似的词\n共享统计；隐藏状态\n逐字读入任意长上文", "green"),
        ("Transformer", "自注意力：每个位置\n一步看到所有位置，\n整句并行计算", "orange"),
        ("预训练语言模型", "在海量无标注文本上\n预测下一个词，\n再微调或只给提示", "purple"),
    ]
    problems = [
        "数据稀疏：\n没见过的组合\n概率为 0",
        "串行计算；\n远处的信息\n难以传到",
        "标注数据少：\n每个任务从头\n训练太贵",
    ]
    xs = [1.0, 3.33, 5.67, 8.0]
    y = 2.0
    for x, (name, what, color) in zip(xs, stages):
        box(ax, x, y, 1.75, 0.6, name, color=color, fontsize=11)
        label(ax, x, y - 0.85, what, fontsize=9.5, color="#333333")
    for left, right, problem in zip(xs, xs[1:], problems):
        arrow(ax, (left + 0.9, y), (right - 0.9, y), color="red")
        label(
            ax,
            (left + right) / 2,
            y + 0.36,
            problem,
            fontsize=9,
            color=COLORS["red"][1],
            va="bottom",
        )
    label(ax, 4.5, 0.2, "红字：前一种方法的问题，也就是后一种方法要解决的问题", fontsize=9.5)
    show(fig)


def rnn_vs_attention(n: int = 6) -> None:
    """An RNN reads n tokens in n serial steps and a signal from the first token needs n-1 steps to reach
    the last; causal self-attention computes all positions at once, each seeing every earlier position
    directly."""
    fig, ax = canvas(10.0, 3.3)
    step, y_tok, y_out = 0.72, 0.85, 2.05
    # left: the recurrent chain
    x0 = 0.6
    label(ax, x0 + 2.5 * step, 3.0, "循环神经网络：一个接一个地算", fontsize=11, color="#222222")
    for i in range(n):
        x = x0 + i * step
        box(ax, x, y_tok, 0.5, 0.42, f"x{i + 1}", color="sky", fontsize=9)
        box(ax, x, y_out, 0.5, 0.42, f"h{i + 1}", color="green", fontsize=9)
        arrow(ax, (x, y_tok + 0.22), (x, y_out - 0.22), color="gray")
        label(ax, x, y_out + 0.36, f"第{i + 1}步", fontsize=8, color="#666666")
        if i:
            arrow(ax, (x - step + 0.26, y_out), (x - 0.26, y_out), color="green")
    label(
        ax,
        x0 + 2.5 * step,
        0.25,
        f"{n} 个位置要 {n} 个串行步骤；x1 的信息经 {n - 1} 次更新才到 h{n}",
        fontsize=9,
    )
    # right: causal self-attention
    x1 = 6.0
    label(ax, x1 + 2.5 * step, 3.0, "自注意力：所有位置同时算", fontsize=11, color="#222222")
    for i in range(n):
        x = x1 + i * step
        box(ax, x, y_tok, 0.5, 0.42, f"x{i + 1}", color="sky", fontsize=9)
        box(ax, x, y_out, 0.5, 0.42, f"z{i + 1}", color="orange", fontsize=9)
        label(ax, x, y_out + 0.36, "第1步", fontsize=8, color="#666666")
    for j in range(n):  # output j looks at inputs 1..j; the last output's lines in colour
        for i in range(j + 1):
            last = j == n - 1
            ax.plot(
                [x1 + i * step, x1 + j * step],
                [y_tok + 0.22, y_out - 0.22],
                color=COLORS["orange"][1] if last else "#c8c8c8",
                linewidth=1.4 if last else 0.7,
                zorder=1 if last else 0,
            )
    label(
        ax, x1 + 2.5 * step, 0.25, f"每个位置一步直接看到它前面的所有位置（彩色：z{n}）", fontsize=9
    )
    show(fig)


def static_vs_dynamic() -> None:
    """Static: each message answered alone, r = g(u). Dynamic: a state carried from turn to turn,
    s_t = f(s_{t-1}, u_t), and the reply read from the state."""
    fig, ax = canvas(11.0, 4.4)
    turns = ["发货到哪里要多久", "南宁"]
    static_replies = ["请告诉我收货城市。", "？（不知道在问什么）"]
    dynamic_replies = ["请告诉我收货城市。", "南宁约 2 天送达。"]
    states = ["{ }", "{意图: 问配送时间}", "{意图: 问配送时间,\n 城市: 南宁}"]
    # left: static
    label(ax, 2.55, 4.1, "静态：每句话单独回答  $r = g(u)$", fontsize=11, color="#222222")
    for k, (u, r) in enumerate(zip(turns, static_replies)):
        y = 2.9 - 1.5 * k
        user = box(ax, 0.95, y, 1.6, 0.55, u, color="sky", fontsize=9)
        g = box(ax, 2.45, y, 0.6, 0.55, "g", color="gray", fontsize=11)
        reply = box(ax, 4.0, y, 1.9, 0.55, r, color="red" if k else "yellow", fontsize=9)
        arrow(ax, user.right, g.left, color="gray")
        arrow(ax, g.right, reply.left, color="gray")
        label(ax, 0.95, y + 0.48, f"第 {k + 1} 轮", fontsize=8, color="#666666")
    label(ax, 2.55, 0.35, "第 2 轮只看到“南宁”两个字", fontsize=9, color=COLORS["red"][1])
    # right: dynamic
    ax.plot([5.35, 5.35], [0.2, 4.2], color="#bbbbbb", linewidth=1)
    label(
        ax,
        8.15,
        4.1,
        r"动态：状态在轮次之间传递  $s_t = f(s_{t-1}, u_t)$",
        fontsize=11,
        color="#222222",
    )
    xs = [6.2, 8.15, 10.1]
    boxes = [
        box(ax, x, 2.2, 1.5, 0.75, s, color="purple", fontsize=8.5) for x, s in zip(xs, states)
    ]
    label(ax, xs[0], 1.55, "初始状态 s0", fontsize=8, color="#666666")
    for k, (u, r) in enumerate(zip(turns, dynamic_replies)):
        a, b = boxes[k], boxes[k + 1]
        mid = (a.x + b.x) / 2
        user = box(ax, mid, 3.35, 1.55, 0.5, u, color="sky", fontsize=9)
        arrow(ax, a.right, b.left, "f", color="purple", fontsize=11, offset=(0, -0.2))
        arrow(ax, user.bottom, (mid, 2.26), color="gray")
        reply = box(ax, b.x, 0.8, 1.6, 0.5, r, color="yellow", fontsize=9)
        arrow(ax, b.bottom, reply.top, color="gray")
        label(ax, mid, 3.75, f"第 {k + 1} 轮 u{k + 1}", fontsize=8, color="#666666")
    show(fig)
