"""The chapter 2 exercise checks accept a correct answer and reject plausible wrong ones with a hint."""

from __future__ import annotations

import math
from collections import Counter

import pytest
import torch
from torch.nn import functional as F

from minillm.exercises import ch02


def _verdicts(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


def _sequence_log_prob(logits, ids):
    log_probs = F.log_softmax(logits.float(), dim=-1)
    return log_probs[torch.arange(len(ids) - 1), torch.tensor(ids[1:])].sum().item()


def _smoothed(corpus, sentence, extra=1, with_end=True):
    pairs, contexts = Counter(), Counter()
    for text in corpus:
        chars = ["^", *text, "$"]
        pairs.update(zip(chars, chars[1:]))
        contexts.update(chars[:-1])
    size = len(set("".join(corpus)) | set(sentence)) + (1 if with_end else 0)
    chars = ["^", *sentence, "$"]
    return sum(
        math.log((pairs[a, b] + extra) / (contexts[a] + extra * size))
        for a, b in zip(chars, chars[1:])
    )


def _fit_pinned(messages, budget, n_tokens, pinned, whole_turns=True, use_pins=True):
    kept = list(range(len(messages)))
    step = 2 if whole_turns else 1
    i = 1
    while n_tokens([messages[j] for j in kept]) > budget and i < len(messages) - 1:
        if use_pins and i in pinned:
            i += 2
            continue
        for j in range(i, min(i + step, len(messages) - 1)):
            kept.remove(j)
        i += step
    return [messages[j] for j in kept]


def _gated_memory(contents, W, b, memory, reverse=False, order="mc", recur=True, last=False):
    m0 = memory
    memories, gates = [], []
    for c in contents:
        state = memory if recur else m0
        pair = torch.cat([state, c]) if order == "mc" else torch.cat([c, state])
        g = torch.sigmoid(W @ pair + b)
        keep = 1 - g if reverse else g
        memory = keep * state + (1 - keep) * c
        memories.append(memory)
        gates.append(g)
    d = m0.shape[0]
    stacked = (
        (torch.stack(memories) if memories else torch.zeros(0, d)),
        (torch.stack(gates) if gates else torch.zeros(0, d)),
    )
    return (stacked[0][-1:], stacked[1]) if last else stacked


def test_correct_answers_pass(capsys):
    ch02.check_sequence_log_prob(_sequence_log_prob)
    ch02.check_smoothed_log_prob(_smoothed)
    ch02.check_fit_history_pinned(_fit_pinned)
    assert ch02.check_gated_memory(_gated_memory) is True
    lines = _verdicts(capsys)
    assert len(lines) == 4 and all(line.startswith("✅") for line in lines), lines


@pytest.mark.parametrize(
    "check, wrong",
    [
        # the probabilities of the targets, not their logarithms
        (
            ch02.check_sequence_log_prob,
            lambda logits, ids: (
                F.softmax(logits, -1)[torch.arange(len(ids) - 1), ids[1:]].sum().item()
            ),
        ),
        # raw logits, never normalised
        (
            ch02.check_sequence_log_prob,
            lambda logits, ids: logits[torch.arange(len(ids) - 1), ids[1:]].sum().item(),
        ),
        # no smoothing: an unseen pair gives log 0
        (
            ch02.check_smoothed_log_prob,
            lambda c, s: _smoothed(c, s, extra=1e-300),
        ),
        # forgets that $ is one of the symbols that can follow
        (ch02.check_smoothed_log_prob, lambda c, s: _smoothed(c, s, with_end=False)),
        # the plain window: pinned turns dropped like any other
        (
            ch02.check_fit_history_pinned,
            lambda m, b, n, p: _fit_pinned(m, b, n, p, use_pins=False),
        ),
        # drops single messages, leaving a reply without its question
        (
            ch02.check_fit_history_pinned,
            lambda m, b, n, p: _fit_pinned(m, b, n, p, whole_turns=False),
        ),
        # gate read the other way round: the share of new content instead of old memory
        (ch02.check_gated_memory, lambda c, W, b, m: _gated_memory(c, W, b, m, reverse=True)),
        # [c; m] instead of [m; c]
        (ch02.check_gated_memory, lambda c, W, b, m: _gated_memory(c, W, b, m, order="cm")),
        # every round starts again from the initial memory
        (ch02.check_gated_memory, lambda c, W, b, m: _gated_memory(c, W, b, m, recur=False)),
        # only the final memory
        (ch02.check_gated_memory, lambda c, W, b, m: _gated_memory(c, W, b, m, last=True)),
    ],
)
def test_wrong_answers_fail_with_a_hint(check, wrong, capsys):
    check(wrong)
    (line,) = _verdicts(capsys)
    assert line.startswith("❌") and "提示" in line, line


def test_reader_exceptions_become_verdicts(capsys):
    def unfinished(*args):
        raise NotImplementedError("还没写")

    ch02.check_fit_history_pinned(unfinished)
    (line,) = _verdicts(capsys)
    assert line.startswith("❌") and "NotImplementedError" in line
