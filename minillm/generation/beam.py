"""Beam search: keep the ``num_beams`` best partial sequences by total log-probability, extend
each by every token, keep the best again; finished hypotheses are scored with a length penalty.

The bookkeeping follows HF ``generate`` exactly (candidates, EOS handling, ``early_stopping``),
so the same model gives the same beams; ``trace`` records every step for drawing the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from minillm.generation.config import GenerationConfig
from minillm.generation.processors import apply_processors, build_processors
from minillm.generation.stopping import StopStrings

NEG = -1.0e9  # the score of a beam that must not be chosen


@dataclass
class BeamResult:
    """Finished hypotheses, best first: ``sequences`` (prompt + output ids) and their ``scores``
    (sum of log-probabilities / generated_length ** length_penalty); ``trace`` per step."""

    sequences: list[torch.Tensor]
    scores: list[float]
    trace: list[dict] = field(default_factory=list)


@torch.no_grad()
def beam_search(
    stepper, prompt: torch.Tensor, config: GenerationConfig, tokenizer=None
) -> BeamResult:
    """Beam search from one 1-D ``prompt``; returns ``num_return_sequences`` hypotheses."""
    nb, lp = config.num_beams, config.length_penalty
    eos = torch.tensor(config.eos_ids, dtype=torch.long, device=prompt.device)
    processors = build_processors(config)
    prompt_len = prompt.size(0)
    seqs = prompt.repeat(nb, 1)
    # Only beam 0 is live at the start, so the first step does not pick the same token nb times.
    running = torch.full((nb,), NEG, device=prompt.device)
    running[0] = 0.0
    finished: list[tuple[float, torch.Tensor]] = []  # (score, sequence), at most nb, best first
    stop = StopStrings(config.stop_strings, tokenizer, prompt_len)
    trace = []
    logits = stepper.start(seqs, None)
    while True:
        log_probs = apply_processors(processors, seqs, torch.log_softmax(logits.float(), dim=-1))
        vocab = log_probs.size(-1)
        total = (log_probs + running[:, None]).reshape(-1)
        # Enough candidates that nb can still run on even if the best ones all end with an EOS.
        top_scores, top_index = torch.topk(total, max(2, 1 + len(eos)) * nb)
        parents, tokens = top_index // vocab, top_index % vocab
        candidates = torch.cat([seqs[parents], tokens[:, None]], dim=1)
        generated = candidates.size(1) - prompt_len
        done = stop(candidates)
        if len(eos):
            done |= torch.isin(tokens, eos)
        if generated >= config.max_new_tokens:
            done[:] = True
        # Only the nb best candidates may become finished hypotheses.
        for rank in range(nb):
            if done[rank]:
                score = top_scores[rank].item() / generated**lp
                finished.append((score, candidates[rank]))
        finished = sorted(finished, key=lambda item: -item[0])[:nb]
        # The nb best candidates that did not finish run on.
        keep = torch.topk(top_scores + done.float() * NEG, nb).indices
        seqs, running, parents = (
            candidates[keep],
            (top_scores + done.float() * NEG)[keep],
            parents[keep],
        )
        trace.append(
            {
                "parents": parents.tolist(),
                "tokens": tokens[keep].tolist(),
                "scores": running.tolist(),
                "finished": [
                    (rank, tokens[rank].item(), top_scores[rank].item())
                    for rank in range(nb)
                    if done[rank]
                ],
            }
        )
        if _search_is_over(finished, running, generated, config) or bool(done.all()):
            break
        stepper.reorder(parents)
        logits = stepper.advance(seqs[:, -1])
    best = finished[: config.num_return_sequences]
    return BeamResult([s for _, s in best], [score for score, _ in best], trace)


def _search_is_over(finished, running, generated: int, config: GenerationConfig) -> bool:
    """Whether beam search may stop now that ``generated`` tokens follow the prompt."""
    nb, lp = config.num_beams, config.length_penalty
    if len(finished) < nb:
        return False
    if config.early_stopping is True:
        return True
    # Could the best running beam still beat the worst finished hypothesis? With "never" and a
    # positive length penalty it is judged at the longest possible length (an exact bound).
    length = config.max_new_tokens if config.early_stopping == "never" and lp > 0 else generated
    return running[0].item() / length**lp <= finished[-1][0]
