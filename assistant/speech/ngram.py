"""A small word n-gram language model written as an ARPA file (what PocketSphinx reads).

Interpolated absolute discounting: for a history h seen c(h) times with N(h) distinct
followers, p(w | h) = max(c(h w) - D, 0) / c(h) + lambda(h) * p(w | h minus its first word),
with lambda(h) = D * N(h) / c(h). The unigrams are add-`UNIGRAM_PRIOR` smoothed so every
vocabulary word stays reachable. For such a model the ARPA back-off weight of h is exactly
lambda(h), so the file lists the interpolated probability of every seen n-gram and lambda as
the back-off weight of every history.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

BOS, EOS = "<s>", "</s>"
DISCOUNT = 0.7
UNIGRAM_PRIOR = 0.5
_LOG10_FLOOR = -99.0

Gram = tuple[str, ...]


def write_arpa(
    sentences: Iterable[tuple[Sequence[str], float]],
    path: Path,
    order: int = 3,
    unigrams: Mapping[str, float] | None = None,
    continuations: Iterable[tuple[Sequence[str], float]] = (),
) -> int:
    """Write the `order`-gram model of `sentences` (word lists, each with a count weight) to
    `path`; `continuations` (the same) are counted without the sentence start, so only
    `sentences` say how a sentence begins; `unigrams` adds counts to single words only (a
    background vocabulary). Returns the vocabulary size (with <s> and </s>)."""
    counts: list[Counter[Gram]] = [Counter() for _ in range(order)]
    for word, count in (unigrams or {}).items():
        counts[0][(word,)] += count
    padded_corpus = itertools.chain(
        (([BOS, *words, EOS], weight) for words, weight in sentences),
        (([*words, EOS], weight) for words, weight in continuations),
    )
    for padded, weight in padded_corpus:
        for n in range(1, order + 1):
            for i in range(len(padded) - n + 1):
                counts[n - 1][tuple(padded[i : i + n])] += weight
    counts[0].pop((BOS,), None)
    vocab = sorted({w for (w,) in counts[0]} | {BOS})

    total = sum(counts[0].values())
    denominator = total + UNIGRAM_PRIOR * (len(vocab) - 1)
    probs: list[dict[Gram, float]] = [
        {(w,): (counts[0][(w,)] + UNIGRAM_PRIOR) / denominator for w in vocab if w != BOS}
    ]
    lambdas: dict[Gram, float] = {}
    for n in range(2, order + 1):
        history_total: dict[Gram, float] = defaultdict(float)
        followers: dict[Gram, int] = defaultdict(int)
        for gram, c in counts[n - 1].items():
            history_total[gram[:-1]] += c
            followers[gram[:-1]] += 1
        for h, c in history_total.items():
            lambdas[h] = DISCOUNT * followers[h] / c
        probs.append(
            {
                gram: max(c - DISCOUNT, 0.0) / history_total[gram[:-1]]
                + lambdas[gram[:-1]] * _prob(probs, lambdas, gram[1:])
                for gram, c in counts[n - 1].items()
            }
        )

    with path.open("w", encoding="utf-8") as f:
        f.write("\\data\\\n")
        f.write(f"ngram 1={len(vocab)}\n")
        for n in range(2, order + 1):
            f.write(f"ngram {n}={len(probs[n - 1])}\n")
        f.write("\n\\1-grams:\n")
        for w in vocab:
            logp = _LOG10_FLOOR if w == BOS else math.log10(probs[0][(w,)])
            f.write(_line(logp, (w,), lambdas, order > 1))
        for n in range(2, order + 1):
            f.write(f"\n\\{n}-grams:\n")
            for gram in sorted(probs[n - 1]):
                f.write(_line(math.log10(probs[n - 1][gram]), gram, lambdas, n < order))
        f.write("\n\\end\\\n")
    return len(vocab)


def _prob(probs: list[dict[Gram, float]], lambdas: dict[Gram, float], gram: Gram) -> float:
    """p(gram[-1] | gram[:-1]) of the model built so far, backing off through lambda."""
    level = probs[len(gram) - 1]
    if gram in level:
        return level[gram]
    if len(gram) == 1:
        return 0.0
    return lambdas.get(gram[:-1], 1.0) * _prob(probs, lambdas, gram[1:])


def _line(logp: float, gram: Gram, lambdas: dict[Gram, float], with_backoff: bool) -> str:
    text = f"{logp:.5f}\t{' '.join(gram)}"
    if with_backoff and gram in lambdas:
        text += f"\t{math.log10(lambdas[gram]):.5f}"
    return text + "\n"
