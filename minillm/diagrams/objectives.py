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
    ids = tok.encode(text)
    return [tok.decode([i]) for i in ids], assistant_mask(ids, tok)


def _short(token: str) -> str:
    return token.strip("<|>") if token.startswith("<|") else token


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
    n, step, x0 = len(tokens), 0.62, 1.5
    fig, ax = canvas(x0 + n * step + 0.3, 3.7)
    colors = {"system": "purple", "user": "blue", "assistant": "orange"}
    label(ax, 0.75, 2.55, "词元 $x_t$", fontsize=10)
    label(ax, 0.75, 1.35, "标签 $y_t=x_{t+1}$", fontsize=10)
    for t in range(n):
        x = x0 + (t + 0.5) * step
        box(ax, x, 2.55, step - 0.06, 0.55, _short(tokens[t]), color=colors[roles[t]], fontsize=8,
            rounded=False)  # fmt: skip
        if t == n - 1:
            break  # the last token is only ever a label
        arrow(ax, (x + step, 2.27), (x, 1.63), color="gray")  # label t is token t + 1
        keep = scored[t + 1]
        box(ax, x, 1.35, step - 0.06, 0.55, _short(tokens[t + 1]) if keep else "-100",
            color="green" if keep else "gray", fontsize=8, rounded=False)  # fmt: skip
    entries = [("purple", "系统提示"), ("blue", "用户"), ("orange", "助手"),
               ("green", "计入损失"), ("gray", "不计损失（标签 -100）")]  # fmt: skip
    x = 0.4
    for color, name in entries:
        box(ax, x, 0.4, 0.28, 0.25, "", color=color, rounded=False)
        label(ax, x + 0.22, 0.4, name, fontsize=9, ha="left")
        x += 0.75 + 0.17 * len(name)
    label(ax, x0 + n * step / 2, 3.35, "每个位置预测下一个词元：只有助手写的词元（含它的结束标记）计入损失",
          fontsize=10)  # fmt: skip
    show(fig)
