"""Ecosystem diagrams: what the book built next to the open-source tools, models and data a learner meets,
and how C4's cleaning rules act on a line, a page and the whole corpus."""

from __future__ import annotations

from minillm.diagrams.draw import COLORS, arrow, box, canvas, label, show

# (row, what the book built, the ecosystem's counterpart, what this chapter does across the row, and the
# direction of that: "to" carries ours into their tool, "from" redoes their recipe on our data, "compare" only
# compares, None does nothing in this chapter)
ROWS = [
    (
        "分词",
        "minillm.tokenizers\nBPETokenizer、CharTokenizer",
        "tokenizers（Hugging Face）\njieba 中文分词",
        "同一语料各训练一份；\n我们的合并规则装进去",
        "to",
    ),
    (
        "模型与框架",
        "minillm.models\nGPT、BERT、Seq2SeqTransformer",
        "transformers、fairseq / fairseq2\nOpenNMT / CTranslate2",
        "gpt_to_hf：权重装进 HF 模型；\n标签平滑、长度惩罚的换算",
        "to",
    ),
    (
        "预训练模型",
        "minillm.pretrained\nshakespeare-char、chat-zh",
        "BERT、RoBERTa(-wwm)、GPT-2/3\nQwen、ChatGLM",
        "同尺寸实例化，\n参数量逐个相同",
        "compare",
    ),
    (
        "训练数据",
        "minillm.data\n唐诗、网购评论、合成客服对话",
        "Wikipedia、Common Crawl、Reddit\nLCCC、CrossWOZ",
        "清洗规则、对话配对\n在本书的语料上重做",
        "from",
    ),
    (
        "评测",
        "困惑度、留出集上的\n逐轮通过率",
        "CLUE、C-Eval、CMMLU",
        "本章只介绍，\n不在本书的小模型上跑",
        None,
    ),
]
STYLES = {"to": ("-|>", "green"), "from": ("<|-", "purple"), "compare": ("-", "gray")}


def ecosystem_map() -> None:
    """Five rows (tokenization, models and frameworks, pretrained models, training data, evaluation): on
    the left what minillm builds from scratch, on the right the open-source counterpart, and between them
    what this chapter does, drawn as an arrow the way things flow (ours into their tool, or their recipe
    redone on our data), a plain line where it only compares, nothing where it only describes."""
    fig, ax = canvas(10.6, 6.7)
    left_x, right_x, w, h = 3.05, 8.35, 3.3, 0.78
    label(ax, left_x, 6.35, "本书从头实现（minillm）", fontsize=11.5, color="#0072b2")
    label(ax, right_x, 6.35, "开源生态（本章介绍）", fontsize=11.5, color="#d55e00")
    for i, (row, ours, theirs, link, direction) in enumerate(ROWS):
        y = 5.55 - i * 1.1
        label(ax, 0.6, y, row, fontsize=10.5, color="#333333")
        a = box(ax, left_x, y, w, h, ours, color="blue", fontsize=9.5)
        b = box(ax, right_x, y, w, h, theirs, color="orange", fontsize=9.5)
        middle = (a.right[0] + b.left[0]) / 2
        if direction is None:
            label(ax, middle, y, link, fontsize=8.5, color="#888888")
            continue
        style, color = STYLES[direction]
        arrow(ax, a.right, b.left, style=style, color=color)
        label(ax, middle, y + 0.3, link, fontsize=8.5, color=COLORS[color][1])
    keys = [("to", "把本书的东西装进开源工具核对"), ("from", "把开源的做法在本书的语料上重做")]
    keys.append(("compare", "只比较"))
    for x, (direction, text) in zip((1.6, 5.0, 8.4), keys):
        style, color = STYLES[direction]
        arrow(ax, (x, 0.3), (x + 0.6, 0.3), style=style, color=color)
        label(ax, x + 0.75, 0.3, text, fontsize=9, color="#555555", ha="left")
    show(fig)


def c4_filters() -> None:
    """C4's heuristics on three levels: line rules decide line by line, page rules keep or drop the whole
    page after that, and deduplication compares three-sentence spans across the whole corpus."""
    fig, ax = canvas(11.0, 3.3)
    y, h = 1.6, 1.5
    previous = box(ax, 0.8, y, 1.2, 1.1, "一个网页\n（多行文本）", color="gray", fontsize=10)
    levels = [
        (
            2.95,
            2.6,
            "行级规则：删掉这一行",
            "blue",
            '不以 . ! ? " 结尾\n少于 5 个词\n含“javascript”\n含 cookie、隐私政策等字样',
        ),
        (
            5.95,
            2.6,
            "页级规则：丢弃整页",
            "orange",
            "含“lorem ipsum”\n含花括号 {\n含不良词表中的词\n剩下的句子少于 3 句",
        ),
        (
            8.7,
            2.2,
            "语料级：去重",
            "purple",
            "连续三句的片段\n在整个语料中重复出现，\n只保留第一次",
        ),
    ]
    for x, width, title, color, rules in levels:
        current = box(ax, x, y, width, h, rules, color=color, fontsize=9.5)
        label(ax, x, y + h / 2 + 0.25, title, fontsize=10.5)
        arrow(ax, previous.right, current.left)
        previous = current
    out = box(ax, 10.45, y, 0.9, 0.8, "C4", color="green", fontsize=11)
    arrow(ax, previous.right, out.left)
    note = "论文的另外两条规则本章不实现：删去维基式引用标记（如 [1]）；langdetect 判为英文的概率 ≥ 0.99 才保留"
    label(ax, 5.5, 0.35, note, fontsize=9, color="#888888")
    show(fig)
