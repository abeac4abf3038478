"""The line a question's words point to is preferred for the answer; the score stays the model's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.config import DEFAULT_MODEL
from assistant.qa.decoding import best_span
from assistant.qa.engine import QAEngine
from assistant.qa.features import QATokenizer
from assistant.qa.line_match import LINE_MATCH_WEIGHT, line_match, line_prior


def test_each_line_gets_its_share_of_the_question_words() -> None:
    context = "pulse — The sound server runs as this user.\nntp — Keeps the clock right.\n"
    match = line_match("Which user does the sound server run at boot?", context)
    # the question's content words: user, sound, server, run, boot; the first line has 4 ("runs")
    assert match.tolist() == pytest.approx([4 / 5, 0.0, 0.0])
    assert line_match("Which is it?", context).tolist() == [0.0, 0.0, 0.0]
    assert line_prior("Who keeps the clock?", "ntp keeps the clock").tolist() == pytest.approx(
        [LINE_MATCH_WEIGHT / 2]
    )


@pytest.fixture
def tokenizer(tiny_vocab: Path) -> QATokenizer:
    return QATokenizer(tiny_vocab, lowercase=True, max_seq_len=48, max_query_len=8, doc_stride=8)


def _token(window, context: str, word: str) -> int:
    char = context.index(word)
    return next(i for i in range(len(window)) if window.offsets[i, 0] == char and i > 0)


def test_the_prior_ranks_spans_and_the_score_stays_the_models(tokenizer: QATokenizer) -> None:
    context = "red blue\ngreen river"
    (w,) = tokenizer.windows("q", context)
    starts, ends = np.zeros(len(w), np.float32), np.zeros(len(w), np.float32)
    red, river = _token(w, context, "red"), _token(w, context, "river")
    starts[red] = ends[red] = 3.0
    starts[river] = ends[river] = 2.0
    assert best_span(context, [w], [starts], [ends]).text == "red"
    span = best_span(context, [w], [starts], [ends], line_prior=np.array([0.0, 1.5]))
    assert (span.text, span.score) == ("river", pytest.approx(4.0))
    with pytest.raises(ValueError, match="one value per line"):
        best_span(context, [w], [starts], [ends], line_prior=np.zeros(3))


ACCOUNTS = (
    "Accounts used by the services of this machine:\n"
    "backup — Runs the nightly backup job and owns the archive folder.\n"
    "pulse — The sound server runs as this user, so it can open the audio devices.\n"
    "lp — Printer queues belong to this account; the spooler writes its files as lp.\n"
    "ntp — Keeps the clock in step with the network time servers.\n"
)


def test_shipped_reader_answers_from_the_line_the_question_is_about(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    question = "Which account runs the nightly backup job?"
    engine = QAEngine.from_bundle(DEFAULT_MODEL, threads=1)
    assert engine.answer(question, ACCOUNTS).text == "backup"
    monkeypatch.setattr("assistant.qa.line_match.LINE_MATCH_WEIGHT", 0.0)
    assert engine.answer(question, ACCOUNTS).text == "pulse"  # the term of the next line
