"""Key/value caches for incremental decoding: each layer keeps the keys and values of the tokens
it has already seen, so a new token costs one position of work instead of the whole prefix.

``KVCache`` grows by concatenation (simple, any length up to the model's context).
``StaticKVCache`` pre-allocates its buffers and tracks the length in a tensor, so one decoding step
always has the same shapes: what CUDA graphs and ``torch.compile(mode="reduce-overhead")`` need.
"""

from __future__ import annotations

import torch


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
