"""Question -> top-k passages (BM25 + embeddings) -> the QA engine on each -> the best span, or
"not found".

The reader is anything with `answer(question, context) -> Span | None` (the lead's
`assistant.qa.engine.QAEngine`). Each span is scored with its passage's retrieval score
(`assistant.selection.answer_score`); the best over the k passages wins. When it scores below
`threshold`, or no passage matches the question at all, the answer is `NOT_FOUND`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from assistant.library import Library
from assistant.qa.decoding import Span
from assistant.selection import answer_score

log = logging.getLogger(__name__)

NOT_FOUND = "I couldn't find that in your documents."


class Reader(Protocol):
    def answer(self, question: str, context: str) -> Span | None: ...


@dataclass(frozen=True)
class Source:
    file: str
    passage: int  # 1-based position of the passage in its file


@dataclass(frozen=True)
class Answer:
    """`text` is the span (or NOT_FOUND when `found` is False); `timings` are in milliseconds."""

    question: str
    text: str
    found: bool
    score: float | None
    source: Source | None
    context: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "found": self.found,
            "score": self.score,
            "source": None if self.source is None else vars(self.source),
            "timings_ms": self.timings,
        }


class Answerer:
    """Answers questions from one library with one reader."""

    def __init__(
        self, library: Library, reader: Reader, *, top_k: int = 3, threshold: float = 0.0
    ) -> None:
        self.library = library
        self.reader = reader
        self.top_k = top_k
        self.threshold = threshold

    def answer(self, question: str, cancelled: Callable[[], bool] = lambda: False) -> Answer:
        """The best answer to `question`; `cancelled` is polled between passages (shutdown)."""
        t0 = time.perf_counter()
        hits = self.library.search(question, self.top_k)
        t1 = time.perf_counter()
        best: tuple[float, Span, Source, str] | None = None
        for hit in hits:
            if cancelled():
                break
            span = self.reader.answer(question, hit.passage.text)
            log.debug(
                "%s#%d retrieval=%.2f cosine=%.2f span=%r",
                hit.passage.file,
                hit.passage.position,
                hit.score,
                hit.cosine,
                span,
            )
            if span is None or not span.text.strip():
                continue
            score = answer_score(span.score, hit)
            if best is None or score > best[0]:
                best = (
                    score,
                    span,
                    Source(hit.passage.file, hit.passage.position),
                    hit.passage.text,
                )
        t2 = time.perf_counter()
        timings = {
            "retrieve_ms": round((t1 - t0) * 1000, 1),
            "read_ms": round((t2 - t1) * 1000, 1),
            "total_ms": round((t2 - t0) * 1000, 1),
        }
        if best is None:
            return Answer(question, NOT_FOUND, False, None, None, timings=timings)
        score, span, source, context = best
        found = score >= self.threshold
        return Answer(
            question,
            span.text.strip() if found else NOT_FOUND,
            found,
            round(float(score), 3),
            source,
            context,
            timings,
        )


def load_reader(model: str | Path, threads: int) -> Reader:
    """The QA engine of the bundle folder `model`; raises `assistant.qa.bundle.BundleError`."""
    from assistant.qa.engine import QAEngine

    return QAEngine.from_bundle(model, threads=threads)
