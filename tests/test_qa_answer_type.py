"""The kind of answer a question asks for: spans that cannot be it are refused."""

from __future__ import annotations

import pytest

from assistant.qa.answer_type import expected_kind, type_filter


@pytest.mark.parametrize(
    ("question", "right", "wrong"),
    [
        ("How much is a child ticket?", "£4.50", "museum opening hours"),
        ("How many eggs go into the cake?", "three", "free-range"),
        ("What time does the museum open?", "half past nine", "weekdays"),
        ("What time is the last bus?", "18:45", "from the Bus Station"),
        ("At what time does the shop close?", "5pm", "the shop"),
        ("What date is the PTA Easter bingo?", "Fri 28 March", "6pm"),
        ("Which day is the bin collected?", "Tuesday", "green bin"),
        ("In what year did the museum open?", "1889", "the Victorians"),
        ("What is the price of a family ticket?", "£25", "two adults"),
        ("How long does the banana bread bake?", "55–60 minutes", "180°C"),
        ("How long is the walk?", "3 km", "along the river"),
        ("What temperature is the fan oven?", "160°C", "gas mark"[:3]),
        ("How heavy is the boiler?", "32 kg", "Comfort 28c"),
        ("What is the claims phone number?", "0808 157 0318", "OHI-4471-2209"),
        ("What number do I call to book a group visit?", "01632 960214", "1099999"),
    ],
)
def test_a_span_of_the_asked_kind_passes_and_others_are_refused(question, right, wrong) -> None:
    refused = type_filter(question)
    assert not refused(right)
    assert refused(wrong)


@pytest.mark.parametrize(
    "question",
    ["Who is the head teacher?", "Why did the boiler stop?", "What does F22 mean?", "Where is it?"],
)
def test_a_question_that_does_not_say_its_kind_refuses_nothing(question) -> None:
    assert expected_kind(question) is None
    assert not type_filter(question)("anything at all")
