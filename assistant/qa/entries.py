"""The term of a list entry, when an answer runs from the term into its description.

Definition lists reach the reader as "term — description" lines (the HTML reader writes them so,
`assistant/documents/extraction/html.py`; this package imports nothing outside itself, hence
the literal separators below) and Markdown lists often as "term → description". A reader that
answers "Which group gives full and direct access to serial ports?" with "dialout — Full and
direct access to serial ports. Members of this group" found the right entry but says too much
to be heard. When such an answer starts at the beginning of a line, its description shares a
content word with the question (the question is about the description) and its term shares
none (the question does not already name it), the answer is the term: "dialout".

A description also names its term by referring back to it: "libvirt — Access to the system
libvirt daemon is controlled by this group." The reader's "this group" only echoes the question
"Which group controls access to the system libvirt daemon?" (`assistant.qa.echo`), but inside an
entry's description it means the entry's term: `entry_referent` gives the decoder that term.
"""

from __future__ import annotations

import dataclasses
import re

from assistant.qa.decoding import Span
from assistant.qa.echo import content_words, refers_back

_ENTRY = re.compile(r"([^\n]{1,60}?) [—→] ")


def entry_term(question: str, context: str, span: Span) -> Span:
    """`span` cut to its entry's term when it is a whole "term — description" entry that
    answers `question` with its term (see above); otherwise `span` unchanged."""
    if span.start_char != context.rfind("\n", 0, span.start_char) + 1:
        return span
    entry = _ENTRY.match(context, span.start_char, span.end_char)
    if entry is None:
        return span
    asked = content_words(question)
    term, description = entry.group(1), context[entry.end() : span.end_char]
    if content_words(term) & asked or not content_words(description) & asked:
        return span
    return dataclasses.replace(span, text=term, end_char=span.start_char + len(term))


def entry_referent(context: str, start: int, end: int) -> tuple[int, int] | None:
    """The bounds of the term of the "term — description" entry whose description holds the
    span [start, end), when the span refers back ("this group", "it"): in a definition list the
    description's "this group" is the term. None otherwise."""
    line_start = context.rfind("\n", 0, start) + 1
    entry = _ENTRY.match(context, line_start)
    if entry is None or start < entry.end() or not refers_back(context[start:end]):
        return None
    return line_start, line_start + len(entry.group(1))
