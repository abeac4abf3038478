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


_DIGIT = re.compile(r"\d")


def table_lines(rows: list[list[str]], title: str = "") -> list[str]:
    """A table's rows as lines of the shared layout, each starting with the table's `title`
    (its caption or heading, when it has one) so that a row keeps saying which table it is in.

    The first row is the header when there are more rows and it is all labels (every cell
    filled, no digit): each later row is "header: cell; header: cell". Otherwise a row of two
    or more cells is "first cell: the others" (a label and its values), a single cell itself.
    Empty cells are left out; rows with no text are dropped.
    """
    cleaned = [[" ".join(cell.split()) for cell in row] for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    if not cleaned:
        return []
    first = cleaned[0]
    has_header = len(cleaned) > 1 and all(first) and not any(_DIGIT.search(c) for c in first)
    lines = []
    for cells in cleaned[1:] if has_header else cleaned:
        if has_header:
            pairs = [(h, c) for h, c in zip(first, cells, strict=False) if c]
            line = "; ".join(f"{h}: {c}" for h, c in pairs)
        elif len([c for c in cells if c]) > 1:
            label, *values = [c for c in cells if c]
            line = f"{label}: " + "; ".join(values)
        else:
            line = next(c for c in cells if c)
        lines.append(f"{title}, {line}" if title else line)
    return lines
