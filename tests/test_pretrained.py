"""The shipped checkpoints load with their recorded config and still predict what they learned."""

from __future__ import annotations

import json

import pytest
import torch

from minillm import pretrained
from minillm.models import GPTConfig


def test_shakespeare_char_loads_and_knows_english():
    assert "shakespeare-char" in pretrained.available()
    model, tokenizer = pretrained.load("shakespeare-char")
    info = json.loads((pretrained.PRETRAINED_DIR / "shakespeare-char" / "config.json").read_text())
    # checkpoints written before a config field existed load with that field's default
    assert model.config == GPTConfig(**info["model_config"]) and not model.training
    assert tokenizer.vocab_size == model.config.vocab_size
    text = "ROMEO:\nWhat light through yonder window breaks? It is the east.\n"
    ids = torch.tensor([tokenizer.encode(text)])
    with torch.no_grad():
        loss = model(ids[:, :-1], ids[:, 1:])[1].item()
    assert loss < 2.3  # uniform guessing over 66 characters is ln 66 = 4.19 nats


def test_missing_checkpoint_names_what_exists():
    with pytest.raises(
        ValueError, match=r"no pretrained model 'nope'; available: \[.*'shakespeare-char'"
    ):
        pretrained.load("nope")


def test_chat_zh_loads_and_answers_in_the_chat_template():
    from minillm.chat import ChatSession

    model, tokenizer = pretrained.load("chat-zh")
    info = json.loads((pretrained.PRETRAINED_DIR / "chat-zh" / "config.json").read_text())
    assert info["judge"]["dialogues"] >= 200 and 0.0 < info["judge"]["pass_rate"] <= 1.0
    chat = ChatSession(model, tokenizer)
    assert "请问" in chat.send("你好")  # a greeting that offers help
    assert "订单号" in chat.send("我的快递怎么还没到？")  # asks for the missing order id


def test_token_chars_are_the_chinese_characters_the_tokenizer_keeps_whole():
    from minillm.pretrained.train_chat_zh import token_chars

    _, tokenizer = pretrained.load("chat-zh")
    chars = token_chars(tokenizer)
    assert len(chars) > 500 and chars == "".join(sorted(set(chars)))
    assert all("\u4e00" <= c <= "\u9fa5" and len(tokenizer.encode(c)) == 1 for c in chars)
    # a rare character is split into bytes and left out; a common one is kept
    assert len(tokenizer.encode("圳")) > 1 and "圳" not in chars and "京" in chars
