"""The names in a question that the documents never mention.

A question that names something asks about that thing: when no passage holds the name, the
documents cannot answer it, however sure the reader is of a span in some related passage ("What
is the MIME type of a FLAC audio file?" asked of a specification that never says FLAC). A name
is a word with a capital letter (the question's first word and "I" aside, and none in a question
written all in capitals) or a digit; an ordinal's suffix and a possessive are dropped ("27th" ->
"27", "NYC's" -> "NYC").

A name is mentioned when any of its retrieval terms (`assistant.text.tokenize`, which folds
case, accents and plurals) is in the library, also with one letter added, dropped, changed or
two swapped for a term of TYPO_MIN_LETTERS or more ("Septermber", "Solznic" for "Solzinc"), or,
written in capitals, when it is the initials of capitalised words in a row ("NYC" for "New York
City"); the library's ordinals count as their numbers too ("46th" mentions 46). A run of
neighbouring name words is mentioned when every number in it is and at least half of its words
are: a long name keeps its meaning through one misspelt or shortened word ("Father Josh
Carrier", "Verizon Lades First Tour", "Superbowl 50"), while a number tells models and years apart
("Raspberry Pi 5" is not mentioned by documents about the Raspberry Pi 4).

Lower-case words are not checked: a question may put the documents' words differently ("how
big" for "size"). A transcript of a spoken question is lower case (every recognizer's, Whisper's
lower-cased by `assistant.speech.whisper.spoken_form`), so only its numbers are checked: a
recognizer spells a name as it hears it, PocketSphinx with the words of the documents' LM,
Whisper its own way ("Granger" for "graingert"), and a misheard name is no sign that the
documents lack it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.retrieval.index import Library, index_text
from assistant.text import tokenize

TYPO_MIN_LETTERS = 5
_EDGE_PUNCTUATION = "\"'“”‘’()[]{}<>,.;:!?"
_SUFFIX = re.compile(r"^(\d+)(?:st|nd|rd|th|s)$|^(.+?)['’]s$", re.IGNORECASE)
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)+")
_INITIALISM = range(2, 7)  # letters


def name_runs(question: str) -> list[list[str]]:
    """The words of `question` that name something, in runs of neighbouring words ("Raspberry
    Pi 5"), in order."""
    runs: list[list[str]] = []
    cased = any(c.islower() for c in question)
    last = -2
    for position, raw in enumerate(question.split()):
        word = raw.strip(_EDGE_PUNCTUATION)
        if not word:
            continue
        capital = cased and (
            any(c.isupper() for c in word[1:])
            or (word[0].isupper() and position > 0 and word != "I")
        )
        if capital or _has_digit(word):
            if position != last + 1:
                runs.append([])
            runs[-1].append(_SUFFIX.sub(lambda m: m.group(1) or m.group(2), word))
            last = position
    return runs


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Vocabulary:
    """What a library mentions: its retrieval terms and the initials of its runs of
    capitalised words."""

    def __init__(self, terms: frozenset[str], texts: Iterable[str]) -> None:
        """`terms`: the library's retrieval terms; `texts`: its passages (for initials)."""
        numbers = {m.group(1) for t in terms if (m := _ORDINAL.match(t))}
        self._terms = terms | numbers
        initialisms = set()
        for text in texts:
            for run in _CAPITALISED_RUN.finditer(text):
                initials = "".join(word[0] for word in run.group().split())
                for size in _INITIALISM:
                    initialisms.update(
                        initials[i : i + size] for i in range(len(initials) - size + 1)
                    )
        self._initialisms = frozenset(initialisms)
        self._near: frozenset[str] | None = None  # terms with one letter dropped, built once

    @classmethod
    def of(cls, library: Library) -> Vocabulary:
        return cls(library.terms, (index_text(p) for p in library.passages))

    def mentions(self, name: str) -> bool:
        """Whether the library mentions `name` (one word), as the module says; True for a word
        retrieval ignores (no terms: a stopword such as "May"), which names nothing to look for."""
        if name.isalpha() and name.isupper() and name in self._initialisms:
            return True
        terms = tokenize(name)
        return (
            not terms
            or any(t in self._terms for t in terms)
            or any(len(t) >= TYPO_MIN_LETTERS and t.isalpha() and self._one_typo(t) for t in terms)
        )

    def _one_typo(self, term: str) -> bool:
        """Whether a library term is one letter added, dropped, changed or swapped from `term`
        (a symmetric-deletion match: the two share a form with at most one letter dropped)."""
        if self._near is None:
            near = set()
            for known in self._terms:
                if len(known) >= TYPO_MIN_LETTERS - 1 and known.isalpha():
                    near |= _deletions(known)
            self._near = frozenset(near)
        mine = _deletions(term)
        return term in self._near or any(d in self._terms or d in self._near for d in mine)


def unmentioned(question: str, vocabulary: Vocabulary) -> list[str]:
    """The names of `question` that `vocabulary` does not mention, each as its whole run of
    neighbouring name words ("Raspberry Pi 5" when the documents have neither Raspberry nor
    Pi), each once; [] when every name is in the documents, or the question names nothing.
    A run is mentioned when all its numbers and at least half of its words are."""
    absent: list[str] = []
    for run in name_runs(question):
        phrase = " ".join(run)
        known = [vocabulary.mentions(word) for word in run]
        numbers_known = all(k for k, word in zip(known, run, strict=True) if _has_digit(word))
        if not (numbers_known and 2 * sum(known) >= len(run)) and phrase not in absent:
            absent.append(phrase)
    return absent


def _has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)
