"""Attention as the formulas write it: Attention(Q,K,V) = softmax(QKᵀ/√d_k)V and
MultiHead(Q,K,V) = Concat(head_1, …, head_h)W^O with head_i = Attention(QW_i^Q, KW_i^K, VW_i^V).

Masks are boolean and broadcastable to (batch, heads, queries, keys): True means "may attend", the
convention of ``torch.nn.functional.scaled_dot_product_attention``.

Key/value caches serve incremental decoding: each layer keeps the keys and values of the tokens it
has seen, so a new token costs one position of work instead of the whole prefix. Every cache speaks
the protocol of ``Cache`` (positions, mask, update), and so does a forward pass without a cache
(``NO_CACHE``). ``KVCache`` grows as tokens arrive; ``StaticKVCache`` is allocated once and tracks
its length in a tensor, so every decoding step has the same shapes, as CUDA graphs and
``torch.compile(mode="reduce-overhead")`` need.
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


def _check_attention_args(mask: torch.Tensor | None, dropout: float) -> None:
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    if mask is not None and mask.dtype != torch.bool:
        raise ValueError(f"mask must be a bool tensor (True = attend), got {mask.dtype}")


def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    dropout: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(QKᵀ/√d_k)V for q (…, Tq, d_k), k (…, Tk, d_k), v (…, Tk, d_v): (output, weights)."""
    _check_attention_args(mask, dropout)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if mask is not None:  # True = attend: the others get -inf, so softmax gives them 0
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.nan_to_num(0.0)  # a query whose keys are all masked attends to nothing
    if dropout > 0.0:
        weights = F.dropout(weights, p=dropout)
    return weights @ v, weights


class MultiHeadAttention(nn.Module):
    """h heads of scaled dot-product attention over d_k = d_model / h dimensions each.

    The per-head projections W_i^Q, W_i^K, W_i^V (d_model × d_k) are stored side by side in one
    ``in_proj`` layer (as ``nn.MultiheadAttention`` stores them) so self-attention needs a single
    matrix multiply; ``head_projections(i)`` returns head i's matrices. ``out_proj`` is W^O.
    ``attend`` runs PyTorch's fused kernel unless the weights are asked for (``need_weights``);
    ``is_causal`` adds the causal mask to ``mask``, the queries being the last keys' positions.
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

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, time, d_model) -> (batch, heads, time, d_k): head i gets its own d_k columns."""
        b, t, _ = x.shape
        return x.view(b, t, self.num_heads, self.d_k).transpose(1, 2)

    def concat_heads(self, heads: torch.Tensor) -> torch.Tensor:
        """(batch, heads, time, d_k) -> (batch, time, d_model): Concat(head_1, …, head_h)."""
        b, _, t, _ = heads.shape
        return heads.transpose(1, 2).reshape(b, t, self.d_model)

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
        return self.split_heads(q), self.split_heads(k), self.split_heads(v)

    def attend(
        self,
        q: torch.Tensor,
        k: torch.Tensor,
        v: torch.Tensor,
        mask: torch.Tensor | None = None,
        need_weights: bool = False,
        is_causal: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Attention of every head, then Concat(head_1..h) W^O: (output, weights or None)."""
        p = self.dropout if self.training else 0.0
        is_causal = is_causal and q.size(-2) > 1  # a single newest token may see every key
        if is_causal and mask is None and not need_weights and q.size(-2) == k.size(-2):
            heads = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
            return self.out_proj(self.concat_heads(heads)), None
        if is_causal:
            causal = causal_mask(q.size(-2), k.size(-2), device=q.device)
            mask = causal if mask is None else mask & causal
        if need_weights:  # the formula, step by step, to return the weights
            heads, weights = scaled_dot_product_attention(q, k, v, mask, p)
        else:  # PyTorch's fused kernel (flash / memory-efficient attention where available)
            heads = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
            weights = None
            if mask is not None:  # fused kernels may give NaN where every key is masked
                heads = heads.nan_to_num(0.0)
        return self.out_proj(self.concat_heads(heads)), weights

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor | None = None,
        value: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        need_weights: bool = False,
        is_causal: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """MultiHead(Q, K, V) for (batch, time, d_model) inputs; key and value default to query."""
        key = query if key is None else key
        value = key if value is None else value
        q, k, v = self.project(query, key, value)
        return self.attend(q, k, v, mask, need_weights, is_causal)


def token_positions(attention_mask: torch.Tensor) -> torch.Tensor:
    """(batch, time) positions that count real tokens only, 0 on padding, from a 1/0 mask."""
    return (attention_mask.long().cumsum(-1) - 1).masked_fill(attention_mask == 0, 0)


class Cache:
    """What ``GPT.forward`` asks of a key/value cache, and what a forward pass without one does.

    ``positions`` and ``mask`` say where the next t tokens sit and what their queries may attend
    to, given an optional ``attention_mask`` of 1 (token) / 0 (padding) over the cached and new
    tokens; ``update`` takes a layer's new keys and values and returns all it should attend over.
    This base caches nothing; ``KVCache`` and ``StaticKVCache`` keep the keys and values.
    """

    length = 0  # tokens cached before this step

    def positions(self, idx: torch.Tensor, attention_mask: torch.Tensor | None = None):
        """Positions of the tokens ``idx`` (batch, t): (t,), or (batch, t) skipping padding."""
        t = idx.size(1)
        if attention_mask is None:
            return torch.arange(self.length, self.length + t, device=idx.device)
        return token_positions(attention_mask)[:, -t:]

    def mask(self, idx: torch.Tensor, attention_mask: torch.Tensor | None = None):
        """(batch, 1, t, keys) bool mask, causal, hiding padding; None: causal attention alone."""
        if attention_mask is None:
            return None
        causal = causal_mask(idx.size(1), attention_mask.size(1), device=idx.device)
        return padding_mask(attention_mask) & causal

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor):
        """The keys and values ``layer`` attends over once this step's ``k``, ``v`` are added."""
        return k, v


NO_CACHE = Cache()  # a forward pass that keeps nothing


class KVCache(Cache):
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
        if self.keys[layer] is None or self.keys[layer].size(2) < end:
            self._grow(layer, end, k, v)
        self.keys[layer][:, :, start:end] = k
        self.values[layer][:, :, start:end] = v
        if layer == len(self.keys) - 1:  # the last layer has written: the step is complete
            self.length = end
        return self.keys[layer][:, :, :end], self.values[layer][:, :, :end]

    def _grow(self, layer: int, end: int, k: torch.Tensor, v: torch.Tensor) -> None:
        """Give ``layer`` buffers of at least ``end`` positions (doubling), keeping the cache."""
        old = 0 if self.keys[layer] is None else self.keys[layer].size(2)
        capacity = max(end, 2 * old, 16)
        for store, new in ((self.keys, k), (self.values, v)):
            grown = new.new_empty(*new.shape[:2], capacity, new.size(3))
            if store[layer] is not None:
                grown[:, :, : self.length] = store[layer][:, :, : self.length]
            store[layer] = grown

    def reorder(self, index: torch.Tensor) -> None:
        """Keep batch rows ``index`` (beam search: each surviving beam takes its parent's cache)."""
        self.keys = [None if k is None else k.index_select(0, index) for k in self.keys]
        self.values = [None if v is None else v.index_select(0, index) for v in self.values]


class StaticKVCache(Cache):
    """Buffers of ``max_len`` positions allocated once; ``position`` (a 0-d tensor) counts the
    tokens written. Attention reads the whole buffer, its mask hiding the unwritten slots, so every
    decoding step has the same shapes and never reads a number back from the device.
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

    def _slots(self, t: int) -> torch.Tensor:
        """Buffer slots (t,) of the next ``t`` tokens."""
        return self.position + torch.arange(t, device=self.position.device)

    def positions(self, idx: torch.Tensor, attention_mask: torch.Tensor | None = None):
        """Positions of the tokens ``idx`` (batch, t): (t,), or (batch, t) skipping padding."""
        if attention_mask is None:
            return self._slots(idx.size(1))
        return token_positions(attention_mask)[:, -idx.size(1) :]

    def mask(self, idx: torch.Tensor, attention_mask: torch.Tensor | None = None):
        """(batch, 1, t, max_len) bool: query i sees the written, unpadded keys up to its own slot.

        The padding of the new tokens (``attention_mask`` 0) is recorded for the later steps.
        """
        slots = self._slots(idx.size(1))
        if attention_mask is not None:
            new = attention_mask[:, -idx.size(1) :].bool()
            self.key_padding.index_copy_(1, slots, new)
        keys = torch.arange(self.max_len, device=self.position.device)
        causal = keys[None, :] <= slots[:, None]
        return causal[None, None] & self.key_padding[:, None, None, :]

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor):
        """Write k, v at the next slots of ``layer``; return the whole buffers."""
        slots = self._slots(k.size(2))
        self.keys[layer].index_copy_(2, slots, k)
        self.values[layer].index_copy_(2, slots, v)
        if layer == len(self.keys) - 1:  # the last layer has written: the step is complete
            self.position += k.size(2)
        return self.keys[layer], self.values[layer]

    def reorder(self, index: torch.Tensor) -> None:
        """Keep batch rows ``index`` (beam search: each surviving beam takes its parent's cache)."""
        for buffers in (self.keys, self.values):
            for i, buffer in enumerate(buffers):
                buffers[i] = buffer.index_select(0, index)
        self.key_padding = self.key_padding.index_select(0, index)
