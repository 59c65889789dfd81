"""Ecosystem diagrams: what the book built next to the open-source tools, models and data a learner meets,
and how C4's cleaning rules act on a line, a page and the whole corpus."""

from __future__ import annotations

from minillm.diagrams.draw import arrow, box, canvas, label, show

# (row, what the book built, the ecosystem's counterpart, what this chapter does across the row)
ROWS = [
    (
        "分词",
        "minillm.tokenizers\nBPETokenizer、CharTokenizer",
        "tokenizers（Hugging Face）\njieba 中文分词",
        "同一语料、同样大小的词表",
    ),
    (
        "模型与框架",
        "minillm.models\nGPT、BERT、Seq2SeqTransformer",
        "transformers、fairseq / fairseq2\nOpenNMT / CTranslate2",
        "gpt_to_hf：权重互通",
    ),
    (
        "预训练模型",
        "minillm.pretrained\nshakespeare-char、chat-zh",
        "BERT、RoBERTa(-wwm)、GPT-2/3\nQwen、ChatGLM",
        "同一结构，参数量相同",
    ),
    (
        "训练数据",
        "minillm.data\n唐诗、网购评论、合成客服对话",
        "Wikipedia、Common Crawl、Reddit\nLCCC、CrossWOZ",
        "清洗规则、对话配对",
    ),
    (
        "评测",
        "困惑度、留出集上的\n逐轮通过率",
        "CLUE、C-Eval、CMMLU",
        "统一的公开考卷",
    ),
]


def ecosystem_map() -> None:
    """Five rows (tokenization, models and frameworks, pretrained models, training data, evaluation): on
    the left what minillm builds from scratch, on the right the open-source counterpart, and on the arrow
    between them what this chapter checks or does."""
    fig, ax = canvas(10.6, 6.1)
    left_x, right_x, w, h = 3.05, 8.35, 3.3, 0.78
    label(ax, left_x, 5.75, "本书从头实现（minillm）", fontsize=11.5, color="#0072b2")
    label(ax, right_x, 5.75, "开源生态（本章介绍）", fontsize=11.5, color="#d55e00")
    for i, (row, ours, theirs, link) in enumerate(ROWS):
        y = 4.95 - i * 1.1
        label(ax, 0.6, y, row, fontsize=10.5, color="#333333")
        a = box(ax, left_x, y, w, h, ours, color="blue", fontsize=9.5)
        b = box(ax, right_x, y, w, h, theirs, color="orange", fontsize=9.5)
        arrow(ax, a.right, b.left, style="<|-|>", color="green")
        label(ax, (a.right[0] + b.left[0]) / 2, y + 0.2, link, fontsize=8.5, color="#009e73")
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
    label(
        ax,
        5.5,
        0.35,
        "行级规则只删行，页级规则一票否决整页，去重跨页面比较",
        fontsize=9.5,
        color="#555555",
    )
    show(fig)
