"""Attention as the formulas write it: Attention(Q,K,V) = softmax(QKᵀ/√d_k)V and
MultiHead(Q,K,V) = Concat(head_1, …, head_h)W^O with head_i = Attention(QW_i^Q, KW_i^K, VW_i^V).

Masks are boolean and broadcastable to (batch, heads, queries, keys): True means "may attend", the
convention of ``torch.nn.functional.scaled_dot_product_attention``.

Key/value caches serve incremental decoding: each layer keeps the keys and values of the tokens it
has seen, so a new token costs one position of work instead of the whole prefix. ``KVCache`` grows
as tokens arrive; ``StaticKVCache`` is allocated once and tracks its length in a tensor, so every
decoding step has the same shapes, as CUDA graphs and ``torch.compile(mode="reduce-overhead")`` need.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


def causal_mask(num_queries: int, num_keys: int | None = None, device=None) -> torch.Tensor:
    """(queries, keys) bool mask letting each query see itself and earlier keys only.

    With more keys than queries (earlier tokens already cached), the queries are the last
    ``num_queries`` positions of the sequence.
    """
    num_keys = num_queries if num_keys is None else num_keys
    if num_queries < 1 or num_keys < num_queries:
        raise ValueError(f"need 1 <= num_queries <= num_keys, got {num_queries} and {num_keys}")
    return torch.ones(num_queries, num_keys, dtype=torch.bool, device=device).tril(
        num_keys - num_queries
    )


def padding_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """(batch, 1, 1, keys) bool mask from a (batch, keys) 1/0 mask: padded keys are never attended."""
    if attention_mask.dim() != 2:
        raise ValueError(
            f"attention_mask must be (batch, keys) of 1 (token) and 0 (padding), "
            f"got shape {tuple(attention_mask.shape)}"
        )
    return attention_mask.bool()[:, None, None, :]


def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    dropout: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(QKᵀ/√d_k)V for q (…, Tq, d_k), k (…, Tk, d_k), v (…, Tk, d_v): (output, weights).

    ``mask`` (bool, True = attend) removes scores before the softmax; a query whose keys are all
    masked gets zero weights rather than NaN. ``dropout`` is applied to the weights.
    """
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if mask is not None:
        if mask.dtype != torch.bool:
            raise ValueError(f"mask must be a bool tensor (True = attend), got {mask.dtype}")
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.nan_to_num(0.0)  # rows with every key masked
    if dropout > 0.0:
        weights = F.dropout(weights, p=dropout)
    return weights @ v, weights


class MultiHeadAttention(nn.Module):
    """h heads of scaled dot-product attention over d_k = d_model / h dimensions each.

    The per-head projections W_i^Q, W_i^K, W_i^V (d_model × d_k) are stored side by side in one
    ``in_proj`` layer (as ``nn.MultiheadAttention`` stores them) so self-attention needs a single
    matrix multiply; ``head_projections(i)`` returns head i's matrices. ``out_proj`` is W^O.
    """

    def __init__(self, d_model: int, num_heads: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        if d_model % num_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by num_heads ({num_heads})")
        self.d_model, self.num_heads, self.d_k = d_model, num_heads, d_model // num_heads
        self.dropout = dropout
        self.in_proj = nn.Linear(d_model, 3 * d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def head_projections(self, i: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(W_i^Q, W_i^K, W_i^V) of head ``i``, each (d_model, d_k) as in the formula."""
        if not 0 <= i < self.num_heads:
            raise ValueError(f"head must be in [0, {self.num_heads}), got {i!r}")
        rows = slice(i * self.d_k, (i + 1) * self.d_k)
        w = self.in_proj.weight.view(3, self.d_model, self.d_model)
        return w[0, rows].T, w[1, rows].T, w[2, rows].T

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, time, d_model) -> (batch, heads, time, d_k)."""
        b, t, _ = x.shape
        return x.view(b, t, self.num_heads, self.d_k).transpose(1, 2)

    def project(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor):
        """Q W^Q, K W^K, V W^V for all heads at once, each (batch, heads, time, d_k)."""
        if query is key and key is value:
            q, k, v = self.in_proj(query).split(self.d_model, dim=-1)
        else:
            w_q, w_k, w_v = self.in_proj.weight.split(self.d_model)
            b_q, b_k, b_v = (
                self.in_proj.bias.split(self.d_model)
                if self.in_proj.bias is not None
                else (None,) * 3
            )
            q, k, v = F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)
        return self._split(q), self._split(k), self._split(v)

    def attend(
        self,
        q: torch.Tensor,
        k: torch.Tensor,
        v: torch.Tensor,
        mask: torch.Tensor | None = None,
        need_weights: bool = False,
        is_causal: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Attention over projected heads, then Concat(head_1..h) W^O: (output, weights or None).

        Without ``need_weights`` this calls PyTorch's fused kernel (flash / memory-efficient
        attention where available); with it, ``scaled_dot_product_attention`` above.
        """
        p = self.dropout if self.training else 0.0
        if is_causal and q.size(-2) == 1:  # the newest token may see every key: nothing to hide
            is_causal = False
        if is_causal and mask is None and not need_weights and q.size(-2) == k.size(-2):
            heads, weights = (
                F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True),
                None,
            )
        else:
            if is_causal:
                causal = causal_mask(q.size(-2), k.size(-2), device=q.device)
                mask = causal if mask is None else mask & causal
            if need_weights:
                heads, weights = scaled_dot_product_attention(q, k, v, mask, p)
            else:
                heads = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
                if mask is not None:  # fused kernels may give NaN where every key is masked
                    heads = heads.nan_to_num(0.0)
                weights = None
        b, _, t, _ = heads.shape
        return self.out_proj(heads.transpose(1, 2).reshape(b, t, self.d_model)), weights

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor | None = None,
        value: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        need_weights: bool = False,
        is_causal: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """MultiHead(Q, K, V) for (batch, time, d_model) inputs; key and value default to query.

        Returns the output and, when ``need_weights``, the weights (batch, heads, Tq, Tk).
        """
        key = query if key is None else key
        value = key if value is None else value
        q, k, v = self.project(query, key, value)
        return self.attend(q, k, v, mask, need_weights, is_causal)


class KVCache:
    """Per-layer (batch, heads, time, d_k) keys and values, appended to as tokens arrive.

    The tensors live in buffers that double in length when full, so adding a token writes one
    position instead of copying the whole cache; ``update`` returns views of the filled part.
    """

    static = False

    def __init__(self, num_layers: int):
        self.keys: list[torch.Tensor | None] = [None] * num_layers
        self.values: list[torch.Tensor | None] = [None] * num_layers
        self.length = 0  # positions filled, the same in every layer

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor):
        """Append this step's k, v to ``layer`` and return all keys and values of that layer."""
        start, end = self.length, self.length + k.size(2)
        buffer = self.keys[layer]
        if buffer is None or buffer.size(2) < end:
            capacity = max(end, 2 * (0 if buffer is None else buffer.size(2)), 16)
            for store, new in ((self.keys, k), (self.values, v)):
                grown = new.new_empty(*new.shape[:2], capacity, new.size(3))
                if store[layer] is not None:
                    grown[:, :, :start] = store[layer][:, :, :start]
                store[layer] = grown
        self.keys[layer][:, :, start:end] = k
        self.values[layer][:, :, start:end] = v
        if layer == len(self.keys) - 1:  # the last layer has written: the step is complete
            self.length = end
        return self.keys[layer][:, :, :end], self.values[layer][:, :, :end]

    def reorder(self, index: torch.Tensor) -> None:
        """Keep batch rows ``index`` (beam search: each surviving beam takes its parent's cache)."""
        self.keys = [None if k is None else k.index_select(0, index) for k in self.keys]
        self.values = [None if v is None else v.index_select(0, index) for v in self.values]


class StaticKVCache:
    """Buffers of ``max_len`` positions allocated once; ``position`` (a 0-d tensor) counts the
    tokens written. Attention reads the whole buffer with ``mask(t)`` hiding the unwritten slots.
    """

    static = True

    def __init__(
        self,
        num_layers: int,
        batch_size: int,
        num_heads: int,
        max_len: int,
        head_dim: int,
        device=None,
        dtype=torch.float32,
    ):
        shape = (batch_size, num_heads, max_len, head_dim)
        self.keys = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(num_layers)]
        self.values = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(num_layers)]
        self.max_len = max_len
        self.position = torch.zeros((), dtype=torch.long, device=device)
        self.key_padding = torch.ones(batch_size, max_len, dtype=torch.bool, device=device)

    @property
    def length(self) -> int:
        return int(self.position)

    def positions(self, t: int) -> torch.Tensor:
        """Absolute positions (t,) of the next ``t`` tokens."""
        return self.position + torch.arange(t, device=self.position.device)

    def mask(self, t: int) -> torch.Tensor:
        """(batch, 1, t, max_len) bool: query i sees written keys up to its own position."""
        keys = torch.arange(self.max_len, device=self.position.device)
        causal = keys[None, :] <= self.positions(t)[:, None]
        return causal[None, None] & self.key_padding[:, None, None, :]

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor):
        """Write k, v at the current positions of ``layer``; return the whole buffers."""
        index = self.positions(k.size(2))
        self.keys[layer].index_copy_(2, index, k)
        self.values[layer].index_copy_(2, index, v)
        if layer == len(self.keys) - 1:  # the last layer has written: the step is complete
            self.position += k.size(2)
        return self.keys[layer], self.values[layer]

    def set_padding(self, attention_mask: torch.Tensor) -> None:
        """Record which of the positions written next are padding (attention_mask 0)."""
        t = attention_mask.size(1)
        self.key_padding.index_copy_(1, self.positions(t), attention_mask.bool())

    def reorder(self, index: torch.Tensor) -> None:
        for buffers in (self.keys, self.values):
            for i, buffer in enumerate(buffers):
                buffers[i] = buffer.index_select(0, index)
        self.key_padding = self.key_padding.index_select(0, index)
