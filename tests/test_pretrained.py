"""The shipped checkpoints load with their recorded config and still predict what they learned."""

from __future__ import annotations

import json

import pytest
import torch

from minillm import pretrained


def test_shakespeare_char_loads_and_knows_english():
    assert "shakespeare-char" in pretrained.available()
    model, tokenizer = pretrained.load("shakespeare-char")
    info = json.loads((pretrained.PRETRAINED_DIR / "shakespeare-char" / "config.json").read_text())
    assert model.config.__dict__ == info["model_config"] and not model.training
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
