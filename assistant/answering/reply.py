"""The reply to an answer: what the voice says, before `assistant.voice.spoken_text` writes
its numbers and codes out in words.

`answer.speak` picks the form:

- "auto" (the default): the sentence that holds the answer when it is short (at most
  `SHORT_WORDS` words): "Adult tickets cost £9.50."; else the shortest run of its clauses that
  holds the answer, when that is short; else the answer in a frame: "The answer is lpadmin.";
- "sentence": the sentence that holds the answer, however long;
- "span": the bare answer ("£9.50").

A reply that is not an answer ("I couldn't find that ...") is said as it is. When the
recognizer was unsure of the question, the reply starts with what it heard
(`replies.heard_first`). The daemon and `qa-assistant ask --json` ("spoken") both use
`reply_text`, so the command line shows exactly what the voice says.
"""

from __future__ import annotations

import re

from assistant.answering.answerer import Answer
from assistant.answering.replies import heard_first

SHORT_WORDS = 20  # about six seconds of speech
# clauses end at a comma, semicolon or colon followed by a space, or at a dash between spaces
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+|\s+[-–—]\s+")
_LEADING_JOINER = re.compile(r"^(?:and|but|or|so|while|whereas|which)\s+", re.IGNORECASE)


def reply_text(answer: Answer, speak: str = "auto", heard: str | None = None) -> str:
    """What is said for `answer` in the form `speak` ("auto", "sentence" or "span"); `heard`:
    the question as heard, said first (None: the recognizer was sure, or it was typed)."""
    span = answer.found and speak == "span"
    if not answer.found or speak == "span":
        body = answer.text
    elif speak == "sentence" and answer.sentence:
        body = _as_sentence(answer.sentence)
    else:
        body = _short_reply(answer.text, answer.sentence)
    return body if heard is None else heard_first(heard, body, span=span)


def _short_reply(span: str, sentence: str) -> str:
    """The sentence when short, else its shortest run of clauses holding `span` when short,
    else `span` in a frame."""
    if sentence and span in sentence:
        if len(sentence.split()) <= SHORT_WORDS:
            return _as_sentence(sentence)
        clause = _clauses_around(sentence, span)
        if clause and len(clause.split()) <= SHORT_WORDS:
            return _as_sentence(clause)
    return f"The answer is {span.rstrip('.')}."


def _clauses_around(sentence: str, span: str) -> str:
    """The shortest run of `sentence`'s clauses that holds the first occurrence of `span`,
    without a leading "and" / "but" / "which"; "" when it is no longer than `span` itself."""
    start = sentence.index(span)
    end = start + len(span)
    begin, finish = 0, len(sentence)
    for boundary in _CLAUSE_END.finditer(sentence):
        if boundary.end() <= start:
            begin = boundary.end()
        elif boundary.start() >= end:
            finish = boundary.start()
            break
    clause = _LEADING_JOINER.sub("", sentence[begin:finish].strip(" ,;:"))
    return clause if len(clause.split()) > len(span.split()) else ""


def _as_sentence(text: str) -> str:
    """`text` starting with a capital and ending with sentence punctuation."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text.rstrip(",;:") + "."
