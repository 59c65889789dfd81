"""Streaming: text pieces as the tokens arrive, for a chat window or a widget.

Byte-level BPE tokens can end in the middle of a UTF-8 character (a Chinese character is three
bytes); an incremental UTF-8 decoder holds such bytes back until the character is complete, so
no piece ever contains half a character. Text that could be the start of a stop string is held
back too, and the stop string itself is never shown.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator

import torch
from torch import nn

from minillm.generation.config import GenerationConfig
from minillm.generation.decode import iter_next_tokens, model_vocab_size, prepare_prompts
from minillm.generation.steppers import stepper_for
from minillm.utils import evaluating


@torch.no_grad()  # each step of the generator only: the caller's code keeps its gradients
def stream(
    model: nn.Module,
    tokenizer,
    prompt: str | list[int],
    config: GenerationConfig | None = None,
    generator: torch.Generator | None = None,
    **kwargs,
) -> Iterator[str]:
    """Yield the continuation of ``prompt`` (text, or token ids) piece by piece (greedy or
    sampling, one prompt). Joining the pieces gives the decoded output up to (not including) a
    stop string or EOS.
    """
    if isinstance(prompt, str):
        prompt = tokenizer.encode(prompt)
    elif not isinstance(prompt, list) or not all(isinstance(t, int) for t in prompt):
        raise ValueError(
            f"prompt must be a str or a list of token ids, got {type(prompt).__name__}"
        )
    config = GenerationConfig.from_kwargs(config, **kwargs)
    if config.num_beams > 1 or config.num_return_sequences > 1:
        raise ValueError("stream yields one sequence: use num_beams=1 and num_return_sequences=1")
    ids, _ = prepare_prompts([prompt], None, None, model_vocab_size(model))
    ids = ids.to(next(model.parameters()).device)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    stops = config.stop_strings
    hold = max((len(s) for s in stops), default=1) - 1  # characters that may start a stop string
    pending = ""
    with evaluating(model):
        stepper = stepper_for(model, config.use_cache, config.static_cache)
        # Stop strings are found here, in the text; the loop itself only stops at EOS.
        loop_config = GenerationConfig.from_kwargs(config, stop_strings=())
        for token in iter_next_tokens(stepper, ids, None, loop_config, generator):
            token = int(token)
            if token in config.eos_ids:
                break
            pending += decoder.decode(tokenizer.vocab[token])
            cut = min((pending.find(s) for s in stops if s in pending), default=-1)
            if cut >= 0:
                pending = pending[:cut]
                break
            ready = len(pending) - hold
            if ready > 0:
                yield pending[:ready]
                pending = pending[ready:]
        else:
            pending += decoder.decode(b"", final=True)
        if pending:
            yield pending
