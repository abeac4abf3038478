"""What the assistant says about an answer besides the answer itself: the sentence that holds
it, where it was found, and what was heard when the recognizer was unsure."""

from __future__ import annotations

import re
from pathlib import PurePath

# A sentence ends at . ! ? followed by whitespace and an upper-case letter, digit or quote, or
# at a line break; "9.30", "e.g. the", "Dr. Shah" and "No. 12" do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])|\n+")
_TITLES = {"Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "St.", "Mt.", "vs.", "e.g.", "i.e.", "cf."}


def _ends_sentence(text: str, boundary: re.Match[str]) -> bool:
    """False when the point before `boundary` is a title's or "No." before a number."""
    if "\n" in boundary[0]:
        return True
    words = text[: boundary.start()].split()
    word = words[-1] if words else ""
    return word not in _TITLES and not (word == "No." and text[boundary.end() :][:1].isdigit())


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence(s) of `text` that hold the characters `start:end` (whitespace-normalized)."""
    begin, finish = 0, len(text)
    for boundary in _SENTENCE_END.finditer(text):
        if not _ends_sentence(text, boundary):
            continue
        if boundary.end() <= start:
            begin = boundary.end()
        elif boundary.start() >= end:
            finish = boundary.start()
            break
    return " ".join(text[begin:finish].split())


def not_mentioned(names: list[str]) -> str:
    """The reply to a question about `names` (at least one) that no document mentions."""
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"Your documents don't mention {listed}."


def where_text(document: str, collection: str, sentence: str) -> str:
    """Where an answer came from, read aloud: the document's name and the whole sentence."""
    name = PurePath(document).stem.replace("_", " ").replace("-", " ")
    place = f"{name}, on {collection}" if collection else name
    return f"I found that in {place}. It says: {sentence}"


def heard_first(heard: str, answer: str, *, span: bool) -> str:
    """The reply to a question the recognizer was unsure of: what it heard, then the answer
    (`span`: a bare answer span, introduced as such; otherwise a sentence or a message)."""
    return f"I heard: {heard}. " + (f"The answer is: {answer}." if span else answer)
