"""Greedy decoding and sampling: one loop that asks a stepper for the next-token logits, runs the
logits processors, and picks a token (argmax, or a draw from the softmax) until EOS or the limit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from torch import nn

from minillm.generation.beam import beam_search
from minillm.generation.config import GenerationConfig
from minillm.generation.processors import apply_processors, build_processors
from minillm.generation.steppers import stepper_for
from minillm.generation.stopping import StopStrings
from minillm.utils import evaluating


def prepare_prompts(
    input_ids, attention_mask=None, pad_token_id: int | None = None, vocab_size=None
):
    """(ids, mask) as (batch, time) long tensors from a tensor, a list of ids or a list of lists.

    Lists of different lengths are left-padded (the model's last position is then every row's
    last real token) and ``attention_mask`` is built; ``mask`` is None when nothing is padded.
    """
    if isinstance(input_ids, torch.Tensor):
        ids = input_ids.unsqueeze(0) if input_ids.dim() == 1 else input_ids
        if ids.dim() != 2 or ids.dtype != torch.long:
            raise ValueError(
                f"input_ids must be (batch, time) token ids of dtype torch.long, got shape "
                f"{tuple(input_ids.shape)} and dtype {input_ids.dtype}"
            )
    else:
        rows = list(input_ids)
        if rows and all(isinstance(t, int) for t in rows):
            rows = [rows]
        if not rows:
            raise ValueError("the prompt is empty: give at least one token id")
        if any(not isinstance(r, Sequence) or isinstance(r, str) for r in rows):
            raise ValueError(
                "input_ids must be a tensor, a list of token ids or a list of such lists, "
                f"got {type(input_ids).__name__}"
            )
        if any(len(r) == 0 for r in rows):
            raise ValueError("a prompt is empty: give at least one token id per prompt")
        width = max(len(r) for r in rows)
        if any(len(r) != width for r in rows):
            pad = 0 if pad_token_id is None else pad_token_id
            attention_mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
            rows = [[pad] * (width - len(r)) + list(r) for r in rows]
        ids = torch.tensor(rows, dtype=torch.long)
    if ids.size(0) == 0 or ids.size(1) == 0:
        raise ValueError(f"the prompt is empty (shape {tuple(ids.shape)}): give at least one token")
    if vocab_size is not None and (int(ids.min()) < 0 or int(ids.max()) >= vocab_size):
        raise ValueError(
            f"token ids must be in [0, {vocab_size}), got {int(ids.min())}..{int(ids.max())}"
        )
    if attention_mask is not None:
        attention_mask = torch.as_tensor(attention_mask, dtype=torch.long)
        if attention_mask.shape != ids.shape:
            raise ValueError(
                f"attention_mask must have the shape of input_ids {tuple(ids.shape)}, "
                f"got {tuple(attention_mask.shape)}"
            )
        if not bool(attention_mask[:, -1].all()):
            raise ValueError("pad on the left: every prompt's last position must be a real token")
        if bool(attention_mask.all()):
            attention_mask = None
    return ids, attention_mask


def model_vocab_size(model: nn.Module) -> int | None:
    """The size of the model's output vocabulary, used to check prompt ids."""
    config = getattr(model, "config", None)
    return getattr(config, "vocab_size", None) or getattr(model, "vocab_size", None)


def iter_next_tokens(
    stepper, ids, attention_mask, config: GenerationConfig, generator=None, tokenizer=None
) -> Iterator[torch.Tensor]:
    """Yield the (batch,) next tokens step by step; finished rows get the pad token."""
    processors = build_processors(config)
    eos = torch.tensor(config.eos_ids, dtype=torch.long, device=ids.device)
    pad = config.pad_token_id
    pad = config.eos_ids[0] if pad is None and config.eos_ids else pad
    stop = StopStrings(config.stop_strings, tokenizer, ids.size(1))
    unfinished = torch.ones(ids.size(0), dtype=torch.bool, device=ids.device)
    tokens = ids
    logits = stepper.start(ids, attention_mask)
    for step in range(config.max_new_tokens):
        scores = apply_processors(processors, tokens, logits.float())
        if config.do_sample:
            probs = torch.softmax(scores, dim=-1)
            next_tokens = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        else:
            next_tokens = scores.argmax(dim=-1)
        if pad is not None:
            next_tokens = torch.where(unfinished, next_tokens, pad)
        tokens = torch.cat([tokens, next_tokens[:, None]], dim=1)
        yield next_tokens
        if len(eos):
            unfinished &= ~torch.isin(next_tokens, eos)
        if config.stop_strings:
            unfinished &= ~stop(tokens)
        if not bool(unfinished.any()) or step == config.max_new_tokens - 1:
            return
        logits = stepper.advance(next_tokens)


def generate(
    model: nn.Module,
    input_ids,
    attention_mask=None,
    config: GenerationConfig | None = None,
    generator: torch.Generator | None = None,
    tokenizer=None,
    src: torch.Tensor | None = None,
    src_mask: torch.Tensor | None = None,
    **kwargs,
) -> torch.Tensor:
    """Prompt plus generated ids, (batch · num_return_sequences, prompt + new), as HF ``generate``.

    Settings come from ``config`` and/or keyword arguments (see ``GenerationConfig``). Sampling
    draws from ``generator`` (or torch's global generator, as HF does). A Seq2SeqTransformer takes
    the source as ``src`` (and ``src_mask``); ``input_ids`` is then the decoder prompt (BOS).
    """
    config = GenerationConfig.from_kwargs(config, **kwargs)
    device = next(model.parameters()).device
    ids, mask = prepare_prompts(
        input_ids, attention_mask, config.pad_token_id, model_vocab_size(model)
    )
    ids, mask = ids.to(device), None if mask is None else mask.to(device)
    with evaluating(model):
        if config.num_beams > 1:
            return _beam_search_rows(model, ids, mask, config, tokenizer, src, src_mask)
        n = config.num_return_sequences
        if n > 1:
            ids = ids.repeat_interleave(n, dim=0)
            mask = None if mask is None else mask.repeat_interleave(n, dim=0)
            src = None if src is None else src.repeat_interleave(n, dim=0)
            if src_mask is not None and src_mask.size(0) > 1:
                src_mask = src_mask.repeat_interleave(n, dim=0)
        stepper = stepper_for(model, config.use_cache, config.static_cache, src, src_mask)
        steps = list(iter_next_tokens(stepper, ids, mask, config, generator, tokenizer))
        return torch.cat([ids, torch.stack(steps, dim=1)], dim=1)


def _beam_search_rows(model, ids, mask, config, tokenizer, src, src_mask) -> torch.Tensor:
    """Beam search for every prompt (row of ``ids``, padding dropped) on its own, then stacked."""
    rows = []
    for row in range(ids.size(0)):
        keep = slice(None) if mask is None else mask[row].bool()
        row_src = None if src is None else src[row : row + 1]
        row_src_mask = src_mask
        if src_mask is not None and src_mask.size(0) > 1:
            row_src_mask = src_mask[row : row + 1]
        stepper = stepper_for(model, config.use_cache, config.static_cache, row_src, row_src_mask)
        rows.extend(beam_search(stepper, ids[row, keep], config, tokenizer).sequences)
    return pad_rows(rows, config, left=False)


def pad_rows(rows: list[torch.Tensor], config: GenerationConfig, left: bool) -> torch.Tensor:
    """Stack 1-D id tensors of different lengths, padding with pad (or EOS) on the given side."""
    width = max(len(r) for r in rows)
    fill = config.pad_token_id if config.pad_token_id is not None else (config.eos_ids or (-1,))[0]
    out = torch.full((len(rows), width), fill, dtype=torch.long, device=rows[0].device)
    for i, r in enumerate(rows):
        if left:
            out[i, width - len(r) :] = r
        else:
            out[i, : len(r)] = r
    return out
