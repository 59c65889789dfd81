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
    nb = config.num_beams
    eos = torch.tensor(config.eos_ids, dtype=torch.long, device=prompt.device)
    processors = build_processors(config)
    stop = StopStrings(config.stop_strings, tokenizer, prompt.size(0))
    seqs = prompt.repeat(nb, 1)
    running = torch.full((nb,), NEG, device=prompt.device)
    running[0] = 0.0  # only beam 0 is live at first, so step 1 does not pick one token nb times
    finished: list[tuple[float, torch.Tensor]] = []  # (score, sequence), at most nb, best first
    trace = []
    logits = stepper.start(seqs, None)
    while True:
        log_probs = apply_processors(processors, seqs, torch.log_softmax(logits.float(), dim=-1))
        # Enough candidates that nb can still run on even if the best ones all end with an EOS.
        scores, parents, tokens = _best_extensions(log_probs, running, max(2, 1 + len(eos)) * nb)
        candidates = torch.cat([seqs[parents], tokens[:, None]], dim=1)
        generated = candidates.size(1) - prompt.size(0)
        done = _ends_here(candidates, tokens, eos, stop, generated >= config.max_new_tokens)
        finished = _add_finished(finished, scores, candidates, done, generated, config)
        alive = scores + done.float() * NEG  # the nb best candidates that did not finish run on
        keep = torch.topk(alive, nb).indices
        seqs, running, parents = candidates[keep], alive[keep], parents[keep]
        trace.append(_trace_step(parents, tokens, scores, running, keep, done, nb))
        if _search_is_over(finished, running, generated, config) or bool(done.all()):
            break
        stepper.reorder(parents)
        logits = stepper.advance(seqs[:, -1])
    best = finished[: config.num_return_sequences]
    return BeamResult([s for _, s in best], [score for score, _ in best], trace)


def _best_extensions(log_probs: torch.Tensor, running: torch.Tensor, n: int):
    """The ``n`` best (beam, token) pairs by total log-probability: (scores, parents, tokens)."""
    vocab = log_probs.size(-1)
    scores, index = torch.topk((log_probs + running[:, None]).reshape(-1), n)
    return scores, index // vocab, index % vocab


def _ends_here(candidates, tokens, eos, stop, at_limit: bool) -> torch.Tensor:
    """Which candidates end with this token: an EOS, a stop string, or the length limit."""
    done = stop(candidates)
    if len(eos):
        done |= torch.isin(tokens, eos)
    if at_limit:
        done[:] = True
    return done


def _add_finished(finished, scores, candidates, done, generated: int, config: GenerationConfig):
    """``finished`` with the candidates that end now among the ``num_beams`` best, each scored
    log-probability / generated ** length_penalty; the ``num_beams`` best are kept, best first."""
    nb, lp = config.num_beams, config.length_penalty
    for rank in range(nb):  # only the nb best candidates may become finished hypotheses
        if done[rank]:
            finished.append((scores[rank].item() / generated**lp, candidates[rank]))
    return sorted(finished, key=lambda item: -item[0])[:nb]


def _trace_step(parents, tokens, scores, running, keep, done, nb: int) -> dict:
    """One step of the search, for drawing the tree: the beams kept and the hypotheses ended."""
    return {
        "parents": parents.tolist(),
        "tokens": tokens[keep].tolist(),
        "scores": running.tolist(),
        "finished": [
            (rank, tokens[rank].item(), scores[rank].item()) for rank in range(nb) if done[rank]
        ],
    }


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
