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
  does not contain: `MISSING_NAME_PENALTY` for each, on that answer;
- a term of the question that names what some document is about (a word of a document's
  title, a section heading or its file name: "dishwasher", "flapjacks", "washing machine")
  while the answer's document never says it: `OTHER_SUBJECT_PENALTY` for each, on that answer
  ("How long is the dishwasher guarantee?" answered by the washing-machine manual's "2 years");
- a term of the question that is a word of some section's heading while the answer's passage,
  with its title, section and file name, never says it: `OTHER_SECTION_PENALTY` for each, on
  that answer ("How long can I freeze the flapjacks?" answered by the lentil soup's "freezes
  for up to 2 months" of the same recipe file).

One signal says the opposite, and raises the score: the sentence that holds the answer, with
its passage's title, section and file name, has every term of the question (`SAID_BONUS`). A
reader's score is lowest on a long passage of many alike facts, where the answer's sentence
still says exactly what was asked ("Deputy Head Teacher: Mr Tom Reyes" in a list of staff);
an answer from a sentence about something else rarely has every word of the question in it.
A question of fewer than `SAID_MIN_TERMS` such words says too little for that to mean anything:
a misheard spoken question ("what is to problem", "what is or to u") has one or none, and with
the bonus got confident answers from documents that do not hold them (3 more false answers of
160 spoken askings of training questions whose article was not loaded; no typed figure moves).

Terms are the question's words without stopwords and without the words that only say what kind
of answer is wanted ("how long", "what time", "phone number", "how much does it cost"),
compared by their Snowball stems ("baking" = "bake", "meaning" = "mean"). The weights were
chosen on the tune part of the household benchmark (`bench/home_documents.py`) and checked on
held-out training articles, where the open F1 did not fall (docs/benchmarks.md).
OTHER_SUBJECT_PENALTY: 3, 5 and 8 gave the same tune figures at the shipped threshold (1 false
answer fewer, no right answer lost), 8 one fewer on the held part; 5, as for an absent term.
Encyclopaedia articles name their own subjects, so held-out training articles are unchanged.
OTHER_SECTION_PENALTY: 2 and 3 gave the same tune figures (false answers 17 -> 14 of 50, no
right answer lost; held part unchanged), as did the real-document bench; held-out training
articles have no sections. The same check with titles and file names too cost 0.55 open F1 there.
SAID_BONUS: 2, 3, 4 and 5 gave the same household tune figures (right answers 111 -> 115 of 150,
false answers unchanged at 17 of 50), and on held-out training articles (4 held out) open F1
57.37 -> 58.43 at 2 and 3, 58.21 at 4 and 5, still 1 false answer of 75.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import snowballstemmer

from assistant.answering.unmentioned import Vocabulary
from assistant.documents.passages import Passage
from assistant.retrieval.index import Hit, Library, index_text
from assistant.text import STOPWORDS

ABSENT_TERM_PENALTY = 5.0
MISSING_NAME_PENALTY = 3.0
OTHER_SUBJECT_PENALTY = 5.0
OTHER_SECTION_PENALTY = 3.0
SAID_BONUS = 3.0
SAID_MIN_TERMS = 2

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


DocumentKey = tuple[str, str]  # (collection, file)


@dataclass(frozen=True)
class QuestionSubject:
    """What one question is about, against one library: the stems of its names, how many of
    its words no document contains, its words that name some document's subject or some
    section, with the words of every document (`Subject.documents`)."""

    names: frozenset[str]
    absent_terms: int
    subjects: frozenset[str]
    sections: frozenset[str]  # its words that are words of a section heading
    documents: Mapping[DocumentKey, frozenset[str]]
    terms: frozenset[str]  # the stems of all its words

    def said_bonus(self, sentence: str, passage: Passage) -> float:
        """The score bonus of an answer in `sentence` of `passage`: SAID_BONUS when the
        sentence, with the passage's title, section and file name, holds every word of the
        question (it says what the question asks about, in the question's words) and the
        question has SAID_MIN_TERMS words or more, else 0."""
        if len(self.terms) < SAID_MIN_TERMS:
            return 0.0
        where = f"{sentence}\n{passage.title}\n{passage.section}\n{passage.file}"
        return SAID_BONUS if self.terms <= stems(where) else 0.0

    def penalty(self, hit: Hit) -> float:
        """The score penalty of an answer from the passage of `hit`."""
        here = stems(_searchable(hit.passage)) if self.names or self.sections else set()
        unsaid = self.subjects - self.documents.get((hit.collection, hit.passage.file), set())
        return (
            ABSENT_TERM_PENALTY * self.absent_terms
            + MISSING_NAME_PENALTY * len(self.names - here)
            + OTHER_SUBJECT_PENALTY * len(unsaid)
            + OTHER_SECTION_PENALTY * len(self.sections - here)
        )


class Subject:
    """The library's words, per document, and the words that name what its documents are
    about, against which a question's subject is checked."""

    def __init__(self, passages: Iterable[tuple[str, Passage]], vocabulary: Vocabulary) -> None:
        """`passages`: the library's passages with their collection's name; `vocabulary`: what
        it mentions, for misspelt words and initials."""
        documents: dict[DocumentKey, set[str]] = {}
        headings: set[str] = set()
        sections: set[str] = set()
        for collection, passage in passages:
            documents.setdefault((collection, passage.file), set()).update(
                stems(_searchable(passage))
            )
            headings |= stems(f"{passage.title}\n{passage.section}\n{Path(passage.file).stem}")
            sections |= stems(passage.section)
        self.documents = {key: frozenset(words) for key, words in documents.items()}
        self._words: frozenset[str] = frozenset().union(*self.documents.values())
        self._headings = frozenset(headings)
        self._sections = frozenset(sections)
        self._vocabulary = vocabulary

    @classmethod
    def of(cls, library: Library, vocabulary: Vocabulary) -> Subject:
        return cls(((c.name, p) for c in library.collections for p in c.passages), vocabulary)

    def about(self, question: str) -> QuestionSubject:
        """The subject of `question`: read once, then `penalty` for each passage."""
        words = question_words(question)
        absent = sum(
            stem(word.lower()) not in self._words and not self._vocabulary.mentions(word)
            for word, _ in words
        )
        names = frozenset(stem(word.lower()) for word, named in words if named)
        terms = frozenset(stem(word.lower()) for word, _ in words)
        return QuestionSubject(
            names, absent, terms & self._headings, terms & self._sections, self.documents, terms
        )


def _searchable(passage: Passage) -> str:
    """A passage's text with its title, section and file name: where its subject is named."""
    return f"{index_text(passage)}\n{passage.file}"
