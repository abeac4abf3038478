"""Windows, offsets and training labels of the QA tokenizer."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from assistant.qa.features import QATokenizer


@pytest.fixture
def tokenizer(tiny_vocab: Path) -> QATokenizer:
    return QATokenizer(tiny_vocab, lowercase=True, max_seq_len=64, max_query_len=8, doc_stride=16)


def context_pieces(tokenizer: QATokenizer, context: str) -> list[tuple[int, int]]:
    return [tuple(o) for o in tokenizer.encode(context).offsets]


def test_single_window_layout(tokenizer: QATokenizer) -> None:
    context = "The Eiffel Tower was built in 1889."
    (window,) = tokenizer.windows("When was it built?", context)
    assert window.input_ids[0] == tokenizer.cls_id
    assert window.input_ids[window.context_start - 1] == tokenizer.sep_id
    assert window.input_ids[-1] == tokenizer.sep_id
    assert window.context_end == len(window) - 1
    assert set(window.token_type_ids[: window.context_start]) == {0}
    assert set(window.token_type_ids[window.context_start :]) == {1}
    assert (window.offsets[: window.context_start] == -1).all()
    spans = [context[s:e] for s, e in window.offsets[window.context_start : window.context_end]]
    assert spans == ["The", "Eiffel", "Tower", "was", "built", "in", "1889", "."]
    assert window.max_context[window.context_start : window.context_end].all()


def test_long_context_is_covered_by_overlapping_windows(tokenizer: QATokenizer) -> None:
    context = " ".join(f"w{i}" for i in range(200))  # each word is 2+ word pieces
    n_ctx = len(tokenizer.encode(context).ids)
    windows = tokenizer.windows("what is w7?", context)
    assert len(windows) > 1
    assert all(len(w) <= tokenizer.max_seq_len for w in windows)
    # consecutive windows overlap by exactly doc_stride context tokens
    for a, b in itertools.pairwise(windows):
        a_ctx = [tuple(o) for o in a.offsets[a.context_start : a.context_end]]
        b_ctx = [tuple(o) for o in b.offsets[b.context_start : b.context_end]]
        assert a_ctx[-tokenizer.doc_stride :] == b_ctx[: tokenizer.doc_stride]
    # every context token is max-context in exactly one window
    seen: dict[tuple[int, int], int] = {}
    for w in windows:
        for i in range(w.context_start, w.context_end):
            if w.max_context[i]:
                key = tuple(w.offsets[i])
                seen[key] = seen.get(key, 0) + 1
    assert len(seen) == n_ctx and set(seen.values()) == {1}


def test_question_truncated_to_max_query_len(tokenizer: QATokenizer) -> None:
    question = " ".join(["river"] * 50)
    (window,) = tokenizer.windows(question, "the seine")
    assert window.context_start == 1 + tokenizer.max_query_len + 1


def test_empty_context_gives_one_window_without_context(tokenizer: QATokenizer) -> None:
    (window,) = tokenizer.windows("what?", "")
    assert window.context_start == window.context_end


def test_offsets_with_punctuation_and_unicode(tokenizer: QATokenizer) -> None:
    context = "Café «Paris» — 1889, naïve résumé!"
    (window,) = tokenizer.windows("where?", context)
    for s, e in window.offsets[window.context_start : window.context_end]:
        assert 0 <= s < e <= len(context)
    span = window.token_span(context.index("Paris"), context.index("Paris") + 5)
    assert span is not None
    s, e = span
    assert context[window.offsets[s, 0] : window.offsets[e, 1]] == "Paris"


def test_token_span_labels(tokenizer: QATokenizer) -> None:
    context = "Built in 1889, the tower is in Paris."
    (window,) = tokenizer.windows("when?", context)
    start = context.index("1889")
    s, e = window.token_span(start, start + 4)
    assert context[window.offsets[s, 0] : window.offsets[e, 1]] == "1889"
    # an answer that starts mid-token still maps to the covering tokens
    s, e = window.token_span(start + 1, start + 3)
    assert context[window.offsets[s, 0] : window.offsets[e, 1]] == "1889"


def test_token_span_outside_window_is_none(tokenizer: QATokenizer) -> None:
    context = " ".join(f"w{i}" for i in range(200))
    windows = tokenizer.windows("q", context)
    last = context.index("w199")
    assert windows[0].token_span(last, last + 4) is None
    assert windows[-1].token_span(last, last + 4) is not None


def test_impossible_configuration_is_refused(tiny_vocab: Path) -> None:
    with pytest.raises(ValueError, match="no room"):
        QATokenizer(tiny_vocab, lowercase=True, max_seq_len=128, doc_stride=128)
