"""Reading a table: only the rows that the question names.

The extractors write a table row as one line, "header: cell; header: cell"
(`assistant.documents.extraction.table_lines`). Given a passage of many such rows, the reader is
unsure which row is meant: its no-answer score on it is high (about 7 to 9, against 0 to 5 on
a sentence), so a sure-looking span in a sentence of another passage wins ("How much is a
child ticket at the railway museum?" got the group rate "£9.00" of the next section, not the
Child row's "£6.25").

`focus` gives the reader only the lines of such a context that hold the largest share of the
question's content words (`line_match`, ties all kept), with the first line (a table's
caption), when the context has at least MIN_ROWS row lines and some line matches at all; the
span it finds is mapped back onto the whole context (`Focus.mapped`). Prose, lists and code are
read whole: focusing every multi-line passage cost 6 of 76 right answers on the real-document
bench (a definition's neighbouring lines carry its meaning), focusing table passages none.

On the household benchmark's tune part (`bench/home_documents.py`; the held part never used
to choose): right answers 102 -> 109 of 150, false answers 16 -> 17 of 50; every multi-line
passage focused gave 114 and 21, keeping also each matching line's neighbours 104 and 18.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from assistant.qa.decoding import Span
from assistant.qa.line_match import line_match

MIN_ROWS = 2


def is_row(line: str) -> bool:
    """Whether `line` is a table row as the extractors write it ("header: cell; header: cell")."""
    return ": " in line and "; " in line


@dataclass(frozen=True)
class Focus:
    """The lines of a context that the reader reads: `text` is them joined by "\\n", and
    `lines` gives, for each, (its start in `text`, its start in the context, its length)."""

    text: str
    lines: tuple[tuple[int, int, int], ...]

    def mapped(self, span: Span) -> Span:
        """`span` of `text` as the same span of the whole context."""
        for start, origin, length in self.lines:
            if start <= span.start_char <= start + length:
                shift = origin - start
                return dataclasses.replace(
                    span, start_char=span.start_char + shift, end_char=span.end_char + shift
                )
        raise ValueError(f"span {span.start_char}..{span.end_char} is outside the focus")


def focus(question: str, context: str) -> Focus | None:
    """The rows of `context` that `question` names, with its first line; None when `context`
    is not a table of MIN_ROWS rows or more, or no line holds any of the question's words."""
    lines = context.split("\n")
    if sum(is_row(line) for line in lines) < MIN_ROWS:
        return None
    match = line_match(question, context)
    best = float(match.max())
    if best <= 0.0:
        return None
    kept = sorted({0} | {i for i, share in enumerate(match) if share >= best})
    origins = [0]
    for line in lines[:-1]:
        origins.append(origins[-1] + len(line) + 1)
    parts, start = [], 0
    for i in kept:
        parts.append((start, origins[i], len(lines[i])))
        start += len(lines[i]) + 1
    return Focus("\n".join(lines[i] for i in kept), tuple(parts))
