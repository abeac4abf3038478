"""How far an answer's passage is from what the question is about: a score penalty.

A reader trained on encyclopaedia prose answers almost anything from a passage that looks
related: "How many eggs for pancakes?" gets "1" from the banana-bread recipe, "How long is the
dishwasher guarantee?" gets the washing machine's "2 years". Two signals say the passage is not
about the question's subject, and each lowers that answer's score:

- a *term* of the question that no document of the library contains ("pancakes", "duvet"),
  also not misspelt or as initials (`unmentioned.Vocabulary.mentions`: "steet", "NYC"):
  `ABSENT_TERM_PENALTY` for each, on every answer (the documents cannot be about it);
- a *name* of the question (a capitalised word after the first, or a word with a digit: "Year
  4", "route 12", "Sunday") that the answer's passage, with its title, section and file name,
  does not contain: `MISSING_NAME_PENALTY` for each, on that answer.

Terms are the question's words without stopwords and without the words that only say what kind
of answer is wanted ("how long", "what time", "phone number", "how much does it cost"),
compared by their Snowball stems ("baking" = "bake", "meaning" = "mean"). The weights were
chosen on the tune part of the household benchmark (`bench/home_documents.py`) and checked on
held-out training articles, where the open F1 did not fall (docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import snowballstemmer

from assistant.answering.unmentioned import Vocabulary
from assistant.documents.passages import Passage
from assistant.retrieval.index import Hit, Library, index_text
from assistant.text import STOPWORDS

ABSENT_TERM_PENALTY = 5.0
MISSING_NAME_PENALTY = 3.0

# words that say what kind of answer is wanted, not what it is about
ANSWER_SHAPE_WORDS = frozenset(
    "long much many often soon quick quickly far big small old age wide tall heavy time times "
    "date day days week weeks month months year years hour hours minute minutes temperature "
    "phone telephone number email address cost price costs fee need needs get go goes take "
    "takes make made do happen tell know say said called name kind type allowed use used "
    "until after before since which what when where who whom whose why how there".split()
)
_WORD = re.compile(r"[^\W_]+")
_stemmer = snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of a lower-case word."""
    return _stemmer.stemWord(word)


def stems(text: str) -> set[str]:
    """The stems of every word of `text`."""
    return {stem(word) for word in _WORD.findall(text.lower())}


def question_words(question: str) -> list[tuple[str, bool]]:
    """The words of `question` that say what it is about, each with whether it is a name
    (see the module docstring)."""
    found = []
    for position, word in enumerate(_WORD.findall(question)):
        lower = word.lower()
        if len(word) < 2 or lower in STOPWORDS or lower in ANSWER_SHAPE_WORDS:
            continue
        named = any(c.isdigit() for c in word) or (position > 0 and word[0].isupper())
        found.append((word, named))
    return found


@dataclass(frozen=True)
class QuestionSubject:
    """What one question is about, against one library: the stems of its names and how many of
    its words no document contains."""

    names: frozenset[str]
    absent_terms: int

    def penalty(self, hit: Hit) -> float:
        """The score penalty of an answer from the passage of `hit`."""
        missing = self.names - stems(_searchable(hit.passage)) if self.names else set()
        return ABSENT_TERM_PENALTY * self.absent_terms + MISSING_NAME_PENALTY * len(missing)


class Subject:
    """The library's words, against which a question's subject is checked."""

    def __init__(self, texts: Iterable[str], vocabulary: Vocabulary) -> None:
        """`texts`: the library's passages; `vocabulary`: what it mentions, for misspelt words
        and initials."""
        self._words: frozenset[str] = frozenset().union(*(stems(text) for text in texts))
        self._vocabulary = vocabulary

    @classmethod
    def of(cls, library: Library, vocabulary: Vocabulary) -> Subject:
        return cls((_searchable(p) for p in library.passages), vocabulary)

    def about(self, question: str) -> QuestionSubject:
        """The subject of `question`: read once, then `penalty` for each passage."""
        words = question_words(question)
        absent = sum(
            stem(word.lower()) not in self._words and not self._vocabulary.mentions(word)
            for word, _ in words
        )
        names = frozenset(stem(word.lower()) for word, named in words if named)
        return QuestionSubject(names, absent)


def _searchable(passage: Passage) -> str:
    """A passage's text with its title, section and file name: where its subject is named."""
    return f"{index_text(passage)}\n{passage.file}"
