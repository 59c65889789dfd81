"""NGramLM against nltk.lm on real text: the same probabilities and perplexities for MLE, Laplace,
Lidstone and Kneser-Ney, and, where nltk's Kneser-Ney is wrong, a finite, normalised model."""

from __future__ import annotations

import math
import random
import re
from functools import cache

import pytest
from nltk.lm import MLE, KneserNeyInterpolated, Laplace, Lidstone, NgramCounter, Vocabulary
from nltk.lm.preprocessing import pad_both_ends, padded_everygram_pipeline
from nltk.util import ngrams

from minillm.data import corpus_available, load_corpus
from minillm.data.dialogue import chat_corpus
from minillm.ngram import BOS, EOS, UNK, NGramLM

WORD = re.compile(r"\w+|[^\w\s]")
TURN = re.compile(r"<\|\w+\|>")
CORPORA = ("shakespeare", "dialogue")


def words(line: str) -> list[str]:
    return WORD.findall(line.lower())


@cache
def sentences(corpus: str) -> tuple[list[list[str]], list[list[str]]]:
    """(train, test) sentences: tinyshakespeare lines as lower-cased words, or the synthetic
    customer-service utterances as characters."""
    if corpus == "shakespeare":
        if not corpus_available("tinyshakespeare"):
            pytest.skip("tinyshakespeare is not cached (set MINILLM_DATA_DIR)")
        lines = [line for line in load_corpus("tinyshakespeare").split("\n") if line.strip()]
        return [words(line) for line in lines[:2000]], [words(line) for line in lines[2000:2300]]

    def utterances(text: str) -> list[list[str]]:
        return [list(turn) for line in text.splitlines() for turn in TURN.split(line) if turn]

    return utterances(chat_corpus(300, seed=0)), utterances(chat_corpus(40, 1, "heldout"))


@cache
def nltk_counts(corpus: str, n: int, unk_cutoff: int) -> tuple[Vocabulary, NgramCounter]:
    """nltk's vocabulary and counts for the training sentences, shared by its models."""
    padded, flat = padded_everygram_pipeline(n, sentences(corpus)[0])
    vocab = Vocabulary(flat, unk_cutoff=unk_cutoff)
    return vocab, NgramCounter(vocab.lookup(sentence) for sentence in padded)


def padded_ngrams(sents: list[list[str]], n: int) -> list[tuple[str, ...]]:
    """The n-grams nltk's perplexity is usually given: order n, over padded sentences."""
    return [gram for sentence in sents for gram in ngrams(pad_both_ends(sentence, n=n), n)]


def nltk_model(corpus: str, n: int, unk_cutoff: int, smoothing: str, gamma: float = 0.1):
    vocab, counts = nltk_counts(corpus, n, unk_cutoff)
    if smoothing == "mle":
        return MLE(n, vocabulary=vocab, counter=counts)
    if smoothing == "laplace":
        return Laplace(n, vocabulary=vocab, counter=counts)
    if smoothing == "lidstone":
        return Lidstone(gamma, n, vocabulary=vocab, counter=counts)
    return KneserNeyInterpolated(n, discount=0.1, vocabulary=vocab, counter=counts)


def queries(grams: list[tuple[str, ...]]) -> list[tuple[str, tuple[str, ...]]]:
    """(word, context) for each n-gram, with every shorter context too (the lower orders)."""
    return [(g[-1], g[i:-1]) for g in grams for i in range(len(g))]


# --------------------------------------------------------------------------- equal to nltk


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("unk_cutoff", [1, 2])
def test_mle_laplace_lidstone_equal_nltk(corpus, n, unk_cutoff):
    train, test = sentences(corpus)
    seen_grams, test_grams = padded_ngrams(train[:300], n), padded_ngrams(test, n)
    probes = queries(random.Random(0).sample(seen_grams + test_grams, 400))
    for smoothing in ("mle", "laplace", "lidstone"):
        gamma = 0.1 if smoothing == "lidstone" else None
        ours = NGramLM(n, smoothing, gamma=gamma, unk_cutoff=unk_cutoff).fit(train)
        ref = nltk_model(corpus, n, unk_cutoff, smoothing)
        assert ours.vocab_size == len(ref.vocab)
        got = [ours.prob(word, context) for word, context in probes]
        assert got == pytest.approx([ref.score(w, c) for w, c in probes], rel=1e-9, abs=0)
        # MLE is inf on any unseen n-gram (in both), so it is scored on training sentences.
        scored, grams = (train[:300], seen_grams) if smoothing == "mle" else (test, test_grams)
        assert math.isfinite(ours.perplexity(scored))
        assert ours.perplexity(scored) == pytest.approx(ref.perplexity(grams), rel=1e-9)


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("n", [2, 3])
def test_kneser_ney_equals_nltk_where_nltk_is_right(corpus, n):
    # With unk_cutoff=2, <UNK> occurs in training, so nltk gives it a continuation count; the
    # remaining difference is the first word of a sentence for n >= 3 (the next test).
    train, test = sentences(corpus)
    ours = NGramLM(n, "kneser_ney", unk_cutoff=2).fit(train)
    ref = nltk_model(corpus, n, 2, "kneser_ney")
    assert ours.count(UNK) > 0
    grams = padded_ngrams(train[:100], n) + padded_ngrams(test[:30], n)
    probes = queries(random.Random(1).sample(grams, 60))
    if n == 3:  # leave out what rests on P(w | <s>) at order 2
        probes = [(word, context) for word, context in probes if context[-1:] != (BOS,)]
    got = [ours.prob(word, context) for word, context in probes]
    assert got == pytest.approx([ref.score(w, c) for w, c in probes], rel=1e-9, abs=0)
    if n == 2:  # no sentence-start difference at n = 2: the perplexities agree too
        nltk_perplexity = ref.perplexity(padded_ngrams(test[:20], n))
        assert ours.perplexity(test[:20]) == pytest.approx(nltk_perplexity, rel=1e-9)


# --------------------------------------------------------------------------- where nltk is wrong


@pytest.mark.parametrize("corpus", CORPORA)
def test_kneser_ney_sentence_start_sums_to_one_unlike_nltk(corpus):
    # nltk counts the pair <s> <s>, which no word precedes, among the types that follow <s> in
    # the interpolation weight of P(w | <s>), so P(. | <s> <s>) sums to more than 1.
    ours = NGramLM(3, "kneser_ney", unk_cutoff=2).fit(sentences(corpus)[0])
    ref = nltk_model(corpus, 3, 2, "kneser_ney")
    start = (BOS, BOS)
    assert math.fsum(ref.score(w, start) for w in ref.vocab) > 1 + 1e-6
    assert math.fsum(ours.prob(w, start) for w in ours.vocab) == pytest.approx(1, abs=1e-9)


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("n", [2, 3])
def test_kneser_ney_held_out_perplexity_is_finite_where_nltks_is_inf(corpus, n):
    train, test = sentences(corpus)
    ours = NGramLM(n, "kneser_ney").fit(train)
    ref = nltk_model(corpus, n, 1, "kneser_ney")
    held_out = [s for s in test if any(w not in ref.vocab for w in s)][:3]
    assert held_out, "the held-out sentences should hold a word unseen in training"
    unseen = next(w for w in held_out[0] if w not in ref.vocab)
    assert ref.score(unseen, [held_out[0][0]]) == 0  # nltk: <UNK> has no continuation count
    assert math.isinf(ref.perplexity(padded_ngrams(held_out, n)))
    assert ours.prob(unseen, [held_out[0][0]]) > 0
    assert math.isfinite(ours.perplexity(held_out))
    assert math.isfinite(ours.perplexity(test))


def test_kneser_ney_unigram_works_where_nltk_divides_by_zero():
    train = sentences("dialogue")[0]
    with pytest.raises(ZeroDivisionError):
        nltk_model("dialogue", 1, 2, "kneser_ney").score(train[0][0])
    ours = NGramLM(1, "kneser_ney", unk_cutoff=2).fit(train)
    mle = NGramLM(1, "mle", unk_cutoff=2).fit(train)
    # <UNK> was seen, so the discount taken from each word is exactly given back: P = MLE.
    assert [ours.prob(w) for w in ours.vocab] == pytest.approx([mle.prob(w) for w in mle.vocab])


@pytest.mark.parametrize("corpus", CORPORA)
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("unk_cutoff", [1, 2])
def test_smoothed_distributions_sum_to_one(corpus, n, unk_cutoff):
    train = sentences(corpus)[0]
    first = train[0]
    contexts = [None, (BOS,) * (n - 1), first[:2], first[-1:], ("qqq", "zzz"), ["x"] * 5]
    for smoothing in ("kneser_ney", "laplace", "lidstone"):
        gamma = 0.5 if smoothing == "lidstone" else None
        lm = NGramLM(n, smoothing, gamma=gamma, unk_cutoff=unk_cutoff).fit(train)
        for context in contexts:
            total = math.fsum(lm.prob(w, context) for w in lm.vocab)
            assert total == pytest.approx(1, abs=1e-9), (smoothing, context)
            assert lm.prob("never-seen-word", context) > 0


def test_unseen_words_are_unk():
    lm = NGramLM(2, "mle").fit([["a", "b"], ["a", "c"]])
    assert lm.prob("zebra", ["a"]) == lm.prob(UNK, ["a"]) == 0  # MLE: <UNK> was never seen
    assert lm.prob("b", ["zebra"]) == 0  # an unseen context: no counts
    assert lm.count(["a", "zebra"]) == lm.count(["a", UNK]) == 0
    rare = NGramLM(2, "mle", unk_cutoff=2).fit([["a", "b"], ["a", "c"]])
    assert set(rare.vocab) == {BOS, EOS, UNK, "a"}
    assert rare.prob("zebra", ["a"]) == rare.prob("b", ["a"]) == 1.0  # b, c and zebra are <UNK>


def test_benchmark_perplexity():
    # bench/ngram_vs_nltk.py: non-empty lines, the first 90 % to train; nltk gives 2242.6544.
    if not corpus_available("tinyshakespeare"):
        pytest.skip("tinyshakespeare is not cached (set MINILLM_DATA_DIR)")
    lines = [words(line) for line in load_corpus("tinyshakespeare").split("\n") if line.strip()]
    cut = int(0.9 * len(lines))
    lm = NGramLM(3, "laplace").fit(lines[:cut])
    assert lm.perplexity(lines[cut:]) == pytest.approx(2242.6543534736, rel=1e-9)


# --------------------------------------------------------------------------- views and sampling


def test_counts_and_views():
    lm = NGramLM(3, "laplace").fit([["to", "be", "or", "not", "to", "be"], ["to", "go"]])
    assert lm.count(BOS) == lm.count(EOS) == 4  # n-1 pads on each side of each sentence
    assert lm.count(["to", "be"]) == 2 and lm.count(("to", "be", "or")) == 1
    assert lm.continuations(["to"]) == {"be": 2, "go": 1}
    assert lm.continuations([BOS, BOS]) == {"to": 2}
    assert lm.vocab_size == len(lm.vocab) == 8  # 5 words, <s>, </s>, <UNK>
    assert lm.ngrams(["to", "fly"])[1:] == [(BOS, "to", UNK), ("to", UNK, EOS), (UNK, EOS, EOS)]
    assert lm.logprob("be", ["to"]) == pytest.approx(math.log2(lm.prob("be", ["to"])))
    assert lm.perplexity([["to", "be"]]) == pytest.approx(2 ** lm.cross_entropy([["to", "be"]]))
    assert lm.distribution(["to"]) == {w: lm.prob(w, ["to"]) for w in lm.vocab}


@pytest.mark.parametrize("smoothing", ["mle", "laplace", "kneser_ney"])
def test_generate_is_deterministic_by_seed(smoothing):
    lm = NGramLM(3, smoothing).fit(sentences("dialogue")[0])
    runs = [lm.generate(30, seed=seed) for seed in (0, 0, 1)]
    assert runs[0] == runs[1] != runs[2]
    assert set(runs[0]) <= set(lm.vocab) - {EOS}
    assert 0 < len(runs[0]) <= 30
    assert len(lm.generate(3, context=["qqq", "zzz"], seed=5)) <= 3
    assert lm.generate(0, seed=0) == []


def test_fit_replaces_earlier_counts():
    lm = NGramLM(2).fit([["a", "b"]])
    lm.fit([["c"]])
    assert lm.count("a") == 0 and lm.prob("c", [BOS]) == 1.0


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, "n must be an int >= 1"),
        ({"n": 2.0}, "n must be an int >= 1"),
        ({"n": 2, "smoothing": "kn"}, "smoothing must be one of .*kneser_ney"),
        ({"n": 2, "smoothing": "lidstone"}, "gamma > 0"),
        ({"n": 2, "smoothing": "lidstone", "gamma": 0}, "gamma > 0"),
        ({"n": 2, "smoothing": "laplace", "gamma": 0.5}, "gamma is 1 for smoothing='laplace'"),
        ({"n": 2, "smoothing": "mle", "gamma": 0.5}, "gamma applies only to"),
        ({"n": 2, "smoothing": "kneser_ney", "discount": 0}, r"discount must be in \(0, 1\)"),
        ({"n": 2, "smoothing": "kneser_ney", "discount": 1.5}, r"discount must be in \(0, 1\)"),
        ({"n": 2, "unk_cutoff": 0}, "unk_cutoff must be an int >= 1"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NGramLM(**kwargs)


def test_bad_calls():
    lm = NGramLM(2, "laplace")
    with pytest.raises(ValueError, match=r"not fitted yet: call fit\(sentences\) before prob"):
        lm.prob("a")
    with pytest.raises(ValueError, match="sentences must be an iterable of token lists"):
        lm.fit("to be or not to be")
    with pytest.raises(ValueError, match=r"sentences\[1\] must be a list of str tokens"):
        lm.fit([["a"], "to be"])
    with pytest.raises(ValueError, match="must hold only str tokens, got 3"):
        lm.fit([["a", 3]])
    with pytest.raises(ValueError, match="at least one token"):
        NGramLM(1).fit([[], []])
    lm.fit([["a", "b"]])
    with pytest.raises(ValueError, match="context must be None or a list/tuple of str tokens"):
        lm.prob("b", "a")
    with pytest.raises(ValueError, match="context must hold only str tokens"):
        lm.prob("b", [1])
    with pytest.raises(ValueError, match="word must be a str"):
        lm.prob(["b"])
    with pytest.raises(ValueError, match="no n-grams to score"):
        lm.perplexity([])
    with pytest.raises(ValueError, match="ngram must have 1 to n=2 words"):
        lm.count(["a", "b", "c"])
    with pytest.raises(ValueError, match="num_words must be an int >= 0"):
        lm.generate(-1)
    with pytest.raises(ValueError, match="seed must be an int or None"):
        lm.generate(3, seed="x")
