"""Per-format text extraction that keeps a document's structure and drops its furniture.

Every extractor returns an `Extraction`: the text in one shared layout, and how many characters
each of its clean-up rules removed (the figures `bench/real_documents.py` reports).

The layout, which `assistant.documents.passages.split_passages` reads:

- paragraphs are separated by a blank line;
- a single newline separates lines that must stay apart (list items, definitions, table rows,
  code lines): an answer span never crosses a newline;
- headings are Markdown-style lines, ``# Title``, ``## Section``, ... (more ``#`` is deeper);
  a body line that starts with ``#`` (a shell comment in an example) is escaped as ``\\#``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Extraction:
    """Extracted `text` and the characters `dropped` by each clean-up rule (rule -> count)."""

    text: str
    dropped: Counter[str] = field(default_factory=Counter)


def heading(level: int, text: str) -> str:
    """A heading line of `level` (1 = the document title), capped at six ``#``."""
    return "#" * max(1, min(level, 6)) + " " + " ".join(text.split())


# whitespace other than a newline: `\s*` would let each line start scan the lines after it
_HASH_START = re.compile(r"^([^\S\n]*)#", re.MULTILINE)


def body(text: str) -> str:
    """`text` with a ``#`` that starts one of its lines escaped, so it is not read as a heading."""
    return _HASH_START.sub(r"\1\\#", text)
