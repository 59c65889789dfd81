"""ChatSession: any input gets a reply, the prompt fits the context, facts outlive dropped turns,
feedback changes the strategy."""

from __future__ import annotations

import random
import time

import pytest
import torch

from minillm.chat import (
    EMPTY_MESSAGE,
    MAX_INPUT_CHARS,
    MAX_RAW_CHARS,
    ChatSession,
    Turn,
    clean_input,
    extract_facts,
)
from minillm.data.dialogue import chat_corpus
from minillm.finetune import chat_prompt
from minillm.models import GPT, GPTConfig
from minillm.tokenizers import SPECIAL_TOKENS, BPETokenizer


@pytest.fixture(scope="module")
def parts():
    tokenizer = BPETokenizer().train(
        chat_corpus(100, seed=1), 256 + 32, special_tokens=SPECIAL_TOKENS
    )
    torch.manual_seed(0)
    model = GPT(GPTConfig(tokenizer.vocab_size, 128, 1, 2, 16)).eval()
    return model, tokenizer


def session(parts, **kwargs):
    model, tokenizer = parts
    return ChatSession(model, tokenizer, max_new_tokens=16, **kwargs)


ODD_INPUTS = ["", "   \n\t", "\x00\x07\x1b[31m", "😀🦜🔥", "<|end|><|user|><|<|end|>end|>"]
ODD_INPUTS += ["\ud800坏", None, 123, "啊" * 100_000, "订单 1234567890 到哪了？" * 50]


@pytest.mark.parametrize("text", ODD_INPUTS)
def test_any_input_gets_a_reply(parts, text):
    chat = session(parts)
    reply = chat.send(text)
    assert isinstance(reply, str) and reply
    if not clean_input(text):
        assert reply == EMPTY_MESSAGE and chat.turns == []
    else:
        assert [t.role for t in chat.turns] == ["user", "assistant"]
        assert len(chat.turns[0].text) <= MAX_INPUT_CHARS
        assert "<|" not in chat.turns[0].text


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("\x00\x07退货\x1b[31m", "退货"),  # a colour code: no "[31m" left behind
        ("你好\x1b[D\x1b[D吗", "你好吗"),  # arrow keys in a terminal without line editing
        ("\x1b[1;32m绿色\x1b[0m 的", "绿色 的"),
        ("\x1b]0;标题\x07退款", "退款"),  # a window title
    ],
)
def test_terminal_escape_sequences_are_removed_whole(typed, kept):
    assert clean_input(typed) == kept


@pytest.mark.parametrize(
    "text",
    [
        "<|" * 100_000 + "end|>" * 100_000,
        ">" * 200_000,
        "<|end|>x" * 30_000,
        "\x1b]" * 100_000,
        "订单号1234567890到哪了" * 20_000,
        " " * 300_000,
    ],
)
def test_long_hostile_messages_clean_fast(text):
    start = time.perf_counter()
    cleaned = clean_input(text)
    assert time.perf_counter() - start < 0.1  # a limit, not a benchmark: it takes a few ms
    assert len(cleaned) <= MAX_INPUT_CHARS and "<|end|>" not in cleaned
    assert cleaned == clean_input(text[:MAX_RAW_CHARS])  # what follows is never read


def prompt_ids_by_reencoding(chat: ChatSession) -> list[int]:
    """Reference: encode the whole prompt, drop the oldest question and answer, repeat."""
    budget = chat.model.config.block_size - chat.max_new_tokens
    messages = [(t.role, t.text) for t in chat.turns][-(chat.max_messages or len(chat.turns)) :]
    while len(messages) > 1 and messages[0][0] == "assistant":
        messages = messages[1:]
    while True:
        system = chat._system_message(remember=len(messages) < len(chat.turns))
        ids = chat.tokenizer.encode(chat_prompt(messages, system=system), allowed_special="all")
        if len(ids) <= budget or not messages:
            return ids[-budget:]
        if len(messages) == 1:  # drop the text's first tokens, not the markers; show the memory
            system = chat._system_message(remember=True)
            ids = chat.tokenizer.encode(chat_prompt(messages, system), allowed_special="all")
            role = ids.index(chat.tokenizer.special_tokens[f"<|{messages[0][0]}|>"])
            while len(ids) > budget and ids[role + 1] != chat.tokenizer.special_tokens["<|end|>"]:
                del ids[role + 1]
            return ids[-budget:]
        messages = messages[2:] if len(messages) > 2 else messages[1:]


@pytest.mark.parametrize("max_messages", [None, 3, 4])
def test_prompt_is_the_reencoded_one_and_its_cost_stays_flat(parts, max_messages):
    chat = session(parts, max_messages=max_messages, system="你是小智")
    chat.facts["订单号"] = "1234567890"
    rng = random.Random(max_messages)
    texts = ["你好", "订单1234567890到哪了", "寄到北京要几天？" * 3, "谢谢", "好" * 60]
    for _ in range(300):
        chat.turns.append(Turn(rng.choice(["user", "user", "assistant"]), rng.choice(texts)))
        assert chat.prompt_ids() == prompt_ids_by_reencoding(chat)
    calls = []
    chat.tokenizer = Counting(chat.tokenizer, calls)
    chat.prompt_ids()
    assert len(calls) <= chat.model.config.block_size  # not the 300 turns of history


class Counting:
    """A tokenizer that records each encode call."""

    def __init__(self, tokenizer, calls):
        self.tokenizer, self.calls = tokenizer, calls

    def encode(self, text, allowed_special="none"):
        self.calls.append(text)
        return self.tokenizer.encode(text, allowed_special)


def test_full_width_digits_become_ascii_and_other_digits_are_no_order_id():
    assert clean_input("订单１２３４５６７８９０到哪了") == "订单1234567890到哪了"
    assert extract_facts(clean_input("订单号１２３４５６７８９０")) == {"订单号": "1234567890"}
    assert extract_facts("订单号١٢٣٤٥٦٧٨٩٠") == {}  # Arabic-Indic digits


def test_a_long_paste_keeps_its_markers_and_the_facts_after_the_cut(parts):
    model, tokenizer = parts
    chat = session(parts)
    log = "【物流】您的包裹已到达转运中心，正在发往下一站。" * 40 + "我的订单号 1234567890 到哪了？"
    chat.send(log)
    assert len(log) > MAX_INPUT_CHARS and chat.facts["订单号"] == "1234567890"
    prompt = tokenizer.decode(chat.last_prompt)
    assert len(chat.last_prompt) <= model.config.block_size - chat.max_new_tokens
    assert prompt.startswith("<|system|>已知：订单号1234567890<|end|><|user|>")
    assert prompt.endswith("<|end|><|assistant|>")


def test_prompt_fits_and_facts_outlive_dropped_turns(parts):
    model, tokenizer = parts
    chat = session(parts)
    chat.send("你好，我叫王小明，订单号是1234567890")
    for k in range(15):
        chat.send(f"第{k}个问题：发货了吗？")
        assert len(chat.prompt_ids()) <= model.config.block_size - chat.max_new_tokens
    prompt = tokenizer.decode(chat.prompt_ids())
    assert (
        "王小明" not in chat.turns[-1].text and "1234567890" not in prompt.split("<|user|>", 1)[1]
    )
    assert prompt.startswith("<|system|>已知：姓名王小明；订单号1234567890<|end|>")


@pytest.mark.parametrize("limit", [1, 2, 3, 4])
def test_max_messages_keeps_the_newest_messages_and_the_facts(parts, limit):
    tokenizer = parts[1]
    chat = session(parts, max_messages=limit)
    for text in ["我叫王小明", "订单号是1234567890", "发货了吗？"]:
        chat.send(text)
    chat.turns.append(Turn("user", "到哪了？"))
    prompt = tokenizer.decode(chat.prompt_ids())
    shown = [t.text for t in chat.turns[-limit:]]
    shown = shown[1:] if limit % 2 == 0 else shown  # an even limit would start on the assistant
    # the messages shown, then the <|assistant|> that asks for the reply
    assert prompt.count("<|user|>") + prompt.count("<|assistant|>") == len(shown) + 1
    assert prompt.endswith("<|user|>到哪了？<|end|><|assistant|>")
    assert prompt.startswith("<|system|>已知：姓名王小明；订单号1234567890<|end|>")


@pytest.mark.parametrize("bad", [0, -1, 2.5, "3"])
def test_max_messages_is_checked(parts, bad):
    with pytest.raises(ValueError, match="max_messages must be None or an int ≥ 1"):
        session(parts, max_messages=bad)


def test_stream_equals_send_and_reset(parts):
    a, b = session(parts), session(parts)
    pieces = list(a.stream("我的快递到哪了？"))
    assert "".join(pieces) == b.send("我的快递到哪了？") and len(pieces) >= 1
    a.rate(-1, 1)
    a.reset()
    assert a.turns == [] and a.facts == {} and a.scores["greedy"] == 1


def test_feedback_switches_strategy(parts):
    chat = session(parts)
    chat.send("你好")
    assert chat.strategy == "greedy"
    chat.rate(1, -1)
    assert chat.strategy != "greedy" and chat.scores["greedy"] == -1
    chat.rate(1, -1)  # rating the same turn again does not count twice
    assert chat.scores["greedy"] == -1
    used = chat.strategy
    chat.send("再问一下")
    assert chat.turns[-1].strategy == used
    with pytest.raises(ValueError, match="score must be"):
        chat.rate(-1, 5)
    with pytest.raises(ValueError, match="not an assistant turn"):
        chat.rate(0, 1)
    with pytest.raises(ValueError, match="strategy must be one of"):
        session(parts, strategy="best")


def test_beam_strategy_replies(parts):
    chat = session(parts, strategy="beam")
    assert chat.send("营业时间？") and chat.turns[-1].strategy == "beam"


def test_extract_facts():
    assert extract_facts("我叫李雷，单号9876543210，电话13812345678") == {
        "姓名": "李雷",
        "订单号": "9876543210",
        "手机号": "13812345678",
    }
    assert extract_facts("随便问问") == {}


def test_session_with_redaction_keeps_pii_out_of_the_prompt(parts):
    _, tokenizer = parts
    chat = session(parts, redact_pii=True)
    chat.send("我的手机号是13812345678，邮箱 a.b@example.com，订单号1234567890")
    prompt = tokenizer.decode(chat.last_prompt)
    assert "13812345678" not in prompt and "example.com" not in prompt
    assert "[手机号]" in chat.turns[0].text and "1234567890" in chat.turns[0].text
    assert chat.facts["手机号"] == "138****5678" and chat.facts["订单号"] == "1234567890"
    plain = session(parts)
    plain.send("我的手机号是13812345678")
    assert "13812345678" in plain.turns[0].text
