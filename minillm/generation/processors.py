"""Logits processors: each turns the scores of the next token into new scores by one rule.

A decoder runs them in order (repetition penalty, then temperature, top-k, top-p: HF's order) and
then picks a token: argmax, a sample from softmax, or the best beams. A removed token gets -inf.
As in HF ``generation/logits_process.py``, every processor is called as
``processor(input_ids, scores)`` with the ids so far (batch, time) and the scores (batch, vocab),
and checks its own setting when it is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from minillm.generation.config import GenerationConfig


class LogitsProcessor:
    """One rule from (ids so far, next-token scores) to new scores, the unit of a decoding chain."""

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


def _min_tokens_to_keep(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"min_tokens_to_keep must be an int >= 1, got {value!r}")
    return value


class RepetitionPenalty(LogitsProcessor):
    """Make every token already in the sequence less likely: a positive score is divided by the
    penalty, a negative one multiplied, so the score always moves down (CTRL's rule)."""

    def __init__(self, penalty: float):
        if not penalty > 0:
            raise ValueError(f"repetition_penalty must be > 0 (1.0: off), got {penalty!r}")
        self.penalty = penalty

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        seen = torch.gather(scores, 1, input_ids)
        seen = torch.where(seen < 0, seen * self.penalty, seen / self.penalty)
        return scores.scatter(1, input_ids, seen)


class Temperature(LogitsProcessor):
    """softmax(z / T): T < 1 sharpens the distribution, T > 1 flattens it."""

    def __init__(self, temperature: float):
        if not temperature > 0:
            raise ValueError(
                f"temperature must be > 0 (1.0 leaves the distribution as it is), "
                f"got {temperature!r}"
            )
        self.temperature = temperature

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        return scores / self.temperature


class TopK(LogitsProcessor):
    """Keep the k highest scores (ties with the k-th kept too), remove the rest."""

    def __init__(self, k: int, min_tokens_to_keep: int = 1):
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ValueError(f"top_k must be an int >= 1, got {k!r}")
        self.k = max(k, _min_tokens_to_keep(min_tokens_to_keep))

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        k = min(self.k, scores.size(-1))
        kth = torch.topk(scores, k).values[..., -1:]
        return scores.masked_fill(scores < kth, float("-inf"))


class TopP(LogitsProcessor):
    """Nucleus: keep the smallest set of most likely tokens whose probability adds up to >= p.

    Sorted from least to most likely, a token is dropped while the mass up to and including it is
    still <= 1 - p: what remains is the nucleus. ``min_tokens_to_keep`` most likely always stay.
    """

    def __init__(self, p: float, min_tokens_to_keep: int = 1):
        if not 0 < p <= 1:
            raise ValueError(f"top_p must be in (0, 1] (1.0 turns it off), got {p!r}")
        self.p, self.min_tokens_to_keep = p, _min_tokens_to_keep(min_tokens_to_keep)

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        ascending, order = torch.sort(scores, descending=False)
        mass_below = ascending.softmax(dim=-1).cumsum(dim=-1)
        drop = mass_below <= 1 - self.p
        drop[..., -self.min_tokens_to_keep :] = False
        return scores.masked_fill(drop.scatter(1, order, drop), float("-inf"))


def build_processors(config: GenerationConfig) -> list[LogitsProcessor]:
    """The processors ``config`` asks for, in the order they are applied."""
    processors = []
    if config.repetition_penalty != 1.0:
        processors.append(RepetitionPenalty(config.repetition_penalty))
    if config.do_sample:
        if config.temperature != 1.0:
            processors.append(Temperature(config.temperature))
        if config.top_k:
            processors.append(TopK(config.top_k, config.min_tokens_to_keep))
        if config.top_p < 1.0:
            processors.append(TopP(config.top_p, config.min_tokens_to_keep))
    return processors


def apply_processors(processors, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
    """Run ``processors`` one after another on (batch, vocab) ``scores``."""
    for processor in processors:
        scores = processor(input_ids, scores)
    return scores
