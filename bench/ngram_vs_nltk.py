r"""N-gram language models: minillm's NGramLM next to nltk.lm on the same tinyshakespeare split, in
the same run: time to fit and to compute the perplexity, and the perplexities, for a word trigram
model with Laplace smoothing and with interpolated Kneser-Ney (discount 0.1).

Split: the non-empty lines, the first 90 % to train and the rest to test, each line lower-cased and
cut into \w+|[^\w\s] tokens; the perplexity is over the trigrams of each padded test line (what
nltk's perplexity is given). nltk's Kneser-Ney takes tens of milliseconds per trigram, so both
models score only the first --kn-lines test lines for the timing; ours then scores all of them.

    .venv/bin/python bench/ngram_vs_nltk.py [--kn-lines 50]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time

from _machine import cpu_name

from minillm.data import corpus_available, load_corpus
from minillm.ngram import NGramLM

N = 3
WORD = re.compile(r"\w+|[^\w\s]")


def split() -> tuple[list[list[str]], list[list[str]]]:
    """(train, test): the first 90 % of the non-empty lines and the rest, as lower-cased tokens."""
    lines = [line for line in load_corpus("tinyshakespeare").split("\n") if line.strip()]
    cut = int(0.9 * len(lines))
    return [WORD.findall(line.lower()) for line in lines[:cut]], [
        WORD.findall(line.lower()) for line in lines[cut:]
    ]


def trigrams(sentences: list[list[str]]) -> int:
    """How many trigrams the padded sentences hold: len + 2 pads on each side - 2."""
    return sum(len(s) + N - 1 for s in sentences)


def timed(fn):
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_ours(smoothing: str, train, test) -> tuple[float, float, float]:
    """Fit seconds, perplexity seconds, perplexity."""
    t_fit, lm = timed(lambda: NGramLM(N, smoothing).fit(train))
    t_score, perplexity = timed(lambda: lm.perplexity(test))
    return t_fit, t_score, perplexity


def run_nltk(model_cls, train, test) -> tuple[float, float, float]:
    """Fit seconds, perplexity seconds, perplexity, as the nltk.lm documentation does it."""
    from nltk.lm.preprocessing import pad_both_ends, padded_everygram_pipeline
    from nltk.util import ngrams

    def fit():
        lm = model_cls(N)
        lm.fit(*padded_everygram_pipeline(N, train))
        return lm

    def perplexity(lm):
        return lm.perplexity([g for s in test for g in ngrams(pad_both_ends(s, n=N), N)])

    t_fit, lm = timed(fit)
    t_score, result = timed(lambda: perplexity(lm))
    return t_fit, t_score, result


def ratio(ours: float, reference: float) -> str:
    return f"{ours / reference:.9f}" if math.isfinite(reference) and reference else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kn-lines", type=int, default=50)
    args = parser.parse_args()
    try:
        import nltk
        from nltk.lm import KneserNeyInterpolated, Laplace
    except ImportError:
        print("nltk is not installed (pip install nltk); nothing to compare against.")
        return
    if not corpus_available("tinyshakespeare"):
        print("tinyshakespeare is not cached: run load_corpus('tinyshakespeare') once; skipping")
        return

    train, test = split()
    kn_test = test[: args.kn_lines]
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(
        f"minillm NGramLM vs nltk {nltk.__version__} nltk.lm, word {N}-grams on tinyshakespeare: "
        f"{len(train):,} train lines, {len(test):,} test lines ({trigrams(test):,} trigrams)"
    )
    laplace = run_nltk(Laplace, train, test), run_ours("laplace", train, test)
    kn = run_nltk(KneserNeyInterpolated, train, kn_test), run_ours("kneser_ney", train, kn_test)
    t_full, kn_full = timed(lambda: NGramLM(N, "kneser_ney").fit(train).perplexity(test))

    print()
    header = ("time", "nltk s", "ours s", "speed-up", "ours/nltk")
    print(f"{header[0]:<50} {header[1]:>9} {header[2]:>9} {header[3]:>9} {header[4]:>10}")
    for name, ((ref_fit, ref_score, _), (fit, score, _)), sentences in [
        ("Laplace", laplace, test),
        ("Kneser-Ney", kn, kn_test),
    ]:
        for label, ref, ours in [
            ("fit", ref_fit, fit),
            (f"perplexity, {len(sentences):,} lines", ref_score, score),
            ("fit + perplexity", ref_fit + ref_score, fit + score),
        ]:
            print(
                f"{name + ': ' + label:<50} {ref:>9.3f} {ours:>9.3f} {ref / ours:>8.1f}x "
                f"{ours / ref:>10.3g}"
            )
    estimate = kn[0][0] + kn[0][1] / trigrams(kn_test) * trigrams(test)
    label = f"Kneser-Ney: fit + perplexity, {len(test):,} lines"
    print(f"{label:<50} {'~' + format(estimate, '.0f'):>9} {t_full:>9.3f}   (nltk: estimated)")

    print()
    header = ("perplexity", "nltk", "ours", "ours/nltk")
    print(f"{header[0]:<50} {header[1]:>12} {header[2]:>12} {header[3]:>12}")
    for label, ref, ours in [
        (f"Laplace, {len(test):,} test lines", laplace[0][2], laplace[1][2]),
        (f"Kneser-Ney, first {len(kn_test):,} test lines", kn[0][2], kn[1][2]),
        (f"Kneser-Ney, {len(test):,} test lines", math.nan, kn_full),
    ]:
        shown = "not run" if math.isnan(ref) else f"{ref:.6f}"
        print(f"{label:<50} {shown:>12} {ours:>12.6f} {ratio(ours, ref):>12}")


if __name__ == "__main__":
    main()
