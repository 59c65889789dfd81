"""Attention against the formula, against torch's fused kernel, and against nn.MultiheadAttention."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from minillm.attention import (
    NO_CACHE,
    KVCache,
    MultiHeadAttention,
    StaticKVCache,
    causal_mask,
    padding_mask,
    scaled_dot_product_attention,
)

TOL = {"rtol": 1e-5, "atol": 1e-6}


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def test_sdpa_is_the_formula():
    q, k, v = torch.randn(2, 5, 8), torch.randn(2, 7, 8), torch.randn(2, 7, 3)
    out, weights = scaled_dot_product_attention(q, k, v)
    expected_w = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(8), dim=-1)
    torch.testing.assert_close(weights, expected_w, **TOL)
    torch.testing.assert_close(out, expected_w @ v, **TOL)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 5), **TOL)


@pytest.mark.parametrize("kind", ["none", "causal", "random"])
def test_sdpa_matches_torch(kind):
    q, k, v = (torch.randn(2, 3, 6, 16) for _ in range(3))
    mask = {
        "none": None,
        "causal": causal_mask(6),
        "random": (torch.rand(2, 1, 6, 6) > 0.3) | torch.eye(6, dtype=torch.bool),
    }[kind]
    out, _ = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), **TOL)


def test_causal_mask_with_cached_keys():
    assert causal_mask(3).tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    # two new queries after three cached tokens: positions 3 and 4 of a 5-token sequence
    assert causal_mask(2, 5).int().tolist() == [[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]]
    with pytest.raises(ValueError, match="num_queries"):
        causal_mask(4, 3)


def test_fully_masked_query_gets_zero_weights():
    q, k, v = torch.randn(1, 2, 4), torch.randn(1, 3, 4), torch.randn(1, 3, 4)
    mask = torch.tensor([[True, True, False], [False, False, False]])
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    assert torch.all(weights[0, 1] == 0) and torch.all(out[0, 1] == 0)
    assert weights[0, 0, 2] == 0 and torch.isclose(weights[0, 0].sum(), torch.tensor(1.0))


def _copy_into_torch(ours: MultiHeadAttention) -> nn.MultiheadAttention:
    ref = nn.MultiheadAttention(ours.d_model, ours.num_heads, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(ours.in_proj.weight)
        ref.in_proj_bias.copy_(ours.in_proj.bias)
        ref.out_proj.weight.copy_(ours.out_proj.weight)
        ref.out_proj.bias.copy_(ours.out_proj.bias)
    return ref


@pytest.mark.parametrize("need_weights", [True, False])
def test_self_attention_matches_nn_multihead_attention(need_weights):
    mha = MultiHeadAttention(32, 4).eval()
    ref = _copy_into_torch(mha).eval()
    x = torch.randn(3, 9, 32)
    keep = torch.ones(3, 9, dtype=torch.long)
    keep[1, 6:] = 0  # padding at the end of the second sequence
    out, weights = mha(x, mask=padding_mask(keep) & causal_mask(9), need_weights=need_weights)
    ref_out, ref_weights = ref(
        x, x, x, key_padding_mask=keep == 0, attn_mask=~causal_mask(9), average_attn_weights=False
    )
    torch.testing.assert_close(out, ref_out, **TOL)
    if need_weights:
        torch.testing.assert_close(weights, ref_weights, **TOL)


def test_cross_attention_matches_nn_multihead_attention():
    mha = MultiHeadAttention(24, 3).eval()
    ref = _copy_into_torch(mha).eval()
    query, memory = torch.randn(2, 4, 24), torch.randn(2, 7, 24)
    out, weights = mha(query, memory, need_weights=True)
    ref_out, ref_weights = ref(query, memory, memory, average_attn_weights=False)
    torch.testing.assert_close(out, ref_out, **TOL)
    torch.testing.assert_close(weights, ref_weights, **TOL)


def test_concat_of_per_head_attention_times_w_o():
    """MultiHead(Q,K,V) = Concat(head_1..h) W^O with head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V)."""
    mha = MultiHeadAttention(16, 4, bias=False)
    x = torch.randn(2, 5, 16)
    heads = []
    for i in range(4):
        w_q, w_k, w_v = mha.head_projections(i)
        assert w_q.shape == (16, 4)
        heads.append(scaled_dot_product_attention(x @ w_q, x @ w_k, x @ w_v)[0])
    expected = torch.cat(heads, dim=-1) @ mha.out_proj.weight.T
    torch.testing.assert_close(mha(x)[0], expected, **TOL)


@pytest.mark.parametrize("is_causal", [True, False])
def test_fused_and_explicit_paths_agree(is_causal):
    mha = MultiHeadAttention(32, 8).eval()
    x = torch.randn(2, 6, 32)
    keep = torch.tensor([[1] * 6, [0, 0, 1, 1, 1, 1]])  # left padding
    mask = padding_mask(keep)
    fused, none = mha(x, mask=mask, is_causal=is_causal)
    explicit, weights = mha(x, mask=mask, is_causal=is_causal, need_weights=True)
    assert none is None and weights.shape == (2, 8, 6, 6)
    torch.testing.assert_close(fused, explicit, **TOL)
    assert not torch.isnan(fused).any()


def test_every_cache_gives_the_positions_and_masks_of_the_uncached_pass():
    keep = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])  # row 0 left-padded
    idx = torch.zeros(2, 5, dtype=torch.long)
    assert NO_CACHE.mask(idx) is None  # causal attention alone: the fused fast path
    assert NO_CACHE.positions(idx).tolist() == [0, 1, 2, 3, 4]
    positions = NO_CACHE.positions(idx, keep)
    assert positions.tolist() == [[0, 0, 0, 1, 2], [0, 1, 2, 3, 4]]
    full = NO_CACHE.mask(idx, keep)
    assert torch.equal(full, padding_mask(keep) & causal_mask(5))
    kv = torch.zeros(2, 1, 3, 4)
    for cache in (KVCache(1), StaticKVCache(1, 2, 1, 8, 4)):
        first = cache.mask(idx[:, :3], keep[:, :3])
        assert torch.equal(cache.positions(idx[:, :3], keep[:, :3]), positions[:, :3])
        cache.update(0, kv, kv)
        assert cache.length == 3
        assert torch.equal(cache.positions(idx[:, 3:], keep), positions[:, 3:])
        second = cache.mask(idx[:, 3:], keep)
        # keys: the tokens so far (growing), or a whole buffer whose unwritten slots stay hidden
        assert torch.equal(first[..., :3], full[:, :, :3, :3]) and not first[..., 3:].any()
        assert torch.equal(second[..., :5], full[:, :, 3:]) and not second[..., 5:].any()


def test_bad_arguments():
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(30, 4)
    with pytest.raises(ValueError, match="bool"):
        scaled_dot_product_attention(
            torch.randn(1, 2, 4), torch.randn(1, 2, 4), torch.randn(1, 2, 4), torch.ones(2, 2)
        )
    with pytest.raises(ValueError, match="dropout"):
        scaled_dot_product_attention(
            torch.randn(1, 2, 4), torch.randn(1, 2, 4), torch.randn(1, 2, 4), dropout=1.0
        )
    with pytest.raises(ValueError, match="head must be"):
        MultiHeadAttention(8, 2).head_projections(2)
    with pytest.raises(ValueError, match="attention_mask"):
        padding_mask(torch.ones(3))
