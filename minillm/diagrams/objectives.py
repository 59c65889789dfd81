"""Diagrams of training objectives: BERT's input and its two pretraining heads, and the SFT loss mask."""

from __future__ import annotations

from minillm.diagrams.draw import COLORS, arrow, box, canvas, label, show

# 床前明月光，疑是地上霜 as BERT sees it: 明 replaced by [MASK] (80 %), 上 by a random 山 (10 %)
BERT_TOKENS = [
    "[CLS]",
    "床",
    "前",
    "[MASK]",
    "月",
    "光",
    "[SEP]",
    "疑",
    "是",
    "地",
    "山",
    "霜",
    "[SEP]",
]
BERT_TARGETS = {3: "明", 10: "上"}
ROLE_OF = {"<|system|>": "system", "<|user|>": "user", "<|assistant|>": "assistant"}


def bert_input() -> None:
    """[CLS] A [SEP] B [SEP]: token, segment and position embeddings summed per position, a
    bidirectional encoder, MLM heads predicting the original tokens at the chosen positions and the
    NSP head reading [CLS]."""
    n, step, x0, y0 = len(BERT_TOKENS), 0.64, 1.75, 0.55  # y0: room for the notes below
    fig, ax = canvas(x0 + n * step + 0.2, 6.7 + y0)
    xs = [x0 + (i + 0.5) * step for i in range(n)]
    second = BERT_TOKENS.index("[SEP]") + 1  # first position of sentence B

    def special(i):
        return BERT_TOKENS[i].startswith("[")

    rows = [
        ("输入词元", lambda i: BERT_TOKENS[i]),
        ("词元嵌入", lambda i: "E" + BERT_TOKENS[i]),
        ("句段嵌入", lambda i: "A" if i < second else "B"),
        ("位置嵌入", lambda i: str(i)),
    ]
    for r, (name, text) in enumerate(rows):
        y = y0 + 0.55 + 0.72 * r
        label(ax, 0.75, y, name, fontsize=10)
        for i, x in enumerate(xs):
            if r == 0:
                color = "orange" if i in BERT_TARGETS else ("gray" if special(i) else "blue")
            elif r == 2:
                color = "yellow" if i < second else "purple"
            else:
                color = "sky"
            size = 7 if r == 1 and special(i) else 9
            box(ax, x, y, step - 0.06, 0.5, text(i), color=color, fontsize=size, rounded=False)
        if r >= 2:
            label(ax, 0.75, y - 0.36, "+", fontsize=13)
    label(ax, 0.75, y0 + 3.25, "= 三者相加", fontsize=9)
    enc = box(ax, xs[n // 2], y0 + 3.65, n * step, 0.6,
              "双向编码器：每个位置按相关程度汇集所有位置（左右两侧）的信息", color="green",
              fontsize=10)  # fmt: skip
    for x in xs:
        ax.plot([x, x], [y0 + 2.96, enc.bottom[1]], color="#999999", linewidth=1)
        ax.plot([x, x], [enc.top[1], y0 + 4.33], color="#999999", linewidth=1)
    label(ax, 0.75, y0 + 4.55, "输出向量", fontsize=10)
    for i, x in enumerate(xs):
        box(ax, x, y0 + 4.55, step - 0.06, 0.45, f"h{i}", color="gray", fontsize=8, rounded=False)
    head = box(ax, xs[0] + 0.15, y0 + 5.55, 1.15, 0.55, "NSP 头", color="red", fontsize=10)
    arrow(ax, (xs[0], y0 + 4.8), head.bottom, color="red")
    label(ax, xs[0] + 0.15, y0 + 6.1, "B 是不是 A 的下一句？", fontsize=9, color=COLORS["red"][1])
    for i, original in BERT_TARGETS.items():
        mlm = box(
            ax, xs[i], y0 + 5.55, 1.2, 0.55, f"MLM 头→“{original}”", color="orange", fontsize=9
        )
        arrow(ax, (xs[i], y0 + 4.8), mlm.bottom, color="orange")
    label(
        ax, xs[6], y0 + 6.1, "只在被选中的位置计算 MLM 损失", fontsize=9, color=COLORS["orange"][1]
    )
    label(ax, xs[3], y0 + 0.05, "句子 A：床前明月光", fontsize=9)
    label(ax, xs[9], y0 + 0.05, "句子 B：疑是地上霜", fontsize=9)
    label(ax, xs[n // 2], 0.22, "选中的 15% 里：明→[MASK]（80% 的情形），上→随机字“山”（10%），"
          "其余 10% 保持原字", fontsize=9, color=COLORS["orange"][1])  # fmt: skip
    show(fig)


def _chat_tokens(text: str) -> tuple[list[str], list[bool]]:
    """``text`` cut into the shipped chat model's tokens (each shown as text), and which of them the
    assistant writes (``minillm.finetune.assistant_mask``)."""
    from minillm.finetune import assistant_mask
    from minillm.pretrained import PRETRAINED_DIR
    from minillm.tokenizers import Tokenizer

    tok = Tokenizer.load(PRETRAINED_DIR / "chat-zh" / "tokenizer.json")
    ids = tok.encode(text, allowed_special="all")
    return [tok.decode([i]) for i in ids], assistant_mask(ids, tok)


def _text_width(text: str) -> float:
    """Inches a token's text needs at fontsize 8 (CJK characters are about twice as wide)."""
    return sum(0.13 if ord(ch) > 0x2E7F else 0.068 for ch in text) + 0.16


def sft_mask(
    text: str = "<|system|>你是客服<|end|><|user|>几天到<|end|><|assistant|>三天。<|end|>",
) -> None:
    """A chat template as tokens: inputs x_t on top, labels x_{t+1} (shifted left by one) below; the
    assistant's tokens count in the loss, everything else gets the label -100 and does not."""
    tokens, scored = _chat_tokens(text)
    role, roles = "system", []
    for t in tokens:  # who wrote each token: the role opened by the last role marker
        role = ROLE_OF.get(t, role)
        roles.append(role)
    n, x0, gap = len(tokens), 1.5, 0.06
    labels = [tokens[t + 1] if scored[t + 1] else "-100" for t in range(n - 1)] + [""]
    widths = [max(0.5, _text_width(tokens[t]), _text_width(labels[t])) for t in range(n)]
    lefts = [x0 + sum(widths[:t]) + gap * t for t in range(n)]
    xs = [left + w / 2 for left, w in zip(lefts, widths)]
    total = lefts[-1] + widths[-1] - x0
    fig, ax = canvas(x0 + total + 0.3, 3.7)
    colors = {"system": "purple", "user": "blue", "assistant": "orange"}
    label(ax, 0.75, 2.55, "词元 $x_t$", fontsize=10)
    label(ax, 0.75, 1.35, "标签 $y_t=x_{t+1}$", fontsize=10)
    for t in range(n):
        box(ax, xs[t], 2.55, widths[t], 0.55, tokens[t], color=colors[roles[t]], fontsize=8,
            rounded=False)  # fmt: skip
        if t == n - 1:
            break  # the last token is only ever a label
        arrow(ax, (xs[t + 1], 2.27), (xs[t], 1.63), color="gray")  # label t is token t + 1
        box(ax, xs[t], 1.35, widths[t], 0.55, labels[t], fontsize=8, rounded=False,
            color="green" if scored[t + 1] else "gray")  # fmt: skip
    entries = [("purple", "系统提示"), ("blue", "用户"), ("orange", "助手"),
               ("green", "计入损失"), ("gray", "不计损失（标签 -100）")]  # fmt: skip
    x = 0.4
    for color, name in entries:
        box(ax, x, 0.4, 0.28, 0.25, "", color=color, rounded=False)
        label(ax, x + 0.22, 0.4, name, fontsize=9, ha="left")
        x += 0.75 + 0.17 * len(name)
    label(ax, x0 + total / 2, 3.35, "每个位置预测下一个词元：只有助手写的词元（含它的结束标记）计入损失",
          fontsize=10)  # fmt: skip
    show(fig)


def _layer_stack(ax, x, top_y, n_layers, width, prefix: bool) -> list:
    """Frozen Transformer layers drawn bottom-up from ``top_y`` down; with ``prefix`` each layer's
    attention gets k trainable key and value vectors in front of its own. Returns the layer boxes."""
    boxes = []
    for i in range(n_layers):
        y = top_y - i * 0.95
        name = "第 L 层（冻结）" if i == 0 else f"第 {n_layers - i} 层（冻结）"
        layer = box(ax, x + (0.5 if prefix else 0), y, width - (1.0 if prefix else 0), 0.55,
                    name, color="gray", fontsize=9)  # fmt: skip
        if prefix:
            left = layer.left[0]
            box(ax, left - 0.52, y + 0.13, 0.82, 0.26, "K：k 个", color="orange", fontsize=8,
                rounded=False)  # fmt: skip
            box(ax, left - 0.52, y - 0.15, 0.82, 0.26, "V：k 个", color="orange", fontsize=8,
                rounded=False)  # fmt: skip
            arrow(ax, (left - 0.1, y), (left + 0.02, y), color="orange")
        if boxes:  # an arrow up into the layer drawn before (the one above)
            above = boxes[-1]
            dotted = i == 1  # between layer 2 and layer L sit the layers not drawn
            ax.plot([layer.x, layer.x], [layer.top[1] + 0.02, above.bottom[1] - 0.02],
                    color="#666666", linestyle=":" if dotted else "-", linewidth=1.4)  # fmt: skip
            if dotted:
                label(ax, layer.x + 0.25, (layer.top[1] + above.bottom[1]) / 2, "…", fontsize=11)
        boxes.append(layer)
    return boxes


def prompt_tuning() -> None:
    """Where the trainable vectors enter a frozen model: a soft prompt (prompt tuning) is k vectors
    in front of the input embeddings, trained alone (k·d numbers); prefix tuning puts k trainable
    key and value vectors in front of every layer's own, so 2·k·d numbers per layer."""
    fig, ax = canvas(10.6, 5.3)
    panels = [
        (0.35, "软提示（prompt tuning）", False, "只训练输入层的 k 个向量：k·d 个数"),
        (
            5.55,
            "前缀微调（prefix tuning）",
            True,
            "每层注意力的键、值前各接 k 个向量：每层 2·k·d 个数",
        ),
    ]
    for x0, title, prefix, note in panels:
        mid = x0 + 2.35
        label(ax, mid, 5.0, title, fontsize=12, color="#222222")
        layers = _layer_stack(ax, mid, 4.25, 3, 4.2, prefix)
        n_soft = 0 if prefix else 3
        names = [f"$P_{i + 1}$" for i in range(n_soft)] + ["我", "的", "快", "递"]
        step = 4.2 / len(names)
        for i, name in enumerate(names):
            x = x0 + 0.25 + (i + 0.5) * step
            trainable = i < n_soft
            box(ax, x, 1.4, step - 0.08, 0.48, name, color="orange" if trainable else "blue",
                fontsize=10, rounded=False)  # fmt: skip
        arrow(ax, (layers[-1].x, 1.68), layers[-1].bottom, color="gray")
        label(ax, mid, 0.92, "输入嵌入：" + ("k 个软提示向量 + 词元嵌入" if n_soft else "只有词元嵌入"),
              fontsize=9)  # fmt: skip
        label(ax, mid, 0.58, note, fontsize=10, color=COLORS["orange"][1])
    entries = [("orange", "可训练"), ("gray", "冻结的模型参数"), ("blue", "输入词元的嵌入（冻结）")]
    x = 2.6
    for color, name in entries:
        box(ax, x, 0.2, 0.26, 0.18, "", color=color, rounded=False)
        label(ax, x + 0.2, 0.2, name, fontsize=9, ha="left")
        x += 0.7 + 0.17 * len(name)
    show(fig)
