"""The chapter 3 exercise checks accept a correct answer and reject plausible wrong ones with a hint."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from minillm.exercises import ch03
from minillm.tokenizers.bpe import merge

# a small Chinese text for the BPE check (the notebook uses 20,000 characters of Tang poems)
POEMS = "床前看月光，疑是地上霜。举头望山月，低头思故乡。\n春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。\n"
TEXT = POEMS * 3 + "明月几时有，把酒问青天。明月照高楼，流光正徘徊。\n" * 2


def _verdicts(capsys) -> list[str]:
    return [line[0] for line in capsys.readouterr().out.splitlines()]


def _hints(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


def _merge_step(chunks, freqs, counts, where, pair, new_id, weigh=True, unindex=True):
    for i in list(where[pair]):
        old = chunks[i]
        new = merge(old, pair, new_id)
        f = freqs[i] if weigh else 1
        for p in zip(old, old[1:]):
            counts[p] -= f
            if unindex:
                where[p].discard(i)
        for p in zip(new, new[1:]):
            counts[p] += f
            where.setdefault(p, set()).add(i)
        chunks[i] = new


def test_merge_step_check(capsys):
    ch03.check_merge_step(_merge_step, text=TEXT)

    def recounts_everything(chunks, freqs, counts, where, pair, new_id):  # correct, not incremental
        for i in range(len(chunks)):
            chunks[i] = merge(chunks[i], pair, new_id)
        counts.clear()
        where.clear()
        for i in range(len(chunks)):
            for p in zip(chunks[i], chunks[i][1:]):
                counts[p] += freqs[i]
                where.setdefault(p, set()).add(i)

    def only_the_pair(chunks, freqs, counts, where, pair, new_id):  # forgets the neighbours
        for i in list(where.pop(pair)):
            chunks[i] = merge(chunks[i], pair, new_id)
        counts[pair] = 0

    ch03.check_merge_step(recounts_everything, text=TEXT)
    ch03.check_merge_step(only_the_pair, text=TEXT)
    ch03.check_merge_step(lambda *a: _merge_step(*a, weigh=False), text=TEXT)
    ch03.check_merge_step(lambda *a: _merge_step(*a, unindex=False), text=TEXT)
    lines = _hints(capsys)
    assert [line[0] for line in lines] == ["✅", "❌", "❌", "❌", "❌"]
    assert "where[pair]" in lines[1] and "频率" in lines[3] and "索引" in lines[4]


def _no_repeat(input_ids, scores, n):
    out = scores.clone()
    t = input_ids.size(1)
    for row, ids in enumerate(input_ids.tolist()):
        if t < n:
            continue
        prefix = ids[t - n + 1 :]
        for i in range(t - n + 1):
            if ids[i : i + n - 1] == prefix:
                out[row, ids[i + n - 1]] = float("-inf")
    return out


def test_no_repeat_ngram_check(capsys):
    ch03.check_no_repeat_ngram(_no_repeat)

    def last_occurrence_only(input_ids, scores, n):
        out, t = scores.clone(), input_ids.size(1)
        for row, ids in enumerate(input_ids.tolist()):
            prefix = ids[t - n + 1 :] if n > 1 else []
            for i in reversed(range(t - n + 1)):
                if ids[i : i + n - 1] == prefix:
                    out[row, ids[i + n - 1]] = float("-inf")
                    break
        return out

    def ngram_of_n(input_ids, scores, n):  # matches the last n tokens instead of n − 1
        return _no_repeat(input_ids, scores, n + 1)

    def repetition_penalty(input_ids, scores, n):  # the chapter's RepetitionPenalty: a shortcut
        from minillm.generation.processors import RepetitionPenalty

        return RepetitionPenalty(1e9)(input_ids, scores.clone())

    ch03.check_no_repeat_ngram(last_occurrence_only)
    ch03.check_no_repeat_ngram(ngram_of_n)
    ch03.check_no_repeat_ngram(repetition_penalty)
    assert _verdicts(capsys) == ["✅", "❌", "❌", "❌"]


def _beam(table, width, max_len, alpha, shrink=True, finish_at_limit=False):
    live, finished = [((), 0.0)], []
    for _ in range(max_len):
        if not live or len(finished) >= width:
            break
        candidates = [
            ((*seq, token), logp + math.log(p))
            for seq, logp in live
            for token, p in table[seq[-1] if seq else "<s>"].items()
        ]
        candidates.sort(key=lambda c: -c[1])
        kept = candidates[: width - len(finished)] if shrink else candidates[:width]
        finished += [c for c in kept if c[0][-1] == "</s>"]
        live = [c for c in kept if c[0][-1] != "</s>"]
        if not shrink:
            live = [c for c in candidates if c[0][-1] != "</s>"][:width]
    if finish_at_limit:
        finished += live
    return sorted([(s, lp / len(s) ** alpha) for s, lp in finished], key=lambda item: -item[1])


class _TableStepper:
    def __init__(self, table, vocab):
        self.table, self.vocab = table, vocab

    def start(self, input_ids, attention_mask):
        self.last = input_ids[:, -1]
        return self.scores()

    def advance(self, next_tokens):
        self.last = next_tokens
        return self.scores()

    def reorder(self, index):
        self.last = self.last[index]

    def scores(self):
        rows = [[self.table.get(self.vocab[i], {}).get(w, 1e-30) for w in self.vocab]
                for i in self.last.tolist()]  # fmt: skip
        return torch.tensor(rows).log()


def _library_beam(table, width, max_len, alpha):  # the chapter's beam_search: HF's bookkeeping
    from minillm.generation import GenerationConfig, beam_search

    vocab = ["我", "想", "退货", "</s>", "<s>"]
    config = GenerationConfig(max_new_tokens=max_len, num_beams=width, num_return_sequences=width,
                              length_penalty=alpha, eos_token_id=3, early_stopping="never")  # fmt: skip
    result = beam_search(_TableStepper(table, vocab), torch.tensor([4]), config)
    return [
        (tuple(vocab[i] for i in s[1:].tolist()), v)
        for s, v in zip(result.sequences, result.scores)
    ]


def test_beam_search_check(capsys):
    ch03.check_beam_search(_beam)
    ch03.check_beam_search(lambda *a: _beam(*a, shrink=False))  # the beam never shrinks
    ch03.check_beam_search(lambda *a: _beam(*a, finish_at_limit=True))  # unfinished count too
    ch03.check_beam_search(lambda t, w, m, a: _beam(t, w, m, 0.0))  # no length penalty
    ch03.check_beam_search(
        lambda t, w, m, a: [
            (s, lp * len(s) ** a / (len(s) - 1) ** a) for s, lp in _beam(t, w, m, a)
        ]
    )  # the length without </s>
    ch03.check_beam_search(_library_beam)
    assert _verdicts(capsys) == ["✅", "❌", "❌", "❌", "❌", "❌"]


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


def _sop(docs, generator, threshold=0.5, draw_per_doc=False):
    pairs = []
    for sentences in docs:
        swap = torch.rand(1, generator=generator).item() < threshold if draw_per_doc else None
        for a, b in zip(sentences, sentences[1:]):
            if not draw_per_doc:
                swap = torch.rand(1, generator=generator).item() < threshold
            pairs.append((b, a, 0) if swap else (a, b, 1))
    return pairs


def test_sop_pairs_check(capsys):
    ch03.check_sop_pairs(_sop)
    ch03.check_sop_pairs(lambda d, g: [(a, b, 1 - y) for a, b, y in _sop(d, g)])  # labels flipped
    ch03.check_sop_pairs(lambda d, g: _sop(d, g, draw_per_doc=True))  # one draw per document

    def nsp_style(docs, generator):  # the chapter's NSP: a random sentence from elsewhere
        from minillm.models.bert import make_nsp_pairs

        return make_nsp_pairs(docs, generator=generator)

    ch03.check_sop_pairs(nsp_style)
    assert _verdicts(capsys) == ["✅", "❌", "❌", "❌"]


@pytest.mark.parametrize(
    "check", [ch03.check_no_repeat_ngram, ch03.check_beam_search, ch03.check_sop_pairs]
)
def test_checks_report_a_crash_as_a_failure(check, capsys):
    check(lambda *args: torch.tensor(1) / "x")
    assert _verdicts(capsys) == ["❌"]
