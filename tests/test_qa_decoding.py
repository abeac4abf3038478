"""Span decoding on hand-made logits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.qa.decoding import best_span
from assistant.qa.features import QATokenizer, Window


@pytest.fixture
def tokenizer(tiny_vocab: Path) -> QATokenizer:
    return QATokenizer(tiny_vocab, lowercase=True, max_seq_len=48, max_query_len=8, doc_stride=8)


def logits_for(window: Window, start_at: dict[int, float], end_at: dict[int, float]):
    starts = np.zeros(len(window), dtype=np.float32)
    ends = np.zeros(len(window), dtype=np.float32)
    for i, v in start_at.items():
        starts[i] = v
    for i, v in end_at.items():
        ends[i] = v
    return starts, ends


def ctx_index(window: Window, context: str, word: str) -> int:
    """Token index in the window of the first token of `word` in the context."""
    char = context.index(word)
    for i in range(window.context_start, window.context_end):
        if window.offsets[i, 0] == char:
            return i
    raise AssertionError(word)


def test_answer_is_exact_substring_with_punctuation(tokenizer: QATokenizer) -> None:
    context = "It opened on 31 March, 1889 (officially)."
    (w,) = tokenizer.windows("when?", context)
    s, e = ctx_index(w, context, "31"), ctx_index(w, context, "1889")
    span = best_span(context, [w], *map(lambda x: [x], logits_for(w, {s: 5}, {e: 5})))
    assert span.text == "31 March, 1889"
    assert context[span.start_char : span.end_char] == span.text
    assert span.score == pytest.approx(10.0)


def test_unicode_answer_keeps_original_characters(tokenizer: QATokenizer) -> None:
    context = "The café is called Naïve Résumé today."
    (w,) = tokenizer.windows("name?", context)
    s = ctx_index(w, context, "Naïve")
    e = ctx_index(w, context, "Résumé") + 1  # "Résumé" -> several pieces; end on a later one
    while e + 1 < w.context_end and w.offsets[e + 1, 0] < context.index(" today"):
        e += 1
    span = best_span(context, [w], *map(lambda x: [x], logits_for(w, {s: 3}, {e: 3})))
    assert span.text == "Naïve Résumé"


def test_end_before_start_is_never_returned(tokenizer: QATokenizer) -> None:
    context = "red blue green river paris"
    (w,) = tokenizer.windows("q", context)
    a, d = ctx_index(w, context, "red"), ctx_index(w, context, "river")
    # argmax(start)=delta, argmax(end)=alpha: independent argmax decoding would return end < start
    starts, ends = logits_for(w, {d: 9.0, a: 1.0}, {a: 9.0, d: 2.0})
    span = best_span(context, [w], [starts], [ends])
    assert span.start_char <= span.end_char
    # the best valid pair: start river(9) + end river(2) = 11 beats red..river (1+2) etc.
    assert span.text == "river"


def test_max_answer_length(tokenizer: QATokenizer) -> None:
    context = "red blue green river paris tower"
    (w,) = tokenizer.windows("q", context)
    first, last = ctx_index(w, context, "red"), ctx_index(w, context, "tower")
    starts, ends = logits_for(w, {first: 10}, {last: 10, first + 1: 1})
    long = best_span(context, [w], [starts], [ends], max_answer_len=30)
    short = best_span(context, [w], [starts], [ends], max_answer_len=3)
    assert long.text == context
    assert short.text == "red blue"


def test_only_context_tokens_are_candidates(tokenizer: QATokenizer) -> None:
    context = "red blue green"
    (w,) = tokenizer.windows("what colour?", context)
    b = ctx_index(w, context, "blue")
    starts, ends = logits_for(w, {0: 100, 1: 50, b: 1}, {0: 100, len(w) - 1: 50, b: 1})
    span = best_span(context, [w], [starts], [ends])
    assert span.text == "blue"


def test_best_over_windows_and_padded_logits(tokenizer: QATokenizer) -> None:
    context = " ".join(f"w{i}" for i in range(60))
    windows = tokenizer.windows("q", context)
    assert len(windows) >= 3
    starts, ends = [], []
    for k, w in enumerate(windows):
        s, e = np.zeros(64, np.float32), np.zeros(64, np.float32)  # padded beyond len(w)
        target = next(i for i in range(w.context_start, w.context_end) if w.max_context[i])
        s[target] = e[target] = k + 1.0
        s[len(w) :] = e[len(w) :] = 1000.0  # padding must be ignored
        starts.append(s)
        ends.append(e)
    span = best_span(context, windows, starts, ends)
    last = windows[-1]
    target = next(i for i in range(last.context_start, last.context_end) if last.max_context[i])
    # the whole word ("w52") that holds the last window's first max-context token
    word_start = context.rfind(" ", 0, int(last.offsets[target, 0]) + 1) + 1
    assert (span.start_char, span.text) == (word_start, context[word_start:].split()[0])
    assert span.score == pytest.approx(2.0 * len(windows))


def test_no_context_gives_none(tokenizer: QATokenizer) -> None:
    (w,) = tokenizer.windows("q", "")
    s, e = logits_for(w, {}, {})
    assert best_span("", [w], [s], [e]) is None


def test_a_span_never_crosses_a_line_break(tokenizer: QATokenizer) -> None:
    context = "red blue\ngreen river paris"
    (w,) = tokenizer.windows("q", context)
    blue, green = ctx_index(w, context, "blue"), ctx_index(w, context, "green")
    # blue..green (5 + 5) scores best but runs from one line into the next
    starts, ends = logits_for(w, {blue: 5.0}, {green: 5.0, blue: 1.0})
    span = best_span(context, [w], [starts], [ends])
    assert span.text == "blue"


@pytest.mark.parametrize(
    ("context", "first", "last", "answer"),
    [
        # the model's pieces end inside a file name, start inside one, or cut a word
        ("It reads /etc/login.defs at boot.", "/", "login", "/etc/login.defs"),
        ("The file override.xml wins.", "xml", "xml", "override.xml"),
        ("About 3.5 million live there.", "3", "3", "3.5"),
        ("The city of parisian river.", "paris", "paris", "parisian"),
        # an address, and a hyphen inside a name (a unit, a service)
        ("Mail help-libtasn1@gnu.org today.", "gnu", "org", "help-libtasn1@gnu.org"),
        ("Reached at nss-user-lookup.target late.", "nss", "nss", "nss-user-lookup.target"),
        # sentence punctuation and hyphens are not inside a word
        ("Built in 1889. Then red.", "1889", "1889", "1889"),
        ("The 1889-1890 season.", "1889", "1889", "1889"),
    ],
)
def test_a_span_never_cuts_a_word(
    tokenizer: QATokenizer, context: str, first: str, last: str, answer: str
) -> None:
    (w,) = tokenizer.windows("q", context)
    start = ctx_index(w, context, first)
    end = max(
        i
        for i in range(w.context_start, w.context_end)
        if context[w.offsets[i, 0] :].startswith(last)
    )
    starts, ends = logits_for(w, {start: 5.0}, {end: 5.0})
    span = best_span(context, [w], [starts], [ends])
    assert span is not None and span.text == answer
    assert context[span.start_char : span.end_char] == answer


def test_a_refused_span_gives_way_to_the_next_best(tokenizer: QATokenizer) -> None:
    context = "red blue green river paris"
    (w,) = tokenizer.windows("where?", context)
    river, paris = ctx_index(w, context, "river"), ctx_index(w, context, "paris")
    starts, ends = logits_for(w, {river: 5, paris: 4}, {river: 5, paris: 4})
    assert best_span(context, [w], [starts], [ends]).text == "river"
    span = best_span(context, [w], [starts], [ends], refuse=lambda text: "river" in text)
    assert span.text == "paris" and span.score == pytest.approx(8.0)
    assert best_span(context, [w], [starts], [ends], refuse=lambda text: True) is None


def test_a_refused_sentence_at_an_edge_of_the_span_is_cut_off(tiny_vocab: Path) -> None:
    tokenizer = QATokenizer(tiny_vocab, lowercase=True, max_seq_len=256, max_query_len=8)
    context = "Group adm reads logs. Members of this group can read."
    (w,) = tokenizer.windows("which group?", context)
    last_char = context.index(" can")  # the span ends with "Members of this group"
    e = next(i for i in range(len(w)) if w.offsets[i, 1] == last_char)
    starts, ends = logits_for(w, {ctx_index(w, context, "Group"): 5}, {e: 5})
    whole = best_span(context, [w], [starts], [ends], max_answer_len=100)  # spelled by letters
    assert whole.text == "Group adm reads logs. Members of this group"
    pointing_back = {"members", "of", "this", "group"}
    span = best_span(
        context,
        [w],
        [starts],
        [ends],
        max_answer_len=100,
        refuse=lambda text: set(text.lower().split()) <= pointing_back,
    )
    assert span.text == "Group adm reads logs." and span.score == whole.score
    assert context[span.start_char : span.end_char] == span.text
