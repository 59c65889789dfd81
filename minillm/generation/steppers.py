"""Adapters that let one decoding loop drive any minillm model, one token at a time.

A stepper reads the prompt (``start``), then takes the chosen next tokens (``advance``); both
return the next-token logits (batch, vocab). ``reorder`` keeps chosen rows (beam search).
"""

from __future__ import annotations

import torch
from torch import nn

from minillm.models import GPT, RNNLM, Seq2SeqTransformer


class GPTStepper:
    """Drives a GPT inside a sliding window of its context, with or without a KV cache.

    Once the prompt plus the output no longer fits in ``block_size``, the window jumps forward to
    keep the last ``block_size // 2`` tokens, which are then re-read (re-prefilled) as a fresh
    context with positions from 0. The uncached path sees exactly the same windows, so both give
    the same tokens; between jumps the cached path computes one new position per step.
    """

    def __init__(self, model: GPT, use_cache: bool = True, static_cache: bool = False):
        self.model, self.use_cache, self.static = model, use_cache, static_cache
        self.block_size = model.config.block_size
        self.keep = max(1, self.block_size // 2)

    def start(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        self.tokens = input_ids
        self.mask = attention_mask  # None: no padding anywhere
        self.offset = max(0, input_ids.size(1) - self.block_size)
        if self.offset:
            self.offset = input_ids.size(1) - self.keep
        return self._prefill()

    def _window_mask(self) -> torch.Tensor | None:
        return None if self.mask is None else self.mask[:, self.offset :]

    def _prefill(self) -> torch.Tensor:
        """Read the whole window; with a cache, start a new one from it."""
        window = self.tokens[:, self.offset :].contiguous()  # fixed strides: no recompiles
        self.cache = None
        if self.use_cache:
            self.cache = self.model.new_cache(window.size(0), static=self.static)
        logits, _ = self.model(window, attention_mask=self._window_mask(), cache=self.cache)
        return logits[:, -1]

    def advance(self, next_tokens: torch.Tensor) -> torch.Tensor:
        self.tokens = torch.cat([self.tokens, next_tokens[:, None]], dim=1)
        if self.mask is not None:
            self.mask = torch.cat([self.mask, self.mask.new_ones(self.mask.size(0), 1)], dim=1)
        if self.tokens.size(1) - self.offset > self.block_size:
            self.offset = self.tokens.size(1) - self.keep
            return self._prefill()
        if not self.use_cache:
            return self._prefill()
        logits, _ = self.model(
            next_tokens[:, None], attention_mask=self._window_mask(), cache=self.cache
        )
        return logits[:, -1]

    def reorder(self, index: torch.Tensor) -> None:
        self.tokens = self.tokens.index_select(0, index)
        if self.mask is not None:
            self.mask = self.mask.index_select(0, index)
        if self.cache is not None:
            self.cache.reorder(index)


class RNNStepper:
    """Drives an RNNLM: the recurrent state is its cache, of fixed size at any length."""

    def __init__(self, model: RNNLM):
        self.model = model

    def start(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        if attention_mask is not None and not bool(attention_mask.all()):
            raise ValueError(
                "an RNNLM reads every token, padding included: generate one prompt at a time "
                "(or prompts of equal length) instead of a padded batch"
            )
        logits, self.state = self.model(input_ids)
        return logits[:, -1]

    def advance(self, next_tokens: torch.Tensor) -> torch.Tensor:
        logits, self.state = self.model(next_tokens[:, None], self.state)
        return logits[:, -1]

    def reorder(self, index: torch.Tensor) -> None:
        if isinstance(self.state, tuple):
            self.state = tuple(s.index_select(1, index) for s in self.state)
        else:
            self.state = self.state.index_select(1, index)


class Seq2SeqStepper:
    """Drives an encoder-decoder model: the encoder reads ``src`` once, the decoder re-reads the
    target prefix at each step (its outputs are short, so it keeps no cache)."""

    def __init__(self, model: Seq2SeqTransformer, src: torch.Tensor, src_mask=None):
        self.model, self.src_mask = model, src_mask
        self.memory = model.encode(src, src_mask)

    def start(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        if attention_mask is not None and not bool(attention_mask.all()):
            raise ValueError("decoder prompts of a Seq2SeqTransformer cannot be padded")
        if self.memory.size(0) == 1 < input_ids.size(0):  # several beams of one source
            self.memory = self.memory.expand(input_ids.size(0), -1, -1)
        if input_ids.size(0) != self.memory.size(0):
            raise ValueError(
                f"one decoder prompt per source: got {input_ids.size(0)} prompts "
                f"for {self.memory.size(0)} sources"
            )
        self.tokens = input_ids
        return self.model.decode(self.tokens, self.memory, self.src_mask)[:, -1]

    def advance(self, next_tokens: torch.Tensor) -> torch.Tensor:
        self.tokens = torch.cat([self.tokens, next_tokens[:, None]], dim=1)
        return self.model.decode(self.tokens, self.memory, self.src_mask)[:, -1]

    def reorder(self, index: torch.Tensor) -> None:
        self.tokens = self.tokens.index_select(0, index)
        self.memory = self.memory.index_select(0, index)
        if self.src_mask is not None and self.src_mask.size(0) > 1:
            self.src_mask = self.src_mask.index_select(0, index)


def stepper_for(model: nn.Module, use_cache=True, static_cache=False, src=None, src_mask=None):
    """The stepper that fits ``model``; an encoder-decoder model needs its source ``src``."""
    if isinstance(model, GPT):
        return GPTStepper(model, use_cache, static_cache)
    if isinstance(model, RNNLM):
        return RNNStepper(model)
    if isinstance(model, Seq2SeqTransformer):
        if src is None:
            raise ValueError("a Seq2SeqTransformer needs src= (the source token ids)")
        return Seq2SeqStepper(model, src, src_mask)
    raise ValueError(
        f"cannot generate with a {type(model).__name__}: expected GPT, RNNLM or Seq2SeqTransformer"
    )
