"""RoPE against HF: the rotation equals Llama's, and a RoPE GPT equals HF GPT-NeoX logit for logit."""

from __future__ import annotations

import pytest
import torch

from minillm.attention import KVCache
from minillm.models import GPT, GPTConfig, apply_rope, rope_tables

transformers = pytest.importorskip("transformers")


def _rope_gpt(**kwargs) -> GPT:
    torch.manual_seed(0)
    sizes = dict(vocab_size=50, block_size=32, n_layer=2, n_head=4, n_embd=32, position="rope")
    return GPT(GPTConfig(**(sizes | kwargs))).eval()


def test_rotation_equals_llama_and_depends_on_offsets_only():
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

    torch.manual_seed(0)
    q, k = torch.randn(2, 3, 11, 16), torch.randn(2, 3, 11, 16)
    positions = torch.arange(11)
    cos, sin = rope_tables(positions, 16, base=500.0)
    inv_freq = 1.0 / (500.0 ** (torch.arange(0, 16, 2).float() / 16))
    angles = torch.cat([positions[:, None] * inv_freq] * 2, dim=-1)
    want_q, want_k = apply_rotary_pos_emb(q, k, angles.cos()[None], angles.sin()[None])
    torch.testing.assert_close(apply_rope(q, cos, sin), want_q, atol=1e-6, rtol=0)
    torch.testing.assert_close(apply_rope(k, cos, sin), want_k, atol=1e-6, rtol=0)
    # q rotated by m, k by n: the dot product depends on m - n only; lengths are kept
    a, b = torch.randn(16), torch.randn(16)

    def score(m, n):
        cm, sm = rope_tables(torch.tensor([m]), 16)
        cn, sn = rope_tables(torch.tensor([n]), 16)
        return (apply_rope(a, cm[0], sm[0]) @ apply_rope(b, cn[0], sn[0])).item()

    assert score(7, 3) == pytest.approx(score(104, 100), abs=1e-4)
    assert score(7, 3) != pytest.approx(score(8, 3), abs=1e-2)
    c, s = rope_tables(torch.tensor([123]), 16)
    assert apply_rope(a, c[0], s[0]).norm().item() == pytest.approx(a.norm().item(), rel=1e-6)


def test_rope_gpt_equals_hf_gpt_neox():
    """gpt_to_hf puts the weights in GPTNeoXForCausalLM (sequential residual, full rotary): same
    logits, and HF generate with its own cache writes the tokens ours does."""
    from minillm.generation import generate
    from minillm.interop import gpt_to_hf

    model = _rope_gpt(rope_base=1000.0)
    hf = gpt_to_hf(model)
    assert type(hf).__name__ == "GPTNeoXForCausalLM" and not hf.training
    ids = torch.randint(0, model.config.vocab_size, (2, 20))
    with torch.no_grad():
        torch.testing.assert_close(model(ids)[0], hf(ids).logits, atol=2e-5, rtol=0)
        prompt = dict(input_ids=ids[:1, :6], attention_mask=torch.ones(1, 6, dtype=torch.long))
        theirs = hf.generate(**prompt, max_new_tokens=20, do_sample=False, pad_token_id=0)
    assert generate(model, ids[:1, :6], max_new_tokens=20).tolist() == theirs.tolist()


def test_rope_gpt_with_cache_and_padding_equals_full_forward():
    model = _rope_gpt()
    assert model.wpe is None and "wpe.weight" not in model.state_dict()
    ids = torch.randint(0, 50, (1, 12))
    with torch.no_grad():
        full = model(ids)[0]
        cache = KVCache(model.config.n_layer)
        steps = [model(ids[:, :5], cache=cache)[0]]
        steps += [model(ids[:, t : t + 1], cache=cache)[0] for t in range(5, 12)]
        torch.testing.assert_close(torch.cat(steps, dim=1), full, atol=1e-5, rtol=0)
        # left padding: positions count real tokens, so the padded row equals the row alone
        padded = torch.cat([torch.zeros(1, 3, dtype=torch.long), ids], dim=1)
        mask = torch.cat([torch.zeros(1, 3), torch.ones(1, 12)], dim=1).long()
        torch.testing.assert_close(
            model(padded, attention_mask=mask)[0][:, 3:], full, atol=1e-5, rtol=0
        )


def test_rope_weights_load_into_a_longer_context():
    """No position table: the same weights run with a larger block_size (length extrapolation)."""
    short = _rope_gpt(block_size=16)
    long = GPT(GPTConfig(**{**short.config.__dict__, "block_size": 64})).eval()
    long.load_state_dict(short.state_dict())
    ids = torch.randint(0, 50, (1, 40))
    with torch.no_grad():
        torch.testing.assert_close(long(ids)[0][:, :16], short(ids[:, :16])[0])


def test_rope_config_errors():
    with pytest.raises(ValueError, match="position must be one of"):
        GPTConfig(10, 8, 1, 2, 8, position="alibi")
    with pytest.raises(ValueError, match="even head size"):
        GPTConfig(10, 8, 1, 2, 6, position="rope")
