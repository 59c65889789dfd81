"""Stop rules beyond EOS and the length limit: stop strings, found in the decoded text."""

from __future__ import annotations

import torch


class StopStrings:
    """Tells, per row, whether the generated text now contains one of the stop strings."""

    def __init__(self, stop_strings: tuple[str, ...], tokenizer, prompt_len: int):
        if stop_strings and tokenizer is None:
            raise ValueError("stop_strings need a tokenizer= to turn tokens back into text")
        self.stop_strings, self.tokenizer, self.prompt_len = stop_strings, tokenizer, prompt_len

    def __call__(self, tokens: torch.Tensor) -> torch.Tensor:
        hit = torch.zeros(tokens.size(0), dtype=torch.bool, device=tokens.device)
        if self.stop_strings:
            for row, ids in enumerate(tokens[:, self.prompt_len :].tolist()):
                text = self.tokenizer.decode(ids)
                hit[row] = any(s in text for s in self.stop_strings)
        return hit
