"""Tokenizers: round trips on any Unicode, special tokens, save/load, errors, and cross-checks
against a naive BPE trainer, minbpe's toy example and HF ``tokenizers``.
"""

from __future__ import annotations

import functools
import json
import time
from collections import Counter

import pytest
import regex
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from minillm.data.dialogue import chat_corpus, parse_chat_text
from minillm.tokenizers import SPECIAL_TOKENS, BPETokenizer, CharTokenizer, Tokenizer
from minillm.tokenizers.bpe import HAN_CHAR_PATTERN, SPLIT_PATTERN, merge

ENGLISH = """\
A tokenizer turns text into a list of integers and back again. The simplest one gives every
character its own id; it never fails on the text it was trained on, but the sequences are long.
Byte-pair encoding starts from the 256 possible bytes and merges the pair that occurs most often,
again and again, until the vocabulary has the size we asked for. Frequent words end up as a single
token, rare words are spelled out in pieces, and nothing is ever unknown. Isn't that neat? We'll
see that the learned merges depend on the corpus: 1,024 tokens of English are not 1,024 tokens of
Chinese, and a model's embedding table has exactly vocab_size rows.
"""
UNICODE_TEXT = st.text(max_size=200)  # Hypothesis' default alphabet: all of Unicode but surrogates
CHAT_TEXT = st.lists(
    st.one_of(
        st.text(max_size=20),
        st.sampled_from(SPECIAL_TOKENS),
        st.text(alphabet="订单号你好，。！？hello 123\n<|>", max_size=20),
    )
).map("".join)


def plain_chat(n: int, **kwargs) -> str:
    """The messages of chat_corpus without the role markup, one per line."""
    lines = chat_corpus(n, **kwargs).splitlines()
    return "\n".join(text for line in lines for _, text in parse_chat_text(line))


@functools.cache
def mixed_bpe() -> BPETokenizer:
    """A BPE trained on Chinese customer-service chat (with its markup) and some English."""
    return BPETokenizer().train(chat_corpus(200) + "\n" + ENGLISH, vocab_size=600)


def naive_merges(text: str, n_merges: int) -> dict[tuple[int, int], int]:
    """Reference trainer: recount every pair of every chunk before each merge; same tie rule."""
    chunks = [list(chunk.encode("utf-8")) for chunk in regex.findall(SPLIT_PATTERN, text)]
    merges = {}
    for new_id in range(256, 256 + n_merges):
        counts = Counter(pair for ids in chunks for pair in zip(ids, ids[1:]))
        if not counts:
            break
        pair = max(counts, key=lambda p: (counts[p], p))
        merges[pair] = new_id
        chunks = [merge(ids, pair, new_id) for ids in chunks]
    return merges


# --- BPE training ---------------------------------------------------------------------------


def test_minbpe_toy_example():
    tokenizer = BPETokenizer().train("aaabdaaabac", vocab_size=256 + 3, special_tokens=())
    assert tokenizer.merges == {(97, 97): 256, (256, 97): 257, (257, 98): 258}
    assert tokenizer.encode("aaabdaaabac") == [258, 100, 258, 97, 99]
    assert tokenizer.vocab[258] == b"aaab" and tokenizer.vocab_size == 259


def test_incremental_training_matches_naive_recount():
    text = chat_corpus(12) + "\n" + ENGLISH  # a few KB, markup kept as ordinary text
    tokenizer = BPETokenizer().train(text, vocab_size=256 + 150, special_tokens=())
    assert tokenizer.merges == naive_merges(text, 150)


def test_training_is_deterministic_and_sizes_add_up():
    text = chat_corpus(30)
    first = BPETokenizer().train(text, 400)
    assert first.merges == BPETokenizer().train(text, 400).merges
    assert first.vocab_size == 400 and len(first.merges) == 400 - 256 - len(SPECIAL_TOKENS)
    assert list(first.special_tokens.values()) == list(range(400 - len(SPECIAL_TOKENS), 400))


def test_truncated_equals_training_to_the_smaller_size():
    text = chat_corpus(30) + "\n" + ENGLISH
    large = BPETokenizer().train(text, 600)
    for size in (256 + len(SPECIAL_TOKENS), 300, 451, 600):
        small, trained = large.truncated(size), BPETokenizer().train(text, size)
        assert small.merges == trained.merges and small.vocab == trained.vocab
        assert small.special_tokens == trained.special_tokens and small.vocab_size == size
        assert small.encode(text) == trained.encode(text)
    assert len(large.merges) == 600 - 256 - len(SPECIAL_TOKENS)  # the original is unchanged
    for bad in (256, 601, 300.0, True):
        with pytest.raises(ValueError, match=r"vocab_size must be an int in \[261, 600\]"):
            large.truncated(bad)


def test_special_tokens_are_not_learned_from():
    tokenizer = mixed_bpe()
    learned = [tokenizer.vocab[i] for i in tokenizer.merges.values()]
    assert not any(b"|" in token for token in learned)


def test_training_stops_when_pairs_run_out():
    tokenizer = BPETokenizer().train("abab", vocab_size=1000, special_tokens=())
    assert tokenizer.merges == {(97, 98): 256, (256, 256): 257}
    assert tokenizer.vocab_size == 258


def test_pretokenizer_keeps_han_runs_apart():
    chunks = regex.findall(SPLIT_PATTERN, "我爱Python和C++，你呢？2024年 天气 don't")
    assert chunks == [
        "我爱",
        "Python",
        "和",
        "C",
        "++，",
        "你呢",
        "？",
        "2024",
        "年",
        " ",
        "天气",
        " don",
        "'t",
    ]
    assert regex.findall(SPLIT_PATTERN, "〇一二三") == ["〇一二三"]


def test_han_char_pattern_makes_every_chinese_character_a_chunk():
    text = "我爱Python和C++，你呢？2024年 天气 don't"
    assert regex.findall(HAN_CHAR_PATTERN, text) == [
        *"我爱", "Python", "和", "C", "++，", *"你呢", "？", "2024", "年", " ", *"天气", " don", "'t"
    ]  # fmt: skip


def test_han_char_bpe_has_one_token_per_character_and_saves_its_pattern(tmp_path):
    corpus = chat_corpus(200) + "\n" + ENGLISH
    tokenizer = BPETokenizer(HAN_CHAR_PATTERN).train(corpus, vocab_size=900)
    pieces = [tokenizer.decode([i]) for i in tokenizer.encode("订单到哪了，客服")]
    assert pieces == ["订", "单", "到", "哪", "了", "，", "客", "服"]
    words = mixed_bpe().encode("订单到哪了，客服")  # the default pattern merges words
    assert len(words) < len(pieces)
    tokenizer.save(tmp_path / "t.json")
    loaded = Tokenizer.load(tmp_path / "t.json")
    assert loaded.pattern == HAN_CHAR_PATTERN and loaded.encode(corpus) == tokenizer.encode(corpus)


def test_merges_glue_chinese_words_not_punctuation():
    tokenizer = mixed_bpe()
    learned = [
        tokenizer.vocab[i].decode("utf-8", errors="ignore") for i in tokenizer.merges.values()
    ]
    assert "订单" in learned  # a two-character word became one token
    for token in learned:
        han = regex.search(r"\p{Han}", token)
        assert not han or regex.fullmatch(r"\p{Han}+", token), token


# --- encode / decode ------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.one_of(UNICODE_TEXT, CHAT_TEXT))
def test_bpe_round_trip_on_any_unicode(text):
    tokenizer = mixed_bpe()
    ids = tokenizer.encode(text, allowed_special="all")
    assert tokenizer.decode(ids) == text
    assert ids.count(tokenizer.special_tokens["<|end|>"]) == text.count("<|end|>")
    plain = tokenizer.encode(text)  # by default markup in the text is ordinary text
    assert tokenizer.decode(plain) == text
    assert not set(plain) & set(tokenizer.special_tokens.values())


@settings(max_examples=100, deadline=None)
@given(UNICODE_TEXT)
def test_bpe_chunks_cover_the_text(text):
    assert "".join(regex.findall(SPLIT_PATTERN, text)) == text


@given(st.text(alphabet="订单号你好，。查到了吗a1 ", min_size=2, max_size=400))
@settings(max_examples=200, deadline=None)
def test_long_chunk_encoding_matches_the_simple_loop(text):
    tokenizer, ids = mixed_bpe(), list(text.encode("utf-8"))
    assert tokenizer._encode_long_chunk(ids) == tokenizer._encode_chunk(ids)


def test_a_long_run_of_chinese_encodes_in_time_linear_in_its_length():
    tokenizer = mixed_bpe()
    text = "".join(chr(0x4E00 + (i * 7919) % 20_000) for i in range(100_000))  # one chunk
    start = time.perf_counter()
    ids = tokenizer.encode(text)
    assert time.perf_counter() - start < 10  # the quadratic loop needs minutes; this about 1 s
    assert tokenizer.decode(ids) == text


def test_special_tokens_are_single_ids_and_round_trip():
    tokenizer = mixed_bpe()
    text = chat_corpus(3)
    ids = tokenizer.encode(text, allowed_special="all")
    assert tokenizer.decode(ids) == text
    for token in SPECIAL_TOKENS[1:4]:  # user, assistant, end all occur in chat text
        assert ids.count(tokenizer.special_tokens[token]) == text.count(token)
    assert tokenizer.encode("<|system|>你好", allowed_special="all") == [
        tokenizer.special_tokens["<|system|>"],
        *tokenizer.encode("你好"),
    ]
    plain = tokenizer.encode(text)
    assert not set(plain) & set(tokenizer.special_tokens.values())
    only_end = tokenizer.encode("<|user|>hi<|end|>", allowed_special={"<|end|>"})
    assert only_end[-1] == tokenizer.special_tokens["<|end|>"]
    assert tokenizer.special_tokens["<|user|>"] not in only_end


def test_decode_replaces_invalid_utf8():
    tokenizer = BPETokenizer()
    assert tokenizer.decode([0xE4, 0xBD]) == "\ufffd"  # the first two of the three bytes of 你
    assert tokenizer.decode([0xE4, 0xBD, 0xA0]) == "你"


def test_decode_accepts_tensors_and_display_helpers():
    tokenizer = mixed_bpe()
    ids = tokenizer.encode("订单号")
    assert tokenizer.decode(torch.tensor(ids)) == "订单号"
    assert tokenizer.token_bytes(tokenizer.special_tokens["<|end|>"]) == b"<|end|>"
    assert tokenizer.id_to_str(10) == "\\n"
    assert tokenizer.id_to_str(0xE4) == "\\xe4"


# --- character tokenizer --------------------------------------------------------------------


def test_char_tokenizer_ids_unknowns_and_specials():
    tokenizer = CharTokenizer().train("hello world<|end|>")
    assert tokenizer.chars == sorted(set("hello world"))
    assert tokenizer.encode("hold") == [tokenizer.chars.index(c) for c in "hold"]
    assert tokenizer.encode("hi!") == [
        tokenizer.chars.index("h"),
        tokenizer.unk_id,
        tokenizer.unk_id,
    ]
    assert tokenizer.decode(tokenizer.encode("hello<|end|>", "all")) == "hello<|end|>"
    assert tokenizer.encode("<|end|>", "all") == [tokenizer.special_tokens["<|end|>"]]
    unk, (e, d) = tokenizer.unk_id, (tokenizer.chars.index(c) for c in "ed")
    assert tokenizer.encode("<|end|>") == [unk, unk, e, unk, d, unk, unk]  # as ordinary text
    assert tokenizer.vocab_size == len(tokenizer.chars) + 1 + len(SPECIAL_TOKENS)


def test_char_tokenizer_vocab_size_keeps_most_frequent():
    tokenizer = CharTokenizer().train("aaabbc", vocab_size=3, special_tokens=())
    assert tokenizer.chars == ["a", "b"] and tokenizer.vocab_size == 3
    assert tokenizer.decode(tokenizer.encode("cab")) == "<unk>ab"
    with pytest.raises(ValueError, match="vocab_size"):
        CharTokenizer().train("abc", vocab_size=1, special_tokens=())


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="春眠不觉晓，处处闻啼鸟。ab \n", max_size=100))
def test_char_round_trip(text):
    tokenizer = CharTokenizer().train("春眠不觉晓，处处闻啼鸟。ab \n")
    assert tokenizer.decode(tokenizer.encode(text)) == text


# --- save / load ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["bpe", "char"])
def test_save_load_round_trip(tmp_path, kind):
    text = chat_corpus(20)
    tokenizer = mixed_bpe() if kind == "bpe" else CharTokenizer().train(text)
    path = tmp_path / "tokenizer.json"
    tokenizer.save(path)
    loaded = Tokenizer.load(path)
    assert type(loaded) is type(tokenizer)
    assert loaded.vocab == tokenizer.vocab and loaded.special_tokens == tokenizer.special_tokens
    assert loaded.encode(text) == tokenizer.encode(text)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["version"] == 1 and saved["type"] == type(tokenizer).__name__
    if kind == "bpe":
        assert saved["pattern"] == SPLIT_PATTERN
        assert [tuple(p) for p in saved["merges"]] == list(tokenizer.merges)
        assert saved["vocab"][str(tokenizer.merges[(228, 189)])] == "\\xe4\\xbd"


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "char.json"
    CharTokenizer().train("abc").save(path)
    with pytest.raises(ValueError, match="not a BPETokenizer"):
        BPETokenizer.load(path)
    path.write_text('{"version": 99}', encoding="utf-8")
    with pytest.raises(ValueError, match="version 1"):
        Tokenizer.load(path)
    mixed_bpe().save(path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    saved["merges"][3] = [5000, 1]
    path.write_text(json.dumps(saved), encoding="utf-8")
    with pytest.raises(ValueError, match="two ids below 259"):
        BPETokenizer.load(path)
    saved["merges"][3], saved["pattern"] = [1, 2], "(a|a)+$"  # a regex that backtracks forever
    path.write_text(json.dumps(saved), encoding="utf-8")
    with pytest.raises(ValueError, match="must be SPLIT_PATTERN or HAN_CHAR_PATTERN"):
        BPETokenizer.load(path)
    path.write_text('{"version": 1, "type": ', encoding="utf-8")
    with pytest.raises(ValueError, match=r"char\.json is not valid JSON"):
        Tokenizer.load(path)


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([1, 600], r"ids\[1\] = 600 is out of range; token ids are ints in \[0, 599\]"),
        ([-1], r"ids\[0\] = -1 is out of range"),
        ([3, 1.5], r"ids\[1\] = 1.5 is a float"),
        ([True], r"ids\[0\] = True is a bool"),
        (["7"], r"ids\[0\] = '7' is a str"),
        ("abc", "ids must be a sequence of ints, got str"),
        (7, "ids must be a sequence of ints, got int"),
    ],
)
def test_decode_rejects_bad_ids(ids, message):
    with pytest.raises(ValueError, match=message):
        mixed_bpe().decode(ids)


def test_lone_surrogate_is_a_clear_error():
    with pytest.raises(ValueError, match=r"text\[1\] = '\\ud800' is a lone surrogate"):
        mixed_bpe().encode("a\ud800b")
    with pytest.raises(ValueError, match=r"text\[2\]"):
        BPETokenizer().train("ab\udfff", 300)
    assert CharTokenizer().train("ab").encode("a\ud800")[1] == CharTokenizer().train("ab").unk_id


def test_bad_arguments():
    with pytest.raises(ValueError, match="vocab_size must be an int >= 261"):
        BPETokenizer().train("abc", 260)
    with pytest.raises(ValueError, match="text must be a str"):
        mixed_bpe().encode(b"abc")
    with pytest.raises(ValueError, match="unknown special tokens"):
        mixed_bpe().encode("x", allowed_special={"<|bos|>"})
    with pytest.raises(ValueError, match="train"):
        CharTokenizer().encode("abc")


# --- cross-check against HF tokenizers ------------------------------------------------------


def test_compression_matches_hf_bytelevel_bpe():
    """Same text, same vocab size (HF counts its special tokens too), same GPT-2-style regex apart
    from the Han split: bytes per token on held-out chat within 2 % (measured: within 0.5 %).
    The text carries no chat markup, because HF's trainer learns merges from special-token text.
    """
    hf_tokenizers = pytest.importorskip("tokenizers")
    from tokenizers import models, pre_tokenizers, trainers

    text, heldout, vocab_size = plain_chat(200) + "\n" + ENGLISH, plain_chat(50, seed=1), 512
    ours = BPETokenizer().train(text, vocab_size)
    hf = hf_tokenizers.Tokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    hf.train_from_iterator([text], trainer)
    assert hf.get_vocab_size() == ours.vocab_size == vocab_size

    n_bytes = len(heldout.encode("utf-8"))
    ours_bpt = n_bytes / len(ours.encode(heldout))
    hf_bpt = n_bytes / len(hf.encode(heldout).ids)
    assert ours_bpt / hf_bpt == pytest.approx(1.0, abs=0.02), (ours_bpt, hf_bpt)
