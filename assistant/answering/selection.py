"""The score that picks the answer among the passages read, and that "not found" thresholds.

A span's start + end logit is only comparable within one passage: a passage that barely
matches the question can still hold a confident-looking span, and a question whose answer is
not loaded at all still gets one. The answer score weighs the span against the reader's own
"no answer in this passage" score ([CLS], meaningful for a reader trained on distractor
passages) and adds the passage's retrieval evidence:

    reader_score = span.score - NULL_WEIGHT * span.null_score
    score = reader_score + RETRIEVAL_WEIGHT * hit.score + COSINE_WEIGHT * hit.cosine

`hit.score` is the fused BM25 + embedding score of `assistant.retrieval.fusion` (about 0..1; BM25
scaled to the query's best hit when the library has no embeddings) and `hit.cosine` the
query-passage embedding cosine, an absolute measure of topical match that BM25 lacks (0
without an encoder). The weights, the number of passages read and the shipped "not found"
threshold (config `answer.top_k`, `answer.threshold`) were chosen together on held-out
TRAINING articles by bench/calibrate_threshold.py: with the shipped reader, trained on
distractor passages, the retrieval weight came out 0 (its no-answer score does what the
retrieval score did for a reader without that training). Without a retriever (BM25 only) the
cosine term is 0, hence a threshold of its own (`answer.bm25_threshold`, 3.4: 5% false answers
there, with 72.8% of the loaded questions answered). `worth_reading` skips passages that cannot
change the answer, which saves reading time without changing what is said.
"""

from __future__ import annotations

from assistant.answering.subject import SAID_BONUS
from assistant.qa.decoding import Span
from assistant.retrieval.index import Hit

NULL_WEIGHT = 1.0
RETRIEVAL_WEIGHT = 0.0
COSINE_WEIGHT = 15.0
# Above every reader score the shipped reader gave on held-out training passages (5,868 reads,
# the highest 11.96; bench/calibrate_threshold.py), with a margin: a passage whose retrieval
# evidence leaves it needing a higher reader score to change the answer is not read.
MAX_READER_SCORE = 14.0


def reader_score(span: Span) -> float:
    """How sure the reader is of `span` in its passage: its score against the passage's
    no-answer score."""
    return span.score - NULL_WEIGHT * span.null_score


def answer_score(reader: float, hit: Hit, penalty: float = 0.0, bonus: float = 0.0) -> float:
    """The score of an answer with reader score `reader` found in the passage of `hit`, less
    the `penalty` of a passage that is not about the question and plus the `bonus` of a sentence
    that says every word of it (`assistant.answering.subject`)."""
    return reader + RETRIEVAL_WEIGHT * hit.score + COSINE_WEIGHT * hit.cosine - penalty + bonus


def worth_reading(hit: Hit, best: float | None, threshold: float, penalty: float = 0.0) -> bool:
    """Whether the passage of `hit` could still change the answer: with a reader score of
    MAX_READER_SCORE (its `penalty`, and SAID_BONUS) it would reach `threshold` and beat `best`
    (the best answer score so far)."""
    ceiling = answer_score(MAX_READER_SCORE, hit, penalty, SAID_BONUS)
    return ceiling >= threshold and (best is None or ceiling > best)
