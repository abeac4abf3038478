"""Question -> top-k passages (BM25 + embeddings, all collections) -> the QA engine on each ->
the best span, or "not found".

The reader is anything with `answer(question, context) -> Span | None`
(`assistant.qa.engine.QAEngine`). Each span is scored against the reader's no-answer score and
with its passage's retrieval score (`selection.answer_score`), less a penalty when its passage
is not about the question's subject and plus a bonus when its sentence says every word of the
question (`subject`); the best over the k passages wins. When it
scores below `threshold`, or no passage matches the question at all, the answer is `NOT_FOUND`.

The work per question is bounded whatever the documents hold: each passage is read for at most
`MAX_WINDOWS_PER_PASSAGE` model windows (and `documents.bounds.MAX_CHARS` characters), and the
whole question for at most `budget_seconds`; when the budget runs out the best span read so far
is the answer.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from assistant.answering.replies import not_mentioned, sentence_around
from assistant.answering.selection import answer_score, reader_score, worth_reading
from assistant.answering.subject import Subject
from assistant.answering.unmentioned import Vocabulary, unmentioned
from assistant.config import AnswerConfig
from assistant.documents.bounds import MAX_CHARS
from assistant.qa.decoding import Span
from assistant.retrieval.index import Library
from assistant.text import without_controls

log = logging.getLogger(__name__)

NOT_FOUND = "I couldn't find that in your documents."
MAX_WINDOWS_PER_PASSAGE = 8  # a bounded passage needs 2 (at 256 tokens), at most about 16
BUDGET_SECONDS = 10.0  # per question; the daemon's watchdog is fed meanwhile (WatchdogSec=30)


class Reader(Protocol):
    """Reads one passage; `stop` is polled before each model window (see `QAEngine.predict`)."""

    def answer(
        self, question: str, context: str, stop: Callable[[], bool] | None = None
    ) -> Span | None: ...


@dataclass(frozen=True)
class Source:
    collection: str
    file: str
    passage: int  # 1-based position of the passage in its file


@dataclass(frozen=True)
class Answer:
    """`text` is the span (when `found` is False: NOT_FOUND, or which names the documents do
    not mention); `sentence` the passage's sentence that holds the span ("" when not found);
    `timings` are in milliseconds."""

    question: str
    text: str
    found: bool
    score: float | None
    source: Source | None
    timings: dict[str, float] = field(default_factory=dict)
    sentence: str = ""

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "found": self.found,
            "score": self.score,
            "source": None if self.source is None else vars(self.source),
            "sentence": self.sentence,
            "timings_ms": self.timings,
        }


class Answerer:
    """Answers questions from one library (all its collections) with one reader: the best
    of the `top_k` passages retrieved, "not found" below `threshold`."""

    def __init__(
        self,
        library: Library,
        reader: Reader,
        *,
        top_k: int,
        threshold: float,
        budget_seconds: float = BUDGET_SECONDS,
    ) -> None:
        self.library = library
        self.reader = reader
        self.top_k = top_k
        self.threshold = threshold
        self.budget_seconds = budget_seconds
        self._vocabulary = Vocabulary.of(library)
        self._subject = Subject.of(library, self._vocabulary)

    @classmethod
    def from_config(
        cls,
        library: Library,
        reader: Reader,
        settings: AnswerConfig,
        *,
        top_k: int | None = None,
        threshold: float | None = None,
    ) -> Answerer:
        """An answerer with the [answer] `settings`, unless `top_k` or `threshold` override
        them; the threshold is `answer.threshold`, or `answer.bm25_threshold` for a library
        without a sentence encoder."""
        if threshold is None:
            threshold = settings.not_found_threshold(library.encoder is not None)
        return cls(library, reader, top_k=top_k or settings.top_k, threshold=threshold)

    def answer(self, question: str, cancelled: Callable[[], bool] = lambda: False) -> Answer:
        """The best answer to `question` within the budget.

        `cancelled` (shutdown; the daemon also feeds its watchdog in it) is polled before each
        passage and each model window. Control characters in `question` are read as spaces, so
        no reply echoes a terminal escape.
        """
        question = without_controls(question)
        t0 = time.perf_counter()
        absent = unmentioned(question, self._vocabulary)
        if absent:
            total = round((time.perf_counter() - t0) * 1000, 1)
            timings = {"retrieve_ms": 0.0, "read_ms": 0.0, "total_ms": total}
            return Answer(question, not_mentioned(absent), False, None, None, timings=timings)
        deadline = time.monotonic() + self.budget_seconds
        hits = self.library.search(question, self.top_k)
        t1 = time.perf_counter()
        best: tuple[float, Span, Source, str] | None = None  # score, span, source, sentence
        subject = self._subject.about(question)
        for hit in hits:
            if cancelled() or time.monotonic() > deadline:
                break
            penalty = subject.penalty(hit)
            if not worth_reading(hit, best[0] if best else None, self.threshold, penalty):
                continue
            # passages of libraries loaded before the bounds existed can be longer
            context = hit.passage.text[:MAX_CHARS]
            span = self.reader.answer(question, context, _window_gate(cancelled, deadline))
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
            sentence = sentence_around(hit.passage.text, span.start_char, span.end_char)
            bonus = subject.said_bonus(sentence, hit.passage)
            score = answer_score(reader_score(span), hit, penalty, bonus)
            if best is None or score > best[0]:
                source = Source(hit.collection, hit.passage.file, hit.passage.position)
                best = (score, span, source, sentence)
        t2 = time.perf_counter()
        if time.monotonic() > deadline:
            log.warning(
                "question over its %.0f s budget: answered from what was read", self.budget_seconds
            )
        timings = {
            "retrieve_ms": round((t1 - t0) * 1000, 1),
            "read_ms": round((t2 - t1) * 1000, 1),
            "total_ms": round((t2 - t0) * 1000, 1),
        }
        if best is None:
            return Answer(question, NOT_FOUND, False, None, None, timings=timings)
        score, span, source, sentence = best
        found = score >= self.threshold
        return Answer(
            question,
            span.text.strip() if found else NOT_FOUND,
            found,
            round(float(score), 3),
            source,
            timings,
            sentence if found else "",
        )


def _window_gate(cancelled: Callable[[], bool], deadline: float) -> Callable[[], bool]:
    """A reader's `stop` for one passage: True from window MAX_WINDOWS_PER_PASSAGE + 1 on, once
    `cancelled()`, or past `deadline` (time.monotonic)."""
    polls = itertools.count(1)
    return lambda: (
        next(polls) > MAX_WINDOWS_PER_PASSAGE or cancelled() or time.monotonic() > deadline
    )


def load_reader(model: str | Path, threads: int) -> Reader:
    """The QA engine of the bundle folder `model`; raises `assistant.qa.bundle.BundleError`."""
    from assistant.qa.engine import QAEngine

    return QAEngine.from_bundle(model, threads=threads)
