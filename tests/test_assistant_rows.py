"""A table passage is read only in the rows the question names, with its caption; the span
comes back as a span of the whole passage (`assistant.qa.rows`, with the shipped reader)."""

from __future__ import annotations

import pytest

from assistant.config import AnswerConfig
from assistant.qa.engine import QAEngine
from assistant.qa.rows import focus

ADMISSION = "\n".join(
    [
        "Admission prices",
        "Ticket: Adult; Price: £12.50",
        "Ticket: Child (5 to 16); Price: £6.25",
        "Ticket: Under 5; Price: Free",
        "Ticket: Concession (over 65, student, disabled visitor); Price: £10.00",
        "Ticket: Family (2 adults and up to 3 children); Price: £34.00",
        "",
        "A carer accompanying a disabled visitor goes free.",
    ]
)


def test_a_table_is_focused_on_the_named_rows_and_its_caption() -> None:
    focused = focus("How much is a child ticket?", ADMISSION)
    assert focused is not None
    assert focused.text == "Admission prices\nTicket: Child (5 to 16); Price: £6.25"
    focused = focus("How much is a ticket for a disabled visitor?", ADMISSION)
    assert focused is not None
    assert focused.text.split("\n")[1:] == [
        "Ticket: Concession (over 65, student, disabled visitor); Price: £10.00"
    ]


def test_prose_and_a_table_that_no_line_of_matches_are_read_whole() -> None:
    prose = "The museum opens at ten.\nIt closes at five.\nDogs are welcome in the yard."
    assert focus("When does the museum open?", prose) is None
    assert focus("Where is the car park?", ADMISSION) is None
    assert focus("How much is a child ticket?", "Ticket: Child; Price: £6.25") is None


@pytest.fixture(scope="module")
def reader() -> QAEngine:
    return QAEngine.from_bundle(AnswerConfig().model, threads=1)


def test_the_span_of_a_focused_table_is_a_span_of_the_whole_passage(reader) -> None:
    span = reader.answer("How much is a child ticket?", ADMISSION)
    assert span is not None
    assert span.text == "£6.25"
    assert ADMISSION[span.start_char : span.end_char] == "£6.25"
    span = reader.answer("How much is a family ticket?", ADMISSION)
    assert span is not None
    assert ADMISSION[span.start_char : span.end_char] == span.text == "£34.00"
