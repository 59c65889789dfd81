"""Transformer building blocks shared by the models: the position-wise feed-forward network and the
pre-LayerNorm residual block of a decoder-only model (GPT).

FFN(x) = max(0, x W_1 + b_1) W_2 + b_2 is applied to every position on its own; GPT-2 swaps the
ReLU for the tanh approximation of GELU.

``Block.forward(x, mask, need_weights, cache, layer, rope)``: ``mask`` (bool, True = attend) is
the whole mask, causality included, as a cache's ``mask`` gives it; None means plain causal
attention. ``cache`` supplies the keys and values of earlier tokens from slot ``layer`` and takes
this step's; ``rope`` (cos, sin from ``rope_tables``) rotates queries and keys.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from minillm.attention import NO_CACHE, Cache, MultiHeadAttention
from minillm.models.rope import apply_rope

ACTIVATIONS = {
    "relu": F.relu,
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),  # GPT-2's, HF "gelu_new"
}


class FeedForward(nn.Module):
    """FFN(x) = act(x W_1 + b_1) W_2 + b_2 with act = ReLU in the formula, or GELU.

    ``linear1`` holds W_1 (d_model -> d_ff) and ``linear2`` W_2 (d_ff -> d_model), named as in
    ``nn.TransformerEncoderLayer``; ``dropout`` is applied to the output (the residual branch).
    """

    def __init__(
        self,
        d_model: int,
        d_ff: int,
        activation: str = "relu",
        dropout: float = 0.0,
        bias: bool = True,
    ):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.activation = activation
        self.linear1 = nn.Linear(d_model, d_ff, bias=bias)
        self.linear2 = nn.Linear(d_ff, d_model, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """FFN at every position of x (…, d_model), each on its own."""
        return self.dropout(self.linear2(ACTIVATIONS[self.activation](self.linear1(x))))


class Block(nn.Module):
    """One GPT layer, pre-LN: x = x + attn(ln1(x)); x = x + ffn(ln2(x)), with causal self-attention.

    Normalising before each sub-layer (GPT-2) rather than after it (the 2017 Transformer) keeps
    the residual path an identity, which lets deep stacks train without warm-up tricks.
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        d_ff: int | None = None,
        dropout: float = 0.0,
        bias: bool = True,
        activation: str = "gelu_tanh",
        eps: float = 1e-5,
    ):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model, eps=eps, bias=bias)
        self.attn = MultiHeadAttention(d_model, num_heads, dropout, bias)
        self.ln2 = nn.LayerNorm(d_model, eps=eps, bias=bias)
        self.ffn = FeedForward(d_model, d_ff or 4 * d_model, activation, dropout, bias)
        self.dropout = nn.Dropout(dropout)  # the attention branch's; FeedForward drops its own

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None = None,
        need_weights: bool = False,
        cache: Cache = NO_CACHE,
        layer: int = 0,
        rope: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(batch, T, d_model) -> same shape, and the attention weights (batch, heads, T, keys)."""
        h = self.ln1(x)
        q, k, v = self.attn.project(h, h, h)
        if rope is not None:  # rotate this step's queries and keys before the keys are cached
            q, k = apply_rope(q, *rope), apply_rope(k, *rope)
        k, v = cache.update(layer, k, v)
        out, weights = self.attn.attend(q, k, v, mask, need_weights, is_causal=mask is None)
        x = x + self.dropout(out)
        return x + self.ffn(self.ln2(x)), weights
