"""Answers that only repeat the question are not answers: the filter, and the shipped reader
with it on a definition list like a Debian reference page's."""

from __future__ import annotations

import pytest

from assistant.config import DEFAULT_MODEL
from assistant.qa.decoding import best_span
from assistant.qa.echo import echo_filter
from assistant.qa.engine import QAEngine


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Which group can read /etc/shadow?", "this group"),
        ("Members of which group can read the logs?", "Members of this group"),
        ("Which group owns the source code?", "group"),
        ("Which groups own the source code?", "the group"),
        ("Who runs the daemon?", "it"),
        ("Which group controls the libvirt daemon?", "Membership in this group"),
        ("Which group can use scanners?", "Users in this group"),
    ],
)
def test_answers_that_only_repeat_the_question_are_refused(question: str, answer: str) -> None:
    assert echo_filter(question)(answer)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Which group can read /etc/shadow?", "shadow"),
        ("Which group can read /etc/shadow?", "the shadow group"),
        ("Which glass has more kinetic energy?", "Glass A"),  # a label is content
        ("Is the library thread safe?", "no"),
        ("How many UIDs does a container get?", "65536"),
        ("How many buttons does it have?", "one"),
        ("When was the act passed?", "in May"),
        ("Which is larger, the red group or the blue group?", "the blue group"),  # a choice
        ("Which group owns the disk?", "the disk group"),
        ("Which group is this group's parent?", "the staff group, which contains this group"),
    ],
)
def test_answers_with_something_new_are_kept(question: str, answer: str) -> None:
    assert not echo_filter(question)(answer)


def test_shipped_reader_names_the_group_not_this_group() -> None:
    question = "Members of which group can read many log files in /var/log?"
    context = (
        "tape — Group used for tape drives.\n"
        "adm — Group adm is used for system monitoring tasks. Members of this group can read "
        "many log files in /var/log, and can use xconsole.\n"
        "kmem — A group that can read kernel memory."
    )
    engine = QAEngine.from_bundle(DEFAULT_MODEL, threads=1)
    windows = engine.tokenizer.windows(question, context)
    logits = [engine.runner.run(window) for window in windows]
    starts, ends = [s for s, _ in logits], [e for _, e in logits]
    unfiltered = best_span(context, windows, starts, ends)
    assert unfiltered is not None and unfiltered.text == "Members of this group"
    span = engine.answer(question, context)
    assert span is not None and "adm" in span.text.split()
