"""The chapter 5 checks accept correct answers, reject wrong ones with a hint, and never crash."""

from __future__ import annotations

import math
import re
from collections import Counter

from minillm.exercises import ch05

FRAME_SLOT = re.compile(r"([^（，=]+)=([^，）]+)")


def _accuracy(logits, targets, pad_id):
    keep = targets != pad_id
    return ((logits.argmax(-1) == targets) & keep).sum().item() / keep.sum().item()


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
        pairs = [(set(FRAME_SLOT.findall(p)), set(FRAME_SLOT.findall(r)))
                 for p, r in zip(predictions, references)]  # fmt: skip
    else:  # pools every sample's pairs: a right pair in the wrong sample counts
        pred = {x for p in predictions for x in FRAME_SLOT.findall(p)}
        pairs = [(pred, {x for r in references for x in FRAME_SLOT.findall(r)})]
    hits = sum(len(p & r) for p, r in pairs)
    n_pred, n_ref = sum(len(p) for p, _ in pairs), sum(len(r) for _, r in pairs)
    precision = hits / n_pred if n_pred else 0.0
    recall = hits / n_ref if n_ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def test_correct_answers_pass(capsys):
    ch05.check_shift_targets(lambda tgt: (tgt[:, :-1], tgt[:, 1:]))
    ch05.check_token_accuracy(_accuracy)
    ch05.check_corpus_bleu(_bleu)
    ch05.check_slot_prf(_slot_prf)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all(line.startswith("✅") for line in lines), lines


def test_wrong_answers_fail_with_a_hint(capsys):
    ch05.check_shift_targets(lambda tgt: (tgt, tgt))  # no shift: the decoder sees its answer
    ch05.check_token_accuracy(  # counts padding positions too
        lambda logits, targets, pad_id: (logits.argmax(-1) == targets).float().mean().item()
    )
    ch05.check_corpus_bleu(_mean_sentence_bleu)  # averages sentence scores instead of pooling
    ch05.check_corpus_bleu(lambda c, r, n: _bleu(c, r, n, clip=False))  # no clipping
    ch05.check_corpus_bleu(lambda c, r, n: _bleu(c, r, n, brevity=False))  # no brevity penalty
    ch05.check_slot_prf(lambda p, r: _slot_prf(p, r, per_sample=False))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6 and all(line.startswith("❌") and "提示" in line for line in lines), (
        lines
    )


def test_reader_exceptions_become_verdicts(capsys):
    def broken(*args):
        raise NotImplementedError("还没写")

    ch05.check_shift_targets(broken)
    ch05.check_token_accuracy(broken)
    ch05.check_corpus_bleu(broken)
    ch05.check_slot_prf(broken)
    ch05.check_find_order_id(broken)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and all("NotImplementedError: 还没写" in line for line in lines)


def test_order_id_check(capsys):
    def find(pattern):
        return lambda text: m.group(1) if (m := re.search(pattern, text)) else None

    ch05.check_find_order_id(find(r"(?<!\d)(\d{10})(?!\d)"))
    ch05.check_find_order_id(find(r"(\d{10})"))  # also cuts 10 digits out of a longer number
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == ["✅", "❌"]
