"""The chapter 7 exercise checks accept a correct answer and reject plausible wrong ones with a hint."""

from __future__ import annotations

import math
import re

import pytest

from minillm.exercises import ch07

GONE = ("[deleted]", "[removed]")


def c4_clean_zh(page, count_each_mark=False, lorem_in_kept_only=False):
    if "{" in page or (not lorem_in_kept_only and "lorem ipsum" in page.lower()):
        return None
    kept = []
    for line in page.split("\n"):
        line = line.strip()
        if len(line) >= 10 and line.endswith(tuple("。！？”")) and "javascript" not in line.lower():
            kept.append(line)
    if lorem_in_kept_only and any("lorem ipsum" in line.lower() for line in kept):
        return None
    pattern = r"[。！？]" if count_each_mark else r"[。！？]+"
    sentences = sum(len(re.findall(pattern, line)) for line in kept)
    return "\n".join(kept) if sentences >= 3 else None


def lexicalise_act(template, act, values, numbered=True):
    triples = act.split("*")
    if len(values) != len(triples):
        raise ValueError("one value per triple")
    found = {}
    for triple, value in zip(triples, values):
        found.setdefault(triple, []).append(value)

    def fill(match):
        name = match.group(1)
        if name in found:
            return found[name][0]
        triple, k = name[:-1], name[-1:]
        if k.isdigit() and triple in found and 1 <= int(k) <= len(found[triple]):
            return found[triple][int(k) - 1 if numbered else 0]
        raise ValueError(name)

    return re.sub(r"\[([^\[\]]+)\]", fill, template)


def thread_pairs(comments, k, check_context=True):
    by_id = {c["id"]: c for c in comments}
    pairs = []
    for c in comments:
        if c["parent"] is None or c["text"] in GONE or c["score"] < 1:
            continue
        context, node = [], by_id[c["parent"]]
        while node is not None and len(context) < k:
            context.insert(0, node["text"])
            node = by_id[node["parent"]] if node["parent"] is not None else None
        if not (check_context and any(t in GONE for t in context)):
            pairs.append((tuple(context), c["text"]))
    return pairs


def whole_word_mask(words, order, ratio=0.15, rounding=round, skip=True, punctuation=False):
    n = sum(map(len, words))
    starts = [sum(map(len, words[:i])) for i in range(len(words))]
    mask, budget, used = [False] * n, max(1, rounding(ratio * n)), 0
    for w in order:
        word = words[w]
        if used >= budget:
            break
        if not punctuation and not any(ch.isalnum() for ch in word):
            continue
        if used + len(word) > budget:
            if skip:
                continue
            break
        for j in range(starts[w], starts[w] + len(word)):
            mask[j] = True
        used += len(word)
    return mask


def gnmt_crossover(short, long, penalty=lambda n: (5 + n) / 6, clamp=True):
    (n1, lp1), (n2, lp2) = short, long
    alpha = math.log(lp2 / lp1) / math.log(penalty(n2) / penalty(n1))
    return max(0.0, alpha) if clamp else alpha


CASES = [
    (ch07.check_c4_clean_zh, c4_clean_zh),
    (ch07.check_c4_clean_zh, lambda p: c4_clean_zh(p, count_each_mark=True)),
    (ch07.check_c4_clean_zh, lambda p: c4_clean_zh(p, lorem_in_kept_only=True)),
    (ch07.check_lexicalise_act, lexicalise_act),
    (ch07.check_lexicalise_act, lambda t, a, v: lexicalise_act(t, a, v, numbered=False)),
    (ch07.check_thread_pairs, thread_pairs),
    (ch07.check_thread_pairs, lambda c, k: thread_pairs(c, k, check_context=False)),
    (ch07.check_thread_pairs, lambda c, k: thread_pairs(c, 1)),
    (ch07.check_whole_word_mask, whole_word_mask),
    (ch07.check_whole_word_mask, lambda w, o, r: whole_word_mask(w, o, r, rounding=int)),
    (ch07.check_whole_word_mask, lambda w, o, r: whole_word_mask(w, o, r, skip=False)),
    (ch07.check_whole_word_mask, lambda w, o, r: whole_word_mask(w, o, r, punctuation=True)),
    (ch07.check_gnmt_crossover, gnmt_crossover),
    (ch07.check_gnmt_crossover, lambda s, lo: gnmt_crossover(s, lo, penalty=lambda n: n)),
    (ch07.check_gnmt_crossover, lambda s, lo: gnmt_crossover(s, lo, clamp=False)),
    (ch07.check_gnmt_crossover, lambda s, lo: max(0.0, -gnmt_crossover(s, lo, clamp=False))),
]
CORRECT = {0, 3, 5, 8, 12}


@pytest.mark.parametrize("index", range(len(CASES)))
def test_chapter7_check_verdict(index, capsys):
    check, answer = CASES[index]
    check(answer)
    line = capsys.readouterr().out.strip()
    if index in CORRECT:
        assert line.startswith("✅"), line
    else:
        assert line.startswith("❌") and "提示" in line, line


def test_a_crashing_answer_is_a_failed_verdict(capsys):
    ch07.check_lexicalise_act(lambda t, a, v: 1 / 0)
    assert capsys.readouterr().out.startswith("❌")
