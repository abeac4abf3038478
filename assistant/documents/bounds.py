"""How big one passage may be, so that no document can make a question expensive.

The QA model reads a passage window by window, so the cost of a question grows with the
passage's word pieces, not its words: ``ab,ab,ab,...`` is one whitespace-separated word but
one piece per letter group and per comma. A passage is therefore bounded three ways:

- words (`max_words`, from the configuration: what a passage is meant to hold);
- `MAX_TOKENS` pre-tokens, the pieces BERT's basic tokenizer makes before WordPiece (runs of
  letters and digits, every other non-space character alone); WordPiece makes at least as many;
- `MAX_CHARS` characters, which bounds the rest: WordPiece never makes more pieces than characters.

`Size` measures text on the three axes; `cut_word` cuts a word that alone breaks a bound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TOKENS = 400  # a 250-word passage of ordinary prose has about 300
MAX_CHARS = 3000  # a 250-word passage of ordinary prose has about 1,600

_PRETOKEN = re.compile(r"[^\W_]+|\S", re.UNICODE)


@dataclass(frozen=True)
class Size:
    """Words, pre-tokens and characters (with one separating space per word) of some text."""

    words: int = 0
    tokens: int = 0
    chars: int = 0

    @classmethod
    def of(cls, text: str) -> Size:
        words = text.split()
        return cls(len(words), len(_PRETOKEN.findall(text)), sum(len(w) + 1 for w in words))

    def __add__(self, other: Size) -> Size:
        return Size(self.words + other.words, self.tokens + other.tokens, self.chars + other.chars)

    def fits(self, max_words: int) -> bool:
        """Within `max_words` words, `MAX_TOKENS` pre-tokens and `MAX_CHARS` characters."""
        return self.words <= max_words and self.tokens <= MAX_TOKENS and self.chars <= MAX_CHARS


def cut_word(word: str) -> list[str]:
    """`word` as one or more chunks that each fit the token and character bounds.

    Cuts fall between pre-tokens; a single pre-token over `MAX_CHARS` is cut by characters.
    """
    if Size.of(word).fits(max_words=1):
        return [word]
    chunks: list[str] = []
    start = 0
    tokens = 0
    for match in _PRETOKEN.finditer(word):
        end = match.end()
        if tokens and (tokens + 1 > MAX_TOKENS or end - start > MAX_CHARS - 1):
            chunks.append(word[start : match.start()])
            start, tokens = match.start(), 0
        tokens += 1
    chunks.append(word[start:])
    limit = MAX_CHARS - 1
    return [c[i : i + limit] for c in chunks for i in range(0, len(c), limit)]
