"""Plain text -> the shared layout: hard-wrapped paragraphs re-flowed, list items kept apart.

Lines of a paragraph (blank-line separated) are joined with spaces, except that a line that
starts like a list item ("-", "*", "•", "1.", "a)") or a field ("Serial number: HW28C-1907",
a capitalised label of a few words and a colon) starts a new line, and so does a row of a
table laid out in columns: cells parted by a tab or three spaces or more ("Police and Crime
Commissioner      £210.66" on a bill) become "first cell: the others", as other formats'
tables do (`table_lines`), instead of running into one line with the rows around it. Two
spaces (a slip of the keyboard) and a gap after a sentence's full stop are not a column. A
line starting with ``#`` is escaped so that it is not read as a heading.
"""

from __future__ import annotations

import re

from assistant.documents.extraction import body, table_lines

_ITEM = re.compile(r"^\s*(?:[-*+•]\s|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s)")
_FIELD = re.compile(r"^[A-Z][\w'()/&-]*(?: [\w'()/&-]+){0,3}:\s+\S")
_COLUMN_GAP = re.compile(r"(?<=[^\s.!?])(?:\t| {3,})\s*")


def plain_text(text: str) -> str:
    """`text` re-flowed into the shared layout (see the module doc)."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines: list[str] = []
        for raw in block.split("\n"):
            cells = _COLUMN_GAP.split(raw.strip())
            if len(cells) > 1:
                lines += table_lines([cells])
                continue
            line = " ".join(raw.split())
            if not line:
                continue
            if lines and not _ITEM.match(line) and not _FIELD.match(line):
                lines[-1] += " " + line
            else:
                lines.append(line)
        if lines:
            paragraphs.append(body("\n".join(lines)))
    return "\n\n".join(paragraphs)
