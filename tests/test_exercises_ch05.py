"""The chapter 5 checks accept correct answers, reject wrong ones with a hint, and never crash."""

from __future__ import annotations

import math
import re
from collections import Counter

import torch

from minillm.exercises import ch05
from minillm.models.seq2seq import create_masks, create_src_mask, greedy_decode

FRAME_SLOT = re.compile(r"([^（，=]+)=([^，）]+)")


def _smoothed(logits, targets, pad_id, eps, where="real", spread="all"):
    log_p = logits.log_softmax(-1)
    nll = -log_p.gather(-1, targets[..., None])[..., 0]
    # PyTorch spreads eps over all V words, fairseq over the V - 1 other words
    others = (-log_p.sum(-1) - nll) / (logits.size(-1) - 1)
    smooth = -log_p.mean(-1) if spread == "all" else others
    real = targets != pad_id
    if where == "real":
        return ((1 - eps) * nll + eps * smooth)[real].mean()
    if where == "all":  # padding counted in the denominator
        return (((1 - eps) * nll + eps * smooth) * real).sum() / targets.numel()
    return (1 - eps) * nll[real].mean() + eps * smooth.mean()  # smoothing term over padding too


def _greedy_active(model, src, src_mask, max_len, bos_id, eos_id):
    memory = model.encode(src, src_mask)
    out = torch.full((src.size(0), max_len + 1), eos_id, dtype=torch.long)
    out[:, 0] = bos_id
    active, steps = torch.arange(src.size(0)), 0
    for t in range(1, max_len + 1):
        next_id = model.decode(out[active, :t], memory[active], src_mask[active])[:, -1].argmax(-1)
        out[active, t], steps = next_id, t
        active = active[next_id != eos_id]
        if len(active) == 0:
            break
    return out[:, : steps + 1]


def _greedy_full(model, src, src_mask, max_len, bos_id, eos_id, stop="all", fill=True):
    """The whole batch at every step (what greedy_decode does)."""
    memory = model.encode(src, src_mask)
    ys = torch.full((src.size(0), 1), bos_id, dtype=torch.long)
    done = torch.zeros(src.size(0), dtype=torch.bool)
    for _ in range(max_len):
        next_id = model.decode(ys, memory, src_mask)[:, -1].argmax(-1)
        if fill:
            next_id = next_id.masked_fill(done, eos_id)
        ys = torch.cat([ys, next_id[:, None]], dim=1)
        done |= next_id == eos_id
        if (stop == "all" and done.all()) or (stop == "any" and done.any()):
            break
    return ys


def _free_running(model, src, tgt, pad_id, bos_id, eos_id, count_pad=False):
    mask = create_src_mask(src, pad_id)
    out = greedy_decode(model, src, mask, tgt.size(1) - 1, bos_id, eos_id)[:, 1:]
    ref = tgt[:, 1:]
    pred = torch.full_like(ref, -1)
    pred[:, : out.size(1)] = out[:, : ref.size(1)]
    keep = torch.ones_like(ref, dtype=torch.bool) if count_pad else ref != pad_id
    return ((pred == ref) & keep).sum().item() / keep.sum().item()


def _teacher_forced(model, src, tgt, pad_id, bos_id, eos_id):
    tgt_input, tgt_output = tgt[:, :-1], tgt[:, 1:]
    src_mask, tgt_mask = create_masks(src, tgt_input, pad_id)
    pred = model(src, tgt_input, src_mask, tgt_mask).argmax(-1)
    keep = tgt_output != pad_id
    return ((pred == tgt_output) & keep).sum().item() / keep.sum().item()


def _bleu(candidates, references, max_n=4, clip=True, brevity=True):
    matched, total = [0] * max_n, [0] * max_n
    for cand, ref in zip(candidates, references):
        for n in range(1, max_n + 1):
            c = Counter(cand[i : i + n] for i in range(len(cand) - n + 1))
            r = Counter(ref[i : i + n] for i in range(len(ref) - n + 1))
            hits = c & r if clip else Counter({g: k for g, k in c.items() if g in r})
            matched[n - 1] += sum(hits.values())
            total[n - 1] += sum(c.values())
    if min(matched) == 0:
        return 0.0
    c, r = sum(map(len, candidates)), sum(map(len, references))
    bp = 1.0 if c > r or not brevity else math.exp(1 - r / c)
    return bp * math.exp(sum(math.log(m / t) for m, t in zip(matched, total)) / max_n)


def _mean_sentence_bleu(candidates, references, max_n=4):
    scores = [_bleu([c], [r], max_n) for c, r in zip(candidates, references)]
    return sum(scores) / len(scores)


def _slot_prf(predictions, references, per_sample=True):
    if per_sample:
        pairs = [
            (set(FRAME_SLOT.findall(p)), set(FRAME_SLOT.findall(r)))
            for p, r in zip(predictions, references)
        ]
    else:  # pools every sample's pairs: a right pair in the wrong sample counts
        pred = {x for p in predictions for x in FRAME_SLOT.findall(p)}
        pairs = [(pred, {x for r in references for x in FRAME_SLOT.findall(r)})]
    hits = sum(len(p & r) for p, r in pairs)
    n_pred, n_ref = sum(len(p) for p, _ in pairs), sum(len(r) for _, r in pairs)
    precision = hits / n_pred if n_pred else 0.0
    recall = hits / n_ref if n_ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _verdicts(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_correct_answers_pass(capsys):
    ch05.check_smoothed_loss(_smoothed)
    ch05.check_greedy_active(_greedy_active)
    ch05.check_corpus_bleu(_bleu)
    ch05.check_slot_prf(_slot_prf)
    assert ch05.check_free_running_accuracy(_free_running) is True
    lines = _verdicts(capsys)
    assert len(lines) == 5 and all(line.startswith("✅") for line in lines), lines


def test_float32_answers_pass(capsys):
    """An accuracy computed in float32 is as right as one computed with Python ints."""

    def float32(model, src, tgt, pad_id, bos_id, eos_id):
        value = _free_running(model, src, tgt, pad_id, bos_id, eos_id)
        return torch.tensor(value, dtype=torch.float32)

    assert ch05.check_free_running_accuracy(float32) is True
    capsys.readouterr()


def test_wrong_answers_fail_with_a_hint(capsys):
    wrong = [
        lambda: ch05.check_smoothed_loss(lambda *a: _smoothed(*a, where="all")),
        lambda: ch05.check_smoothed_loss(lambda *a: _smoothed(*a, spread="others")),
        lambda: ch05.check_smoothed_loss(lambda *a: _smoothed(*a, where="smooth-everywhere")),
        lambda: ch05.check_greedy_active(_greedy_full),  # right ids, but finished rows recomputed
        lambda: ch05.check_greedy_active(lambda *a: _greedy_full(*a, stop="never")),
        lambda: ch05.check_greedy_active(lambda *a: _greedy_full(*a, stop="any")),
        lambda: ch05.check_greedy_active(lambda *a: _greedy_full(*a, fill=False)),
        lambda: ch05.check_corpus_bleu(_mean_sentence_bleu),  # averages sentence scores
        lambda: ch05.check_corpus_bleu(lambda c, r, n: _bleu(c, r, n, clip=False)),
        lambda: ch05.check_corpus_bleu(lambda c, r, n: _bleu(c, r, n, brevity=False)),
        lambda: ch05.check_slot_prf(lambda p, r: _slot_prf(p, r, per_sample=False)),
        lambda: ch05.check_free_running_accuracy(_teacher_forced),  # not free running at all
        lambda: ch05.check_free_running_accuracy(lambda *a: _free_running(*a, count_pad=True)),
    ]
    for attempt in wrong:
        attempt()
    lines = _verdicts(capsys)
    assert len(lines) == len(wrong), lines
    assert all(line.startswith("❌") and "提示" in line for line in lines), lines


def test_reader_exceptions_become_verdicts(capsys):
    def broken(*args):
        raise NotImplementedError("还没写")

    ch05.check_smoothed_loss(broken)
    ch05.check_greedy_active(broken)
    ch05.check_corpus_bleu(broken)
    ch05.check_slot_prf(broken)
    assert ch05.check_free_running_accuracy(broken) is False
    lines = _verdicts(capsys)
    assert len(lines) == 5 and all("NotImplementedError: 还没写" in line for line in lines)


def test_checks_leave_the_random_state_alone(capsys):
    torch.manual_seed(123)
    before = torch.get_rng_state()
    ch05.check_greedy_active(_greedy_active)
    ch05.check_free_running_accuracy(_free_running)
    assert torch.equal(torch.get_rng_state(), before)
    capsys.readouterr()
