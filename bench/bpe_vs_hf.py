"""Byte-level BPE training: minillm's BPETokenizer next to HF ``tokenizers`` (ByteLevel BPE, Rust) on
the same text at the same vocabulary size, in the same run: train time and bytes per token.

Each corpus: train on its first 1 MB (1,000,000 UTF-8 bytes), measure bytes per token on the held-out
last 10 % of the corpus and on the training MB. Tang poems: the poem text only, one poem per line.

    .venv/bin/python bench/bpe_vs_hf.py [--vocab-size 1024] [--train-bytes 1000000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from _machine import cpu_name

from minillm.data import corpus_available, load_corpus
from minillm.tokenizers import SPECIAL_TOKENS, BPETokenizer


def corpus_text(name: str) -> str:
    """The text to tokenize: tinyshakespeare as is, Tang poems without titles and authors."""
    text = load_corpus(name)
    if name == "tang_poems":
        text = "\n".join(line.split("\t")[2] for line in text.splitlines())
    return text


def train_ours(text: str, vocab_size: int):
    """minillm's BPE; returns (vocab size, encode)."""
    tokenizer = BPETokenizer().train(text, vocab_size)
    return tokenizer.vocab_size, tokenizer.encode


def train_hf(text: str, vocab_size: int):
    """HF ByteLevel BPE as GPT-2 has it (its special tokens count toward vocab_size, as ours do);
    returns (vocab size, encode).
    """
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([text], trainer)
    return tokenizer.get_vocab_size(), lambda s: tokenizer.encode(s).ids


def measure(train_fn, train: str, heldout: str, vocab_size: int) -> tuple[float, ...]:
    """Train time, held-out encode time, bytes per token on held-out and on the training text."""
    start = time.perf_counter()
    size, encode = train_fn(train, vocab_size)
    t_train = time.perf_counter() - start
    assert size == vocab_size, (train_fn.__name__, size)
    start = time.perf_counter()
    n_heldout = len(encode(heldout))
    t_encode = time.perf_counter() - start
    bpt_heldout = len(heldout.encode("utf-8")) / n_heldout
    return t_train, t_encode, bpt_heldout, len(train.encode("utf-8")) / len(encode(train))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab-size", type=int, default=1024)
    parser.add_argument("--train-bytes", type=int, default=1_000_000)
    args = parser.parse_args()

    try:
        import tokenizers
    except ImportError:
        print(
            "HF tokenizers is not installed (pip install tokenizers); nothing to compare against."
        )
        return
    names = []
    for name in ("tinyshakespeare", "tang_poems"):
        if corpus_available(name):
            names.append(name)
        else:
            print(
                f"{name} is not cached: run load_corpus({name!r}) once (it downloads); skipping it"
            )
    if not names:
        return

    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(
        f"minillm BPETokenizer (pure Python, one core) vs HF tokenizers {tokenizers.__version__} "
        f"(Rust); vocab size {args.vocab_size} for both, "
        f"{len(SPECIAL_TOKENS)} special tokens included"
    )
    for name in names:
        text = corpus_text(name)
        train = text.encode("utf-8")[: args.train_bytes].decode("utf-8", errors="ignore")
        heldout = text[int(len(text) * 0.9) :]
        rows = [
            ("minillm BPETokenizer", measure(train_ours, train, heldout, args.vocab_size)),
            ("HF ByteLevel BPE", measure(train_hf, train, heldout, args.vocab_size)),
        ]
        rows.append(("ours / HF", [x / y for x, y in zip(rows[0][1], rows[1][1])]))
        print()
        print(
            f"{name}: train on {len(train.encode('utf-8')):,} bytes ({len(train):,} chars); "
            f"held-out = last 10 % ({len(heldout.encode('utf-8')):,} bytes)"
        )
        header = ("", "train s", "encode held-out s", "bytes/token held-out", "bytes/token train")
        print(f"{header[0]:<22} {header[1]:>9} {header[2]:>18} {header[3]:>21} {header[4]:>18}")
        for label, (t_train, t_encode, bpt_heldout, bpt_train) in rows:
            print(
                f"{label:<22} {t_train:>9.2f} {t_encode:>18.2f} {bpt_heldout:>21.3f} {bpt_train:>18.3f}"
            )


if __name__ == "__main__":
    main()
