"""GPT against HF GPT2LMHeadModel (logits, loss, padding), its attention, init, and training."""

from __future__ import annotations

import math
import sys

import pytest
import torch

from minillm.data import RandomWindows
from minillm.interop import config_from_hf, config_to_hf, gpt_to_hf, hf_to_gpt
from minillm.models import GPT, GPTConfig
from minillm.models.transformer import Block, FeedForward
from minillm.training import evaluate, train

CONFIGS = [  # (n_layer, n_head, n_embd, activation)
    (1, 1, 8, "gelu_tanh"),
    (2, 2, 12, "gelu_tanh"),
    (3, 4, 16, "gelu"),
    (2, 3, 12, "relu"),
]


def _gpt(n_layer=2, n_head=2, n_embd=12, activation="gelu_tanh", vocab_size=37, block_size=16):
    torch.manual_seed(n_layer * 10 + n_head)
    config = GPTConfig(vocab_size, block_size, n_layer, n_head, n_embd, activation=activation)
    model = GPT(config).eval()
    with torch.no_grad():  # non-zero biases and LayerNorm affines, so a swapped tensor would show
        for name, p in model.named_parameters():
            if name.endswith("bias") or "ln" in name:
                p.add_(0.1 * torch.randn_like(p))
    return model


@pytest.mark.parametrize("sizes", CONFIGS)
def test_logits_equal_hf_both_ways(sizes):
    model = _gpt(*sizes)
    idx = torch.randint(0, 37, (3, 16))
    hf = gpt_to_hf(model)
    assert not hf.training and hf.lm_head.weight is hf.transformer.wte.weight
    with torch.no_grad():
        ours, expected = model(idx)[0], hf(idx).logits
    torch.testing.assert_close(ours, expected, rtol=1e-5, atol=1e-5)
    back = hf_to_gpt(hf)
    assert back.config == model.config and back.lm_head.weight is back.wte.weight
    with torch.no_grad():
        torch.testing.assert_close(back(idx)[0], expected, rtol=1e-5, atol=1e-5)


def test_config_round_trip_and_unsupported_hf_options():
    config = GPTConfig(37, 16, 2, 2, 12, dropout=0.1)
    hf_config = config_to_hf(config)
    assert hf_config.activation_function == "gelu_new" and hf_config.layer_norm_epsilon == 1e-5
    assert config_from_hf(hf_config) == config
    with pytest.raises(ValueError, match="bias"):
        config_to_hf(GPTConfig(37, 16, 2, 2, 12, bias=False))
    with pytest.raises(ValueError, match="n_inner"):
        from transformers import GPT2Config

        config_from_hf(GPT2Config(n_embd=12, n_head=2, n_inner=7))


def test_interop_without_transformers_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)  # makes `import transformers` fail
    with pytest.raises(ImportError, match=r"pip install minillm\[hf\]"):
        gpt_to_hf(_gpt())


def test_loss_equals_hf_loss_with_shifted_targets():
    """HF takes labels aligned with the input and shifts them inside; GPT takes targets already
    shifted, so targets = labels[:, 1:] followed by -100 gives the same mean cross-entropy."""
    model = _gpt()
    idx = torch.randint(0, 37, (2, 10))
    labels = idx.clone()
    labels[0, :4] = -100  # e.g. a prompt left out of the loss
    targets = torch.cat([labels[:, 1:], torch.full((2, 1), -100)], dim=1)
    with torch.no_grad():
        _, loss = model(idx, targets)
        expected = gpt_to_hf(model)(idx, labels=labels).loss
    torch.testing.assert_close(loss, expected, rtol=1e-5, atol=1e-6)


def test_left_padding_matches_each_sequence_alone_and_hf():
    """Left-padded rows equal the unpadded sequences at real tokens. Positions count real tokens
    only; HF's forward numbers positions 0..T-1 unless given ``position_ids``, so the test passes
    the ones HF ``generate`` derives from the mask: cumsum - 1, 0 on padding."""
    model = _gpt(n_layer=2, n_head=2)
    lengths, t = [7, 4, 1], 7
    seqs = [torch.randint(0, 37, (n,)) for n in lengths]
    idx = torch.zeros(len(seqs), t, dtype=torch.long)
    mask = torch.zeros(len(seqs), t, dtype=torch.long)
    for i, s in enumerate(seqs):
        idx[i, t - len(s) :], mask[i, t - len(s) :] = s, 1
    hf = gpt_to_hf(model)
    position_ids = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 0)
    with torch.no_grad():
        logits, _ = model(idx, attention_mask=mask)
        expected = hf(idx, attention_mask=mask, position_ids=position_ids).logits
        for i, s in enumerate(seqs):
            alone, _ = model(s[None])
            torch.testing.assert_close(logits[i, t - len(s) :], alone[0], rtol=1e-5, atol=1e-5)
    real = mask.bool()
    assert torch.isfinite(logits).all()
    torch.testing.assert_close(logits[real], expected[real], rtol=1e-5, atol=1e-5)


def test_attention_weights_are_causal_distributions():
    model = _gpt(n_layer=3, n_head=4, n_embd=16)
    idx = torch.randint(0, 37, (2, 9))
    logits, loss, attentions = model(idx, return_attention=True)
    assert loss is None and len(attentions) == 3
    for w in attentions:
        assert w.shape == (2, 4, 9, 9)
        torch.testing.assert_close(w.sum(-1), torch.ones(2, 4, 9))
        assert (w.triu(1) == 0).all()
    torch.testing.assert_close(logits, model(idx)[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("static", [False, True])
def test_cached_steps_with_left_padding_equal_the_full_forward(static):
    model = _gpt(block_size=16)
    idx = torch.randint(0, 37, (2, 9))
    keep = torch.ones(2, 9, dtype=torch.long)
    keep[0, :3] = 0
    real = keep.bool()
    with torch.no_grad():
        full = model(idx, attention_mask=keep)[0]
        cache = model.new_cache(2, static=static)
        steps = [model(idx[:, :5], attention_mask=keep[:, :5], cache=cache)[0]]
        for t in range(5, 9):
            steps.append(model(idx[:, t : t + 1], attention_mask=keep[:, : t + 1], cache=cache)[0])
    assert cache.length == 9
    torch.testing.assert_close(torch.cat(steps, dim=1)[real], full[real], rtol=1e-5, atol=1e-5)


def test_gpt2_init_and_weight_tying():
    n_layer = 4
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=500, block_size=64, n_layer=n_layer, n_head=4, n_embd=128))
    assert model.lm_head.weight is model.wte.weight
    assert model.num_parameters() == sum(p.numel() for p in model.parameters())
    assert model.num_parameters() < sum(p.numel() for p in model.state_dict().values())
    block = model.blocks[0]
    assert abs(model.wte.weight.std().item() - 0.02) < 0.002
    assert abs(block.attn.in_proj.weight.std().item() - 0.02) < 0.002
    residual = 0.02 / math.sqrt(2 * n_layer)
    for w in (block.attn.out_proj.weight, block.ffn.linear2.weight):
        assert abs(w.std().item() - residual) < 0.1 * residual
    assert (block.attn.in_proj.bias == 0).all() and (block.ffn.linear1.bias == 0).all()
    assert (block.ln1.weight == 1).all() and (model.ln_f.bias == 0).all()


def test_feedforward_relu_is_the_formula():
    """FFN(x) = max(0, x W_1 + b_1) W_2 + b_2 with W stored transposed by nn.Linear."""
    torch.manual_seed(0)
    ffn = FeedForward(6, 24, activation="relu")
    x = torch.randn(2, 5, 6)
    w1, b1 = ffn.linear1.weight.T, ffn.linear1.bias
    w2, b2 = ffn.linear2.weight.T, ffn.linear2.bias
    expected = torch.clamp(x @ w1 + b1, min=0) @ w2 + b2
    torch.testing.assert_close(ffn(x), expected)


def test_block_is_pre_ln_residual():
    torch.manual_seed(0)
    block = Block(8, 2, activation="gelu")
    x = torch.randn(2, 5, 8)
    attn, _ = block.attn(block.ln1(x), is_causal=True)
    h = x + attn
    out, weights = block(x)
    assert weights is None
    torch.testing.assert_close(out, h + block.ffn(block.ln2(h)))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_layer": 0}, "n_layer must be a positive int"),
        ({"vocab_size": 2.5}, "vocab_size must be a positive int"),
        ({"n_head": 5}, "divisible by n_head"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"activation": "tanh"}, "activation must be one of"),
        ({"bias": 1}, "bias must be True or False"),
    ],
)
def test_bad_config(kwargs, match):
    args = {"vocab_size": 10, "block_size": 8, "n_layer": 1, "n_head": 2, "n_embd": 8} | kwargs
    with pytest.raises(ValueError, match=match):
        GPTConfig(**args)


def test_bad_inputs():
    model = _gpt(block_size=8)
    with pytest.raises(ValueError, match=r"must be in \[1, block_size=8\], got 0 \+ 9"):
        model(torch.zeros(1, 9, dtype=torch.long))
    with pytest.raises(ValueError, match="token ids"):
        model(torch.zeros(1, 4))
    with pytest.raises(
        ValueError, match=r"attention_mask must have shape \(batch, cached \+ new\)"
    ):
        model(torch.zeros(2, 4, dtype=torch.long), attention_mask=torch.ones(2, 3))
    cache = model.new_cache()
    model(torch.zeros(1, 6, dtype=torch.long), cache=cache)
    with pytest.raises(ValueError, match=r"must be in \[1, block_size=8\], got 6 \+ 3"):
        model(torch.zeros(1, 3, dtype=torch.long), cache=cache)
    with pytest.raises(ValueError, match=r"\(batch, cached \+ new\) = \(1, 7\)"):
        model(torch.zeros(1, 1, dtype=torch.long), attention_mask=torch.ones(1, 1), cache=cache)
    with pytest.raises(ValueError, match="activation must be one of"):
        FeedForward(4, 8, activation="swish")


def test_training_learns_a_periodic_sequence():
    torch.manual_seed(0)
    data = torch.arange(5).repeat(100)
    model = GPT(GPTConfig(vocab_size=5, block_size=8, n_layer=1, n_head=2, n_embd=16))
    val = RandomWindows(data, 8, 16, seed=1)
    before = evaluate(model, val, iters=5)
    history = train(model, RandomWindows(data, 8, 8, seed=0), steps=30, lr=2e-2)
    after = evaluate(model, val, iters=5)
    assert len(history.train_loss) == 30
    assert before > math.log(5) * 0.8 and after < 0.1 * before
