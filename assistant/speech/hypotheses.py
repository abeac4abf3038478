"""Choosing and repairing a recognizer's transcript with the documents' vocabulary.

`choose` takes the recognizer's n-best hypotheses (best first) and keeps the one whose content
words the documents support best: the largest share of them found in the documents; ties go
to the recognizer's own order. `Repairer.repair` replaces a content word (or
two adjacent ones) that the documents lack by a document word that sounds nearly the same
(phone edit distance at most `MAX_DISTANCE` of the length), only when that word is the single
closest one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from assistant.text import STOPWORDS

MAX_DISTANCE = 0.34  # phone edits per phone of the document word
MIN_PHONES = 4  # shorter words are too easy to match by accident


def _content(words: Iterable[str]) -> list[str]:
    return [w for w in words if w not in STOPWORDS]


def support(hypothesis: str, vocabulary: frozenset[str] | set[str]) -> float:
    """The share of the hypothesis's content words that the documents have (0 for none)."""
    content = _content(hypothesis.split())
    return sum(w in vocabulary for w in content) / len(content) if content else 0.0


def choose(nbest: Sequence[str], vocabulary: frozenset[str] | set[str]) -> str:
    """The best-supported hypothesis of `nbest` (best first; ties keep that order); "" for
    an empty list."""
    if not nbest:
        return ""
    return max(enumerate(nbest), key=lambda h: (support(h[1], vocabulary), -h[0]))[1]


def read_phones(path: Path, words: set[str] | None = None) -> dict[str, tuple[str, ...]]:
    """First pronunciation of each word of a CMU-format dictionary (of `words` if given)."""
    phones: dict[str, tuple[str, ...]] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            head, _, rest = line.partition(" ")
            if "(" in head or (words is not None and head not in words):
                continue
            phones[head] = tuple(rest.split())
    return phones


def _distance(a: Sequence[str], b: Sequence[str], limit: int) -> int:
    """Levenshtein distance of two phone sequences, or limit + 1 once it must exceed limit."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


class Repairer:
    """Moves near-miss words toward similar-sounding document words."""

    def __init__(
        self, document_phones: Mapping[str, tuple[str, ...]], english_phones: Mapping[str, tuple]
    ) -> None:
        """`document_phones`: the documents' content words; `english_phones`: the recognizer's
        own dictionary, to pronounce the words it outputs."""
        self._english = english_phones
        self._by_length: dict[int, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
        for word, phones in document_phones.items():
            if word not in STOPWORDS and len(phones) >= MIN_PHONES and word.isalpha():
                self._by_length[len(phones)].append((word, phones))
        self._vocabulary = frozenset(document_phones)

    def knows(self, word: str) -> bool:
        """Whether `word` is a document word (kept as it is)."""
        return word in self._vocabulary

    def _closest(self, phones: tuple[str, ...]) -> str | None:
        best: list[tuple[int, str]] = []
        for length in range(len(phones) - 2, len(phones) + 3):
            limit = int(MAX_DISTANCE * max(length, 1))
            for word, candidate in self._by_length.get(length, ()):
                d = _distance(phones, candidate, limit)
                if d <= limit:
                    best.append((d, word))
        best.sort()
        if not best or (len(best) > 1 and best[1][0] == best[0][0]):
            return None
        return best[0][1]

    def repair(
        self, hypothesis: str, pronounced: Mapping[str, tuple[str, ...]] | None = None
    ) -> str:
        """`hypothesis` with its near-miss words moved to document words, each heard word
        pronounced by `pronounced` when given (a word it lacks is kept), else by the
        recognizer's dictionary."""
        english = self._english if pronounced is None else pronounced
        words = hypothesis.split()
        out: list[str] = []
        i = 0
        while i < len(words):
            word = words[i]
            if word in self._vocabulary or word in STOPWORDS or word not in english:
                out.append(word)
                i += 1
                continue
            pair = words[i + 1] if i + 1 < len(words) else None
            if pair is not None and pair not in self._vocabulary and pair in english:
                joined = self._closest(english[word] + english[pair])
                if joined is not None:
                    out.append(joined)
                    i += 2
                    continue
            out.append(self._closest(english[word]) or word)
            i += 1
        return " ".join(out)
