"""The settings of one generation call, checked once so that bad values fail with a clear message."""

from __future__ import annotations

from dataclasses import dataclass, fields

from minillm.generation.processors import RepetitionPenalty, Temperature, TopP


@dataclass
class GenerationConfig:
    """How to pick each next token and when to stop (names and meanings as in HF ``generate``).

    Greedy when ``do_sample`` is False and ``num_beams`` is 1; sampling with ``temperature``,
    ``top_k`` (0 or None: off) and ``top_p`` (1.0: off) when ``do_sample``; beam search when
    ``num_beams`` > 1. ``early_stopping`` is True (stop when ``num_beams`` hypotheses are
    finished), False (stop when no running beam can still win, judged at the current length) or
    "never" (judged at the longest possible length, the exact search).
    """

    max_new_tokens: int = 20
    do_sample: bool = False
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float = 1.0
    min_tokens_to_keep: int = 1
    repetition_penalty: float = 1.0
    num_beams: int = 1
    length_penalty: float = 1.0
    early_stopping: bool | str = False
    num_return_sequences: int = 1
    eos_token_id: int | list[int] | None = None  # one id, or several: any of them ends a sequence
    pad_token_id: int | None = None
    stop_strings: tuple[str, ...] = ()
    use_cache: bool = True
    static_cache: bool = False

    def __post_init__(self):
        def positive_int(name):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")

        for name in ("max_new_tokens", "num_beams", "num_return_sequences"):
            positive_int(name)
        # The logits processors check their own settings: building them here fails early.
        Temperature(self.temperature)
        TopP(self.top_p, self.min_tokens_to_keep)
        RepetitionPenalty(self.repetition_penalty)
        if self.top_k is not None and (
            not isinstance(self.top_k, int) or isinstance(self.top_k, bool) or self.top_k < 0
        ):
            raise ValueError(f"top_k must be an int >= 0 or None (0/None: off), got {self.top_k!r}")
        if self.early_stopping not in (True, False, "never"):
            raise ValueError(
                f"early_stopping must be True, False or 'never', got {self.early_stopping!r}"
            )
        if self.num_return_sequences > max(self.num_beams, 1) and not self.do_sample:
            raise ValueError(
                f"num_return_sequences ({self.num_return_sequences}) must be <= num_beams "
                f"({self.num_beams}) when not sampling"
            )
        if self.num_beams > 1 and self.do_sample:
            raise ValueError("beam search with sampling is not supported: set do_sample=False")
        eos = self.eos_token_id
        ids = (
            [eos] if isinstance(eos, int) else list(eos) if isinstance(eos, (list, tuple)) else None
        )
        if eos is not None and (
            not ids
            or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids)
        ):
            raise ValueError(f"eos_token_id must be a token id, a list of ids or None, got {eos!r}")
        if isinstance(self.stop_strings, str):
            self.stop_strings = (self.stop_strings,)
        self.stop_strings = tuple(self.stop_strings)
        if any(not isinstance(s, str) or not s for s in self.stop_strings):
            raise ValueError(f"stop_strings must be non-empty str, got {self.stop_strings!r}")

    @property
    def eos_ids(self) -> tuple[int, ...]:
        """The end-of-sequence ids as a tuple (empty when there is none)."""
        eos = self.eos_token_id
        return () if eos is None else (eos,) if isinstance(eos, int) else tuple(eos)

    @classmethod
    def from_kwargs(cls, config: GenerationConfig | None = None, **kwargs) -> GenerationConfig:
        """``config`` (or the defaults) with ``kwargs`` overriding; an unknown name is a ValueError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise ValueError(f"unknown generation settings {unknown}; accepted: {sorted(known)}")
        base = {} if config is None else {f.name: getattr(config, f.name) for f in fields(cls)}
        return cls(**{**base, **kwargs})
