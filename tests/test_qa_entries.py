"""An answer that runs from a list entry's term into its description is cut to the term."""

from __future__ import annotations

import pytest

from assistant.config import DEFAULT_MODEL
from assistant.qa.decoding import Span, best_span
from assistant.qa.echo import echo_filter
from assistant.qa.engine import QAEngine
from assistant.qa.entries import entry_referent, entry_term

CONTEXT = (
    "Some groups give access to devices.\n"
    "dialout — Full and direct access to serial ports. Members of this group can reconfigure "
    "the modem.\n"
    "shadow — /etc/shadow is readable by this group.\n"
    "65534 → The nobody UID."
)


def _span(text: str) -> Span:
    start = CONTEXT.index(text)
    return Span(text, 9.0, start, start + len(text), 1.0)


def test_a_whole_entry_answering_with_its_term_is_cut_to_the_term() -> None:
    span = entry_term(
        "Which group gives full and direct access to serial ports?",
        CONTEXT,
        _span("dialout — Full and direct access to serial ports. Members of this group"),
    )
    assert (span.text, CONTEXT[span.start_char : span.end_char]) == ("dialout", "dialout")
    assert entry_term("Which UID does nobody have?", CONTEXT, _span("65534 → The nobody")).text == (
        "65534"
    )


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # the question names the term already: the description is the answer
        ("Which group can read /etc/shadow?", "shadow — /etc/shadow is readable by this group"),
        # the question is not about the description
        ("Who can reconfigure devices?", "dialout — Full and direct access"),
        # not from the start of a line
        ("Which ports give direct access?", "Full and direct access to serial ports"),
        # no entry separator
        ("Which groups give access to devices?", "Some groups give access"),
    ],
)
def test_other_answers_are_kept(question: str, answer: str) -> None:
    assert entry_term(question, CONTEXT, _span(answer)) == _span(answer)


def _bounds(text: str) -> tuple[int, int]:
    start = CONTEXT.index(text)
    return start, start + len(text)


def test_a_description_that_refers_back_means_its_term() -> None:
    assert entry_referent(CONTEXT, *_bounds("this group can reconfigure")) == _bounds("dialout")
    assert entry_referent(CONTEXT, *_bounds("this group.")) == _bounds("shadow")


@pytest.mark.parametrize(
    "text",
    [
        "dialout",  # the term itself
        "serial ports",  # nothing that refers back
    ],
)
def test_other_spans_refer_to_no_term(text: str) -> None:
    assert entry_referent(CONTEXT, *_bounds(text)) is None
    assert entry_referent("It opened in May.\n" + CONTEXT, 0, 2) is None  # "It", not in an entry


GROUPS = (
    "kmem — /dev/kmem and similar files are readable by this group. This is mostly a BSD relic, "
    "but any programs that need direct read access to the system's memory can thus be made "
    "setgid kmem.\n"
    "dialout — Full and direct access to serial ports. Members of this group can reconfigure the "
    "modem, dial anywhere, etc.\n"
    'dip — The group\'s name stands for "Dialup IP". Being in group dip allows you to use tools '
    "such as pppd, pon, and poff to make dialup connections to other systems using predefined "
    "configuration file(s) in the /etc/ppp/peers directory.\n"
    "fax — Allows members to use fax software to send or receive faxes.\n"
    "voice — Voicemail, useful for systems that use modems as answering machines.\n"
    "cdrom — This group can be used locally to give a set of users access to a CD-ROM drive.\n"
    "floppy — This group can be used locally to give a set of users access to a floppy drive."
)


def test_shipped_reader_answers_with_the_term() -> None:
    question = "Which group gives full and direct access to serial ports?"
    engine = QAEngine.from_bundle(DEFAULT_MODEL, threads=1)
    windows = engine.tokenizer.windows(question, GROUPS)
    logits = [engine.runner.run(window) for window in windows]
    starts, ends = [s for s, _ in logits], [e for _, e in logits]
    whole = best_span(GROUPS, windows, starts, ends, refuse=echo_filter(question))
    assert whole is not None and whole.text.startswith("dialout — Full and direct access")
    span = engine.answer(question, GROUPS)
    assert span is not None and span.text == "dialout"


LIBVIRT = (
    "Groups of a Debian system:\n"
    "scanner — Users in this group can use scanners.\n"
    "_ssh — ssh-agent is setgid to _ssh in order to prevent ptrace attacks.\n"
    "libvirt — Access to the system libvirt daemon is controlled by this group. Membership in "
    "this group gives full daemon access."
)


def test_shipped_reader_answers_this_group_with_the_entrys_term(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    question = "Which group controls access to the system libvirt daemon?"
    engine = QAEngine.from_bundle(DEFAULT_MODEL, threads=1)
    assert engine.answer(question, LIBVIRT).text == "libvirt"  # the reader's "this group"
    monkeypatch.setattr("assistant.qa.engine.entry_referent", lambda context, start, end: None)
    assert engine.answer(question, LIBVIRT).text == "Membership"
