"""A decoder-only Transformer language model in the GPT-2 layout.

Token and learned position embeddings (or, with ``position="rope"``, rotary embeddings applied to
queries and keys inside attention) feed ``n_layer`` pre-LN blocks of causal self-attention and
a feed-forward network; a final LayerNorm and a head that shares the token embedding matrix give
the next-token logits. ``minillm.interop`` converts to and from HF ``GPT2LMHeadModel`` exactly.

``GPT.forward(idx, targets, attention_mask, return_attention, cache)``:

- ``targets`` are the next tokens, already shifted (``targets[:, t] = idx[:, t + 1]``); positions
  marked -100 are left out of the mean cross-entropy.
- ``attention_mask`` of 1 (token) / 0 (padding) hides padded keys, and positions then count real
  tokens only (``cumsum - 1``, 0 on padding, as HF ``generate`` does), so a left-padded sequence
  gets the same logits as alone.
- ``return_attention`` adds a third element: one (batch, heads, T, keys) weight tensor per layer.
- ``cache`` (``model.new_cache()``: a ``KVCache`` or ``StaticKVCache``) holds the keys and values
  of the tokens before ``idx``: only the new tokens are computed, and ``attention_mask`` then
  covers the cached tokens too, (batch, cached + T), as in HF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_model
from torch import nn
from torch.nn import functional as F

from minillm.attention import NO_CACHE, Cache, KVCache, StaticKVCache
from minillm.models.checkpoint import check_weights, config_from
from minillm.models.rope import rope_tables
from minillm.models.transformer import ACTIVATIONS, Block
from minillm.utils import positive_int

POSITIONS = ("learned", "rope")


@dataclass
class GPTConfig:
    """Sizes of a GPT: vocabulary, context length (block_size), depth, heads and width."""

    vocab_size: int
    block_size: int
    n_layer: int
    n_head: int
    n_embd: int
    dropout: float = 0.0
    bias: bool = True  # biases in the Linear and LayerNorm layers, as GPT-2 has
    activation: str = "gelu_tanh"
    position: str = "learned"  # "learned": a wpe table as GPT-2; "rope": rotary, no table
    rope_base: float = 10000.0

    def __post_init__(self):
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            positive_int(name, getattr(self, name))
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if not isinstance(self.bias, bool):
            raise ValueError(f"bias must be True or False, got {self.bias!r}")
        if self.position not in POSITIONS:
            raise ValueError(f"position must be one of {POSITIONS}, got {self.position!r}")
        if self.position == "rope" and (self.n_embd // self.n_head) % 2:
            raise ValueError(
                f"RoPE needs an even head size, got n_embd / n_head = {self.n_embd // self.n_head}"
            )
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}"
            )


class GPT(nn.Module):
    """Embeddings -> ``n_layer`` Blocks -> LayerNorm -> lm_head (tied to the token embedding)."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = c = config
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        self.wpe = nn.Embedding(c.block_size, c.n_embd) if c.position == "learned" else None
        self.drop = nn.Dropout(c.dropout)
        self.blocks = nn.ModuleList(
            Block(c.n_embd, c.n_head, 4 * c.n_embd, c.dropout, c.bias, c.activation)
            for _ in range(c.n_layer)
        )
        self.ln_f = nn.LayerNorm(c.n_embd, bias=c.bias)
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # weight tying: one matrix reads and writes tokens
        self.apply(self._init_weights)
        # GPT-2: each block adds two residual branches; scale their output projections by
        # 1/sqrt(2·n_layer) so the residual stream's variance does not grow with depth.
        for name, p in self.named_parameters():
            if name.endswith(("attn.out_proj.weight", "ffn.linear2.weight")):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * c.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        """GPT-2 init: weights N(0, 0.02), biases 0 (LayerNorms keep their ones and zeros)."""
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_parameters(self) -> int:
        """Number of parameters, the tied embedding/head matrix counted once."""
        return sum(p.numel() for p in self.parameters())

    def forward(
        self,
        idx: torch.Tensor,
        targets: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        return_attention: bool = False,
        cache: Cache | None = None,
    ):
        """Next-token logits (batch, T, vocab) for ids ``idx`` (batch, T), and the loss or None."""
        self._check_inputs(idx, attention_mask, cache)
        cache = NO_CACHE if cache is None else cache
        pos = cache.positions(idx, attention_mask)
        mask = cache.mask(idx, attention_mask)
        x, rope = self._embed(idx, pos)
        attentions = []
        for layer, block in enumerate(self.blocks):
            x, weights = block(x, mask, return_attention, cache, layer, rope)
            attentions.append(weights)
        logits = self.lm_head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-100
            )
        return (logits, loss, attentions) if return_attention else (logits, loss)

    def _embed(self, idx: torch.Tensor, pos: torch.Tensor):
        """Token plus position embeddings; with RoPE, token embeddings and the rotation tables."""
        if self.wpe is not None:
            return self.drop(self.wte(idx) + self.wpe(pos)), None
        x = self.drop(self.wte(idx))
        cos, sin = rope_tables(pos, self.config.n_embd // self.config.n_head, self.config.rope_base)
        # (T, d_k) broadcasts over batch and heads; per-row positions (B, T) need a head axis
        return x, ((cos, sin) if pos.dim() == 1 else (cos[:, None], sin[:, None]))

    def _check_inputs(self, idx, attention_mask, cache) -> None:
        """Clear errors for ids that are not (batch, T) longs, for more tokens than the context
        holds, and for an attention_mask that does not cover the cached and new tokens."""
        if idx.dim() != 2 or idx.dtype != torch.long:
            raise ValueError(
                f"idx must be a (batch, time) tensor of token ids (torch.long), "
                f"got shape {tuple(idx.shape)} and dtype {idx.dtype}"
            )
        t = idx.size(1)
        # A static cache counts on the device: its length is read only when a mask needs it.
        past = 0 if cache is None or (cache.static and attention_mask is None) else cache.length
        if t < 1 or past + t > self.config.block_size:
            raise ValueError(
                f"cached plus new tokens must be in [1, block_size={self.config.block_size}], "
                f"got {past} + {t}"
            )
        if attention_mask is not None and attention_mask.shape != (idx.size(0), past + t):
            raise ValueError(
                f"attention_mask must have shape (batch, cached + new) = "
                f"{(idx.size(0), past + t)}, got {tuple(attention_mask.shape)}"
            )

    @classmethod
    def from_checkpoint(cls, folder, device=None) -> GPT:
        """The model saved by ``Trainer.save_model`` in ``folder`` (config.json + model.safetensors).
        The config and the weights' header are checked against each other before any weight is
        allocated; a bad file is a ValueError naming it."""
        config = config_from(Path(folder) / "config.json", "model_config", GPTConfig)
        weights = Path(folder) / "model.safetensors"
        with torch.device("meta"):
            check_weights(weights, cls(config))
        model = cls(config)
        try:
            load_model(model, str(weights), device=str(device or "cpu"))
        except (SafetensorError, RuntimeError) as err:
            raise ValueError(f"{weights} could not be loaded: {err}") from None
        return model.eval()

    def new_cache(self, batch_size: int = 1, static: bool = False, device=None, dtype=None):
        """An empty KV cache for this model: growing, or pre-allocated for ``block_size`` tokens."""
        c = self.config
        if not static:
            return KVCache(c.n_layer)
        p = self.wte.weight
        return StaticKVCache(
            c.n_layer,
            batch_size,
            c.n_head,
            c.block_size,
            c.n_embd // c.n_head,
            device=device or p.device,
            dtype=dtype or p.dtype,
        )
