"""Answers that only point back at the question: "this group" for "Which group can read
/etc/shadow?".

A reader trained on prose often picks a phrase that refers to the answer instead of the
answer ("Members of this group", "this user", "it"), or the very noun the question asks for
("group" for "Which group owns /usr/src?"). Neither tells the listener anything.
`echo_filter(question)` says which answer texts do that: every content word of the answer is
already in the question (case and a plural "s" ignored; the function words below are not
content), and the answer either holds a referring word ("this", "it", "they"...) or is only
the noun after the question's "which"/"what". A short answer that names that noun only as
"this group" ("Membership in this group") points back as well, whatever else it says. An
answer that repeats another of the question's words is kept: the group that reads /etc/shadow
is "shadow". A question that offers a choice ("... larger: white or Asian?") is answered with
its own words, so it has no filter.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_WORD = re.compile(r"[^\W_]+")
_CHOICE = re.compile(r"\bor\b", re.IGNORECASE)
_ASKED_FOR = re.compile(r"\b(?:which|what)\s+([^\W_]+)", re.IGNORECASE)
REFERRING_WORDS = frozenset(
    "this that these those it its they them their he him his she her".split()
)
_DEMONSTRATIVES = frozenset("this that these those".split())
POINTING_WORDS = 4
FUNCTION_WORDS = REFERRING_WORDS | frozenset(
    "a an the we us our you your i me my of in on at to for by with from into as "
    "and but is are was were be been being do does did has have had can could will would "
    "shall should may might must what which who whom whose when where why how".split()
)


def _folded(word: str) -> str:
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def content_words(text: str) -> set[str]:
    """The words of `text` that carry content, lower-cased and without a plural "s". A capital
    letter alone is a label ("Glass A") and a capitalised word after the first a name ("in
    May"), hence content."""
    return _content(_WORD.findall(text))


def _content(words: list[str]) -> set[str]:
    return {
        _folded(word)
        for n, word in enumerate(words)
        if word.lower() not in FUNCTION_WORDS
        or (len(word) == 1 and word.isupper())
        or (n > 0 and word[0].isupper())
    }


def refers_back(text: str) -> bool:
    """Whether `text` holds a referring word ("this", "it", "they"...)."""
    return any(word.lower() in REFERRING_WORDS for word in _WORD.findall(text))


def _points_at(words: list[str], asked_for: set[str]) -> bool:
    """Whether `words` (at most POINTING_WORDS: a longer span may start with the answer itself,
    "messagebus — the daemon runs as this user") name the noun the question asks for only
    through a referring word ("Membership in this group" for "Which group ...?")."""
    if len(words) > POINTING_WORDS:
        return False
    named = [n for n, word in enumerate(words) if _folded(word) in asked_for]
    return bool(named) and all(n > 0 and words[n - 1].lower() in _DEMONSTRATIVES for n in named)


def echo_filter(question: str) -> Callable[[str], bool]:
    """A predicate: True for an answer text to `question` that only points back at it."""
    if _CHOICE.search(question):
        return lambda text: False
    asked = content_words(question)
    asked_for = {_folded(m) for m in _ASKED_FOR.findall(question)} & asked

    def echoes(text: str) -> bool:
        words = _WORD.findall(text)
        if _points_at(words, asked_for):
            return True
        content = _content(words)
        if not content <= asked:
            return False
        return refers_back(text) or content <= asked_for

    return echoes
