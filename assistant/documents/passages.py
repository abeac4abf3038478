"""Passages: the retrieval units a document is cut into.

`split_passages` turns a document into passages of about `passage_min_words`..
`passage_max_words` words (the [library] settings) built from whole lines of one section (a
line longer than the maximum is cut at sentence ends, or at word boundaries as a last resort);
no passage breaks the token and character bounds of `assistant.documents.bounds`; each passage
knows its file, 1-based position, the document's title and its section's heading path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from assistant.config import LibraryConfig
from assistant.documents.bounds import Size, cut_word
from assistant.documents.scan import Document


@dataclass(frozen=True)
class Passage:
    """A retrieval unit: `text` is passage number `position` (1-based) of file `file`.

    `title` is the document's title and `section` the heading path of the passage
    ("Utilities > Invoking asn1Parser", "" before the first heading).
    """

    file: str
    position: int
    text: str
    title: str = ""
    section: str = ""


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_HEADING = re.compile(r"^(#{1,6})\s+(\S.*)$")
_ESCAPED_HASH = re.compile(r"^(\s*)\\#")


def split_passages(document: Document, settings: LibraryConfig) -> list[Passage]:
    """Passages of whole lines within one section, each about `min_words`..`max_words` words
    (`settings.passage_min_words`, `settings.passage_max_words`).

    The text is in the layout of `assistant.documents.extraction`: ``#`` heading lines, blank lines
    between paragraphs, single newlines between lines that must stay apart. A heading line on
    top is the document's title (else the file name without its suffix); later headings form
    the section path ("Utilities > Invoking asn1Parser") of the passages under them. Within a
    section, lines are added to the current passage until it has at least `min_words`, never
    going over `max_words` or the token and character bounds of `bounds`; longer lines
    are first cut into sentence groups within those bounds (at word boundaries, or inside a
    word that alone breaks them, as a last resort). Passages keep the newlines between their
    lines (an answer span never crosses one); the last passage of a section may be shorter.
    """
    min_words, max_words = settings.passage_min_words, settings.passage_max_words
    lines = document.text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    top = _HEADING.match(lines[first])
    title = top.group(2).strip() if top else Path(document.name).stem
    path: list[tuple[int, str]] = []  # the open headings (level, text), outermost first
    sections: list[tuple[str, list[tuple[str, str]]]] = [("", [])]  # (section, [(sep, piece)])
    separator = "\n\n"
    for number, line in enumerate(lines):
        match = _HEADING.match(line)
        if match:
            level = len(match.group(1))
            while path and path[-1][0] >= level:
                path.pop()
            # the title heading is not part of the section path
            name = "" if top and number == first else " ".join(match.group(2).split())
            path.append((level, name))
            sections.append((" > ".join(name for _, name in path if name), []))
            separator = "\n\n"
            continue
        line = " ".join(_ESCAPED_HASH.sub(r"\1#", line).split())
        if not line:
            separator = "\n\n"
            continue
        for n, piece in enumerate(_cut_long(line, max_words)):
            sections[-1][1].append((separator if n == 0 else " ", piece))
        separator = "\n"
    if top and not any(pieces for _, pieces in sections):  # the title is all the text there is
        pieces = _cut_long(title, max_words)
        sections[0][1].extend(("\n\n" if n == 0 else " ", piece) for n, piece in enumerate(pieces))
    passages: list[Passage] = []
    for section, pieces in sections:
        for text in _group(pieces, min_words, max_words):
            passages.append(Passage(document.name, len(passages) + 1, text, title, section))
    return passages


def _group(pieces: list[tuple[str, str]], min_words: int, max_words: int) -> list[str]:
    """Consecutive (separator, piece) pairs grouped into texts of about `min_words`..`max_words`
    words, within the bounds of `bounds`."""
    out: list[str] = []
    current = ""
    size = Size()
    for separator, piece in pieces:
        piece_size = Size.of(piece)
        if current and (size.words >= min_words or not (size + piece_size).fits(max_words)):
            out.append(current)
            current, size = "", Size()
        current = current + separator + piece if current else piece
        size += piece_size
    if current:
        out.append(current)
    return out


def _cut_long(paragraph: str, max_words: int) -> list[str]:
    if Size.of(paragraph).fits(max_words):
        return [paragraph]
    out: list[str] = []
    current: list[str] = []
    size = Size()
    for sentence in _SENTENCE_END.split(paragraph):
        words = [chunk for word in sentence.split() for chunk in cut_word(word)]
        if current and not (size + Size.of(" ".join(words))).fits(max_words):
            out.append(" ".join(current))
            current, size = [], Size()
        for word in words:  # a sentence over the bounds is cut at word boundaries
            word_size = Size.of(word)
            if current and not (size + word_size).fits(max_words):
                out.append(" ".join(current))
                current, size = [], Size()
            current.append(word)
            size += word_size
    if current:
        out.append(" ".join(current))
    return out
