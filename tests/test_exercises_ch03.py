"""The chapter 3 exercise checks accept a correct answer and reject plausible wrong ones with a hint."""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch

from minillm.exercises import ch03


def _verdicts(capsys) -> list[str]:
    return [line[0] for line in capsys.readouterr().out.splitlines()]


def _train_bpe(text, n_merges, tie=max):
    ids, merges = list(text.encode("utf-8")), {}
    for new_id in range(256, 256 + n_merges):
        counts = Counter(zip(ids, ids[1:]))
        if not counts:
            break
        pair = tie(counts, key=lambda p: (counts[p], p) if tie is max else (-counts[p], p))
        merges[pair] = new_id
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
                out.append(new_id)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        ids = out
    return merges


def test_train_bpe_check(capsys):
    ch03.check_train_bpe(_train_bpe)
    ch03.check_train_bpe(lambda text, k: _train_bpe(text, k, tie=min))  # ties to the smallest pair
    ch03.check_train_bpe(lambda text, k: dict(list(_train_bpe(text, k + 1).items())[1:]))
    assert _verdicts(capsys) == ["✅", "❌", "❌"]


def _top_p(logits, p):
    sorted_logits, order = logits.sort(descending=True, dim=-1)
    probs = sorted_logits.softmax(-1)
    drop = probs.cumsum(-1) - probs >= p  # the mass before a token already reaches p
    return logits.masked_fill(drop.scatter(-1, order, drop), float("-inf"))


def test_top_p_check(capsys):
    ch03.check_top_p_filter(_top_p)

    def on_scores(logits, p):  # sums scores instead of probabilities
        s, order = logits.sort(descending=True, dim=-1)
        drop = s.cumsum(-1) - s >= p
        return logits.masked_fill(drop.scatter(-1, order, drop), float("-inf"))

    def one_short(logits, p):  # the set whose mass stays below p
        s, order = logits.sort(descending=True, dim=-1)
        drop = s.softmax(-1).cumsum(-1) >= p
        drop[..., 0] = False
        return logits.masked_fill(drop.scatter(-1, order, drop), float("-inf"))

    ch03.check_top_p_filter(on_scores)
    ch03.check_top_p_filter(one_short)
    assert _verdicts(capsys) == ["✅", "❌", "❌"]


def _beam_step(scores, log_probs, width):
    total = (scores[:, None] + log_probs).reshape(-1)
    best, index = total.topk(width)
    return best, index // log_probs.size(1), index % log_probs.size(1)


def test_beam_step_check(capsys):
    ch03.check_beam_step(_beam_step)

    def per_beam(scores, log_probs, width):  # the best token of each beam, not the best overall
        best, tokens = (scores[:, None] + log_probs).max(-1)
        order = best.argsort(descending=True)[:width]
        return best[order], order, tokens[order]

    def forgets_history(scores, log_probs, width):  # ranks by this step's log-probability alone
        _, index = log_probs.reshape(-1).topk(width)
        parents, tokens = index // log_probs.size(1), index % log_probs.size(1)
        return scores[parents] + log_probs[parents, tokens], parents, tokens

    ch03.check_beam_step(per_beam)
    ch03.check_beam_step(forgets_history)
    assert _verdicts(capsys) == ["✅", "❌", "❌"]


def _grad(theta, episode, gamma, use_return=True, with_probs=True):
    grad, g, returns = np.zeros_like(theta), 0.0, []
    for _, _, r in reversed(episode):
        g = r + gamma * g
        returns.append(g)
    returns.reverse()
    for (s, a, r), g in zip(episode, returns):
        probs = np.exp(theta[s] - theta[s].max())
        probs /= probs.sum()
        step = -probs if with_probs else np.zeros_like(probs)
        step[a] += 1.0
        grad[s] += (g if use_return else r) * step
    return grad


def test_reinforce_grad_check(capsys):
    ch03.check_reinforce_grad(_grad)
    ch03.check_reinforce_grad(lambda t, e, g: _grad(t, e, g, use_return=False))  # r_t, not G_t
    ch03.check_reinforce_grad(lambda t, e, g: _grad(t, e, g, with_probs=False))  # forgets − π
    assert _verdicts(capsys) == ["✅", "❌", "❌"]


def test_checks_report_a_crash_as_a_failure(capsys):
    ch03.check_beam_step(lambda *args: torch.tensor(1) / "x")
    assert _verdicts(capsys) == ["❌"]
