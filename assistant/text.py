"""Words as retrieval and the speech recognizer count them: stopwords and search terms.

`STOPWORDS` are the words that carry no topic (bm25s's English list plus question words);
`tokenize` turns text into BM25 terms. The retrieval index, the not-mentioned check and the
recognizer's transcript choice all use these, so they agree on what a content word is.
"""

from __future__ import annotations

import re
import unicodedata

from bm25s.stopwords import STOPWORDS_EN

STOPWORDS = frozenset(STOPWORDS_EN) | frozenset(
    "what when where who whom whose which why how does do did is are was were am has have had "
    "can could would should will shall may might must i me my you your we our us it its "
    "tell please about from".split()
)
_WORD = re.compile(r"[^\W_]+")
# C0 controls (newline and tab included), DEL and C1 controls: a terminal escape is one
_CONTROLS = dict.fromkeys([*range(0x20), 0x7F, *range(0x80, 0xA0)], " ")


def tokenize(text: str) -> list[str]:
    """BM25 terms: lower-cased words without accents ("Beyoncé" -> "beyonce"), no stopwords,
    plurals folded ("libraries" -> "library")."""
    terms = []
    for word in _WORD.findall(without_accents(text.lower())):
        if word in STOPWORDS:
            continue
        if len(word) > 4 and word.endswith("ies"):
            word = word[:-3] + "y"
        elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        terms.append(word)
    return terms


def without_accents(text: str) -> str:
    """`text` with combining accents removed ("café" -> "cafe")."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def without_controls(text: str) -> str:
    """`text` with every control character (newlines, tabs and terminal escapes too) as a space."""
    return text.translate(_CONTROLS)
