"""Diagrams of tokenization: byte-level BPE merging a word's bytes into tokens, one learned merge at a time."""

from __future__ import annotations

from minillm.diagrams.draw import COLORS, arrow, box, canvas, label, show

# Sennrich et al.'s toy corpus (word: frequency), and a Chinese one in the same spirit
TOY_WORDS = {"low": 5, "lower": 2, "newest": 6, "widest": 3}
TOY_WORDS_ZH = {"明月": 5, "月光": 3, "明天": 2}


def _merge_steps(words: dict[str, int], word: str) -> list[tuple[list[bytes], str]]:
    """Train minillm's BPE on ``words`` (each repeated by its frequency) and replay the encoding of
    ``word``: the token sequence before each merge that applies to it, with that merge's rank."""
    from minillm.tokenizers import BPETokenizer
    from minillm.tokenizers.bpe import merge

    text = "\n".join(w for w, n in words.items() for _ in range(n))
    tok = BPETokenizer().train(text, vocab_size=300, special_tokens=())
    ids, steps = list(word.encode("utf-8")), []
    for rank, (pair, new_id) in enumerate(tok.merges.items(), start=1):
        merged = merge(ids, pair, new_id)
        if merged != ids:
            a, b = (_show(tok.vocab[i]) for i in pair)
            steps.append(
                ([tok.vocab[i] for i in ids], f"第 {len(steps) + 1} 步：应用秩 {rank} 的 {a} + {b}")
            )
            ids = merged
    steps.append(([tok.vocab[i] for i in ids], ""))
    return steps


def _show(token: bytes) -> str:
    """A token as text; bytes that are not whole UTF-8 characters as hex (e6 9c)."""
    try:
        return token.decode("utf-8")
    except UnicodeDecodeError:
        return " ".join(f"{b:02x}" for b in token)


def _panel(ax, x0, top, title, corpus, steps, unit, row_h) -> None:
    label(ax, x0 + 1.6, top, title, fontsize=11, color="#222222")
    label(ax, x0 + 1.6, top - 0.3, corpus, fontsize=9, color="#555555")
    for r, (tokens, note) in enumerate(steps):
        y, x = top - 0.85 - r * row_h, x0
        last = r == len(steps) - 1
        for token in tokens:
            w = unit * len(token)  # a token is as wide as its bytes
            whole = "\ufffd" not in token.decode("utf-8", errors="replace")
            color = ("green" if last else "blue") if whole else "gray"
            box(
                ax,
                x + w / 2,
                y,
                w - 0.04,
                0.4,
                _show(token),
                color=color,
                fontsize=9,
                rounded=False,
            )
            x += w
        if note:
            arrow(ax, (x0 + 0.3, y - 0.22), (x0 + 0.3, y - row_h + 0.22), color="orange")
            label(
                ax, x0 + 0.5, y - row_h / 2, note, fontsize=9, ha="left", color=COLORS["orange"][1]
            )


def bpe_merges(words=None, words_zh=None) -> None:
    """Encoding an unseen English word and a Chinese word with BPEs trained on toy corpora: each step
    applies the earliest-learned merge (its rank) that occurs in the word, until none applies."""
    words, words_zh = words or TOY_WORDS, words_zh or TOY_WORDS_ZH
    steps_en = _merge_steps(words, "lowest")
    steps_zh = _merge_steps(words_zh, "明月")
    row_h = 0.85
    rows = max(len(steps_en), len(steps_zh))
    height = 1.65 + rows * row_h
    fig, ax = canvas(9.2, height)

    def corpus(table):
        return "训练语料：" + "、".join(f"{w}×{n}" for w, n in table.items())

    _panel(ax, 0.3, height - 0.3, "英文：没见过的词 lowest", corpus(words), steps_en, 0.52, row_h)
    _panel(ax, 4.9, height - 0.3, "中文：明月（每个汉字 3 个 UTF-8 字节）", corpus(words_zh),
           steps_zh, 0.6, row_h)  # fmt: skip
    for i, (color, text) in enumerate(
        [
            ("gray", "不完整的字节（十六进制）"),
            ("blue", "完整的字符或词元"),
            ("green", "最终的词元"),
        ]
    ):
        box(ax, 0.5 + i * 2.9, 0.3, 0.3, 0.25, "", color=color, rounded=False)
        label(ax, 0.75 + i * 2.9, 0.3, text, fontsize=9, ha="left")
    show(fig)
