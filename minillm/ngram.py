"""N-gram language models: counts, smoothing (MLE, Laplace, Lidstone, interpolated Kneser-Ney),
perplexity and sampling, with ``nltk.lm``'s conventions so that the numbers can be compared.

Conventions (those of ``nltk.lm``): a sentence is padded with n-1 ``<s>`` on the left and n-1
``</s>`` on the right; the model counts every k-gram (k = 1..n) of the padded sentences; the
vocabulary holds the padded tokens seen at least ``unk_cutoff`` times plus ``<UNK>``, and any
other word, in training or later, is read as ``<UNK>``. Logarithms are base 2 and perplexity is
``2 ** cross_entropy``, the cross-entropy being the mean of ``-log2 P(w | h)`` over the order-n
n-grams of the padded test sentences.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import accumulate
from operator import itemgetter

BOS, EOS, UNK = "<s>", "</s>", "<UNK>"
SMOOTHINGS = ("mle", "laplace", "lidstone", "kneser_ney")

__all__ = ["BOS", "EOS", "SMOOTHINGS", "UNK", "NGramLM"]

_context_of = itemgetter(slice(None, -1))  # (x, g..., w) -> (x, g...)
_drop_first = itemgetter(slice(1, None))  # (x, g..., w) -> (g..., w)
_middle = itemgetter(slice(1, -1))  # (x, g..., w) -> (g...)


def _check_str(tokens: list, name: str) -> None:
    """Raise a ValueError naming the first token that is not a str."""
    if set(map(type, tokens)) - {str}:
        for token in tokens:
            if not isinstance(token, str):
                raise ValueError(f"{name} must hold only str tokens, got {token!r:.40}")


def _not_tokens(value, name: str) -> ValueError:
    return ValueError(
        f"{name} must be a list of str tokens such as ['to', 'be'] (split text first), "
        f"got {type(value).__name__} {value!r:.40}"
    )


def _tokens(tokens, name: str) -> list[str]:
    """``tokens`` as a list of str, or a ValueError that says what was expected."""
    if isinstance(tokens, str) or not isinstance(tokens, Iterable):
        raise _not_tokens(tokens, name)
    tokens = list(tokens)
    _check_str(tokens, name)
    return tokens


class NGramLM:
    """An n-gram language model: ``NGramLM(3, "laplace").fit(sentences).perplexity(test)``.

    smoothing:
      - ``"mle"``: count(h w) / count(h); unseen n-grams and unseen contexts get 0.
      - ``"laplace"``, ``"lidstone"``: (count(h w) + gamma) / (count(h) + gamma * |V|), gamma = 1
        for Laplace; an unseen context gives the uniform 1 / |V|.
      - ``"kneser_ney"``: interpolated Kneser-Ney with absolute ``discount``: the top order
        discounts raw counts, the lower orders discount continuation counts (how many distinct
        words precede an n-gram), and the lowest order is interpolated with a uniform
        distribution over the words the model can predict (those seen as a continuation, plus
        ``<UNK>``), so every distribution sums to 1 and every such word has a nonzero probability.

    A word outside the vocabulary is read as ``<UNK>``, as nltk does, so that perplexities stay
    comparable: MLE gives it 0 unless ``<UNK>`` occurred in training (unk_cutoff > 1), the
    smoothed models always give it a nonzero probability.

    Probabilities equal ``nltk.lm``'s (MLE, Laplace, Lidstone, KneserNeyInterpolated) except
    where nltk is wrong; the differences, all in Kneser-Ney, are:
      - nltk's lowest order has no uniform part, so a word without continuation count gets 0;
        with unk_cutoff=1 that is ``<UNK>``, so any held-out word not seen in training makes
        nltk's perplexity inf. Ours is finite, and equal to nltk's (but for the next point)
        when ``<UNK>`` occurs in the training data, e.g. unk_cutoff=2 and a word seen once.
      - for n >= 3, nltk takes the interpolation weight of P(w | n-2 ``<s>``) at order n-1 from
        raw counts, which include ``<s>`` itself, though no word precedes the first pad, so it
        has no continuation count; P(. | n-1 ``<s>``), the first word of every sentence, then
        sums to more than 1. Ours counts only the words that have a continuation count.
      - for n = 1 nltk raises ZeroDivisionError (no bigrams to take continuation counts from);
        ours discounts the unigram counts and interpolates with the uniform distribution.

    Two further choices: a context longer than n-1 words is cut to its last n-1 (nltk's MLE and
    Lidstone would look it up among n-grams of a higher order, which do not exist), and
    ``fit`` replaces the counts of an earlier ``fit`` instead of adding to them.
    """

    def __init__(
        self,
        n: int,
        smoothing: str = "mle",
        gamma: float | None = None,
        discount: float = 0.1,
        unk_cutoff: int = 1,
    ):
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"n must be an int >= 1 (1 = unigram, 2 = bigram ...), got {n!r}")
        if smoothing not in SMOOTHINGS:
            raise ValueError(f"smoothing must be one of {SMOOTHINGS}, got {smoothing!r}")
        if smoothing == "lidstone":
            number = isinstance(gamma, (int, float)) and not isinstance(gamma, bool)
            if not (number and 0 < gamma < math.inf):
                raise ValueError(f"smoothing='lidstone' needs a number gamma > 0, got {gamma!r}")
        elif smoothing == "laplace":
            if gamma not in (None, 1):
                raise ValueError(
                    f"gamma is 1 for smoothing='laplace'; use 'lidstone' for gamma={gamma!r}"
                )
            gamma = 1
        elif gamma is not None:
            raise ValueError(f"gamma applies only to 'lidstone' and 'laplace', not {smoothing!r}")
        if isinstance(discount, bool) or not isinstance(discount, (int, float)):
            raise ValueError(f"discount must be a number in (0, 1), got {discount!r}")
        if not 0 < discount < 1:
            raise ValueError(f"discount must be in (0, 1), got {discount!r}")
        if not isinstance(unk_cutoff, int) or isinstance(unk_cutoff, bool) or unk_cutoff < 1:
            raise ValueError(f"unk_cutoff must be an int >= 1, got {unk_cutoff!r}")
        self.n = n
        self.smoothing = smoothing
        self.gamma = None if gamma is None else float(gamma)
        self.discount = float(discount)
        self.unk_cutoff = unk_cutoff
        # _counts[k]: (k+1)-gram -> count; _totals[k]: k-word context -> how often a word followed
        # it. Both are empty until fit.
        self._counts: list[Counter] = []
        self._totals: list[dict[tuple[str, ...], int]] = []

    def __repr__(self) -> str:
        return f"NGramLM(n={self.n}, smoothing={self.smoothing!r})"

    # ----------------------------------------------------------------------------- training

    def fit(self, sentences: Iterable[Sequence[str]]) -> NGramLM:
        """Count every k-gram (k = 1..n) of the padded sentences, replacing earlier counts;
        return self."""
        if isinstance(sentences, str) or not isinstance(sentences, Iterable):
            raise ValueError("sentences must be an iterable of token lists, e.g. [['hi', '!']]")
        left, right = [BOS] * (self.n - 1), [EOS] * (self.n - 1)
        stream: list[str] = []  # the padded sentences, one after the other
        num_sentences = 0
        for sentence in sentences:
            if isinstance(sentence, str) or not isinstance(sentence, Iterable):
                raise _not_tokens(sentence, f"sentences[{num_sentences}]")
            stream += left
            stream += sentence
            stream += right
            num_sentences += 1
        _check_str(stream, "sentences")
        seen = Counter(stream)
        if not seen:
            raise ValueError("sentences must hold at least one token to fit on")
        vocab = {word for word, count in seen.items() if count >= self.unk_cutoff} | {UNK}
        lookup = {word: word if word in vocab else UNK for word in seen}
        if len(vocab) <= len(seen):  # some words fall below the cutoff: read them as <UNK>
            stream = list(map(lookup.__getitem__, stream))
        self._vocab, self._words = vocab, sorted(vocab)
        unigrams: Counter = Counter()
        for word, count in seen.items():
            unigrams[(lookup[word],)] += count
        self._counts = [unigrams]
        bos, eos = lookup.get(BOS), lookup.get(EOS)  # the pads as read (None for n = 1)
        for k in range(2, self.n + 1):
            grams = Counter(zip(*(stream[i:] for i in range(k))))
            # Take out the k-grams that straddle two neighbouring sentences: each pair adds
            # one </s> .. </s> <s> .. <s> for every split of the k words.
            for ends in range(1, k):
                straddling = (eos,) * ends + (bos,) * (k - ends)
                grams[straddling] -= num_sentences - 1
                if not grams[straddling]:
                    del grams[straddling]
            self._counts.append(grams)
        # A context is followed by a word as often as it occurs, less the times it ends a
        # sentence; every padded sentence ends on n-1 </s>, so only (</s>, ..., </s>) does.
        self._totals = [{(): sum(unigrams.values())}]
        for k in range(1, self.n):
            totals = dict(self._counts[k - 1])
            totals[(eos,) * k] -= num_sentences
            if not totals[(eos,) * k]:
                del totals[(eos,) * k]
            self._totals.append(totals)
        if self.smoothing == "kneser_ney":
            self._fit_kneser_ney()
        return self

    def _fit_kneser_ney(self) -> None:
        """Per order (by context length k): counts, totals and the number of distinct words
        after each context; raw at the top order, continuation counts below it."""
        self._kn = []
        for k in range(self.n):
            if k == self.n - 1:
                counts, totals = self._counts[k], self._totals[k]
            else:
                above = self._counts[k + 1]
                counts = Counter(map(_drop_first, above))  # g w -> N1+(. g w)
                totals = Counter(map(_middle, above))  # g -> N1+(. g .)
            self._kn.append((counts, totals, Counter(map(_context_of, counts))))
        # What the lowest order can predict: words seen after some word (any word for n = 1).
        self._kn_support = {gram[0] for gram in self._kn[0][0]} | {UNK}

    # ----------------------------------------------------------------------------- scoring

    def _check_fitted(self, method: str) -> None:
        if not self._counts:
            raise ValueError(f"this NGramLM is not fitted yet: call fit(sentences) before {method}")

    def _lookup(self, word: str) -> str:
        return word if word in self._vocab else UNK

    def _context(self, context) -> tuple[str, ...]:
        """The last n-1 words of ``context`` (None: no context), read through the vocabulary."""
        if context is None:
            return ()
        if type(context) not in (tuple, list):  # skip the slower abstract check for the usual types
            if isinstance(context, str) or not isinstance(context, Sequence):
                raise ValueError(
                    "context must be None or a list/tuple of str tokens such as ('to', 'be'), "
                    f"got {type(context).__name__} {context!r:.40}"
                )
            context = list(context)
        _check_str(context, "context")
        return tuple(map(self._lookup, context[max(0, len(context) - self.n + 1) :]))

    def _prob(self, word: str, context: tuple[str, ...]) -> float:
        """P(word | context) for a word and context already read through the vocabulary."""
        if self.smoothing == "kneser_ney":
            d = self.discount
            prob = 1 / len(self._kn_support) if word in self._kn_support else 0.0
            for k in range(len(context) + 1):  # from the lowest order up
                counts, totals, types = self._kn[k]
                history = context[len(context) - k :]
                total = totals.get(history)
                if total:
                    discounted = max(counts.get((*history, word), 0) - d, 0.0)
                    prob = (discounted + d * types[history] * prob) / total
            return prob
        k = len(context)
        count = self._counts[k].get((*context, word), 0)
        total = self._totals[k].get(context, 0)
        if self.smoothing == "mle":
            return count / total if total else 0.0
        return (count + self.gamma) / (total + self.gamma * len(self._vocab))

    def prob(self, word: str, context: Sequence[str] | None = None) -> float:
        """P(word | context); unknown words are read as ``<UNK>``, and only the last n-1 words of
        the context count."""
        self._check_fitted("prob()")
        if not isinstance(word, str):
            raise ValueError(f"word must be a str, got {type(word).__name__} {word!r:.40}")
        return self._prob(self._lookup(word), self._context(context))

    def logprob(self, word: str, context: Sequence[str] | None = None) -> float:
        """log2 P(word | context), as nltk's ``logscore``; -inf where the probability is 0."""
        prob = self.prob(word, context)
        return math.log2(prob) if prob > 0 else -math.inf

    def ngrams(self, sentence: Sequence[str]) -> list[tuple[str, ...]]:
        """The order-n n-grams of the padded sentence, read through the vocabulary: what
        ``perplexity`` scores."""
        self._check_fitted("ngrams()")
        words = [BOS] * (self.n - 1) + _tokens(sentence, "sentence") + [EOS] * (self.n - 1)
        words = [self._lookup(w) for w in words]
        return list(zip(*(words[i:] for i in range(self.n))))

    def cross_entropy(self, sentences: Iterable[Sequence[str]]) -> float:
        """Mean -log2 P(w | h) over the order-n n-grams of the padded sentences, in bits."""
        self._check_fitted("cross_entropy()")
        if isinstance(sentences, str) or not isinstance(sentences, Iterable):
            raise ValueError("sentences must be an iterable of token lists, e.g. [['hi', '!']]")
        logs = []
        for sentence in sentences:
            for gram in self.ngrams(sentence):
                prob = self._prob(gram[-1], gram[:-1])
                logs.append(math.log2(prob) if prob > 0 else -math.inf)
        if not logs:
            raise ValueError("sentences hold no n-grams to score (for n = 1: no tokens)")
        return -math.fsum(logs) / len(logs)

    def perplexity(self, sentences: Iterable[Sequence[str]]) -> float:
        """2 ** cross_entropy(sentences), as nltk's ``perplexity``; inf if an n-gram has P = 0."""
        return 2.0 ** self.cross_entropy(sentences)

    # ----------------------------------------------------------------------------- views

    @property
    def vocab(self) -> tuple[str, ...]:
        """The vocabulary, sorted: words seen at least unk_cutoff times, the pads, ``<UNK>``."""
        self._check_fitted("vocab")
        return tuple(self._words)

    @property
    def vocab_size(self) -> int:
        """|V|, the size of the vocabulary (``<UNK>`` and the pads included), as nltk's."""
        self._check_fitted("vocab_size")
        return len(self._words)

    def count(self, ngram: str | Sequence[str]) -> int:
        """How often an n-gram (1 to n words; a str is one word) occurs in the padded training
        sentences, its words read through the vocabulary."""
        self._check_fitted("count()")
        words = _tokens([ngram] if isinstance(ngram, str) else ngram, "ngram")
        if not 1 <= len(words) <= self.n:
            raise ValueError(f"ngram must have 1 to n={self.n} words, got {len(words)}")
        return self._counts[len(words) - 1].get(tuple(self._lookup(w) for w in words), 0)

    def continuations(self, context: Sequence[str] | None = None) -> dict[str, int]:
        """The words that followed ``context`` in training with their counts, most frequent
        first (None: the unigram counts)."""
        self._check_fitted("continuations()")
        history = self._context(context)
        found = [(g[-1], c) for g, c in self._counts[len(history)].items() if g[:-1] == history]
        return dict(sorted(found, key=lambda item: (-item[1], item[0])))

    def distribution(self, context: Sequence[str] | None = None) -> dict[str, float]:
        """{w: P(w | context)} for every w of ``vocab``: what ``generate`` samples from."""
        self._check_fitted("distribution()")
        history = self._context(context)
        return {word: self._prob(word, history) for word in self._words}

    def generate(
        self, num_words: int, context: Sequence[str] | None = None, seed: int | None = None
    ) -> list[str]:
        """Sample up to ``num_words`` words after ``context`` (the start of a sentence, None for
        none), stopping early at ``</s>``; the same seed gives the same words.

        Each word is drawn from the full distribution over the vocabulary (nltk draws only among
        the words seen after the context). Where MLE has never seen the context, the context
        is shortened until it has, as nltk does.
        """
        self._check_fitted("generate()")
        if not isinstance(num_words, int) or isinstance(num_words, bool) or num_words < 0:
            raise ValueError(f"num_words must be an int >= 0, got {num_words!r}")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError(f"seed must be an int or None, got {seed!r}")
        rng = random.Random(seed)
        history = [BOS] * (self.n - 1) + list(self._context(context))
        words: list[str] = []
        for _ in range(num_words):
            recent = tuple(history[len(history) - self.n + 1 :]) if self.n > 1 else ()
            cumulative = list(accumulate(self._prob(w, recent) for w in self._words))
            while not cumulative[-1]:  # only MLE: a context never seen in training
                recent = recent[1:]
                cumulative = list(accumulate(self._prob(w, recent) for w in self._words))
            i = bisect(cumulative, rng.random() * cumulative[-1])
            word = self._words[min(i, len(self._words) - 1)]
            if word == EOS:
                break
            words.append(word)
            history.append(word)
        return words
