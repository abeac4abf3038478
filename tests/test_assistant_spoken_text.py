"""Replies people follow: numbers, amounts, times, dates, years, percentages, ordinals, units,
codes and abbreviations said in words (`assistant.voice.spoken_text`, with num2words), the
reply's form (`assistant.answering.reply`), and `ask --json`'s "spoken"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answering.answerer import NOT_FOUND, Answer, Source
from assistant.answering.replies import sentence_around
from assistant.answering.reply import reply_text
from assistant.cli.main import main
from assistant.voice.spoken_text import speakable

SAMPLE = Path(__file__).resolve().parents[1] / "docs" / "sample-documents"


@pytest.mark.parametrize(
    ("written", "said"),
    [
        # amounts
        ("Adult tickets cost £9.50.", "Adult tickets cost nine pounds fifty."),
        ("£1, £24 and £1.05", "one pound, twenty-four pounds and one pound five"),
        (
            "a stamp costs 85p, a sweet £0.50",
            "a stamp costs eighty-five pence, a sweet fifty pence",
        ),
        ("$3.25 or €12", "three dollars twenty-five or twelve euros"),
        (
            "£2.5m and $1,250",
            "two point five million pounds and one thousand two hundred and fifty dollars",
        ),
        # times
        ("open 10:00 to 17:30", "open ten o'clock to five thirty in the afternoon"),
        ("at 6:45 am and 11:10 pm.", "at six forty-five in the morning and eleven ten at night."),
        ("by 7 am. Then", "by seven in the morning. Then"),
        ("at 9.30am or 12:05", "at nine thirty in the morning or twelve oh five"),
        ("at 12:00 pm", "at noon"),
        # dates and years
        ("due on 14 October 2025", "due on the fourteenth of October twenty twenty-five"),
        (
            "on 24, 25 and 26 December",
            "on the twenty-fourth, twenty-fifth and twenty-sixth of December",
        ),
        ("on March 3, 2025", "on March the third twenty twenty-five"),
        ("on 2024-03-12", "on the twelfth of March twenty twenty-four"),
        (
            "founded in 1889, moved in 1905",
            "founded in eighteen eighty-nine, moved in nineteen oh-five",
        ),
        (
            "since 2005; from 1914-1918",
            "since two thousand and five; from nineteen fourteen to nineteen eighteen",
        ),
        # percentages, ordinals
        ("recycled 48%, up 2.5 %", "recycled forty-eight percent, up two point five percent"),
        ("the 1st, 2nd, 3rd and 22nd floor", "the first, second, third and twenty-second floor"),
        # units
        (
            "40 °C, 7 kg, 2 h 15 min",
            "forty degrees Celsius, seven kilograms, two hours fifteen minutes",
        ),
        (
            "-5°C, 150 m, 1 km, 35 ml, 67 Mbps",
            "minus five degrees Celsius, one hundred and fifty "
            "metres, one kilometre, thirty-five millilitres, sixty-seven megabits per second",
        ),
        # codes, phone numbers, plain numbers
        ("E01 and F22 and H3", "E zero one and F twenty-two and H three"),
        ("model WM-7140", "model W M seven one four zero"),
        ("phone 01632 960123", "phone zero one six three two, nine six zero one two three"),
        (
            "65536 UIDs, 1,250 pages, 3.5 stars",
            "sixty-five thousand five hundred and thirty-six "
            "UIDs, one thousand two hundred and fifty pages, three point five stars",
        ),
        ("open 9-5, add 1/2 cup", "open nine to five, add a half cup"),
        # abbreviations
        (
            "Dr. Amir Shah and Mrs. Patel at No. 12",
            "Doctor Amir Shah and Missus Patel at number 12".replace("12", "twelve"),
        ),
        (
            "e.g. schools, i.e. classes, etc. Then",
            "for example schools, that is classes, et cetera. Then",
        ),
        ("Clarke Heating Ltd & Sons", "Clarke Heating Limited and Sons"),
    ],
)
def test_said_as_people_say_it(written: str, said: str) -> None:
    assert speakable(written) == said
    assert speakable(said) == said  # a second pass changes nothing


def test_words_pass_unchanged() -> None:
    for text in ("Loaded documents from KINGSTON.", "stick-1A2B-3C4D", "I heard: what is it."):
        assert speakable(text) == text


def answer(text: str, sentence: str) -> Answer:
    return Answer("q", text, True, 12.0, Source("c", "f.md", 1), sentence=sentence)


LONG = (
    "The town's museum, which the mill owner Edith Marsh founded in 1889 with her own "
    "collection of river finds, moved to the old corn exchange on Quay Street in 1962."
)


def test_a_short_sentence_is_said_whole() -> None:
    assert reply_text(answer("£9.50", "adult tickets cost £9.50")) == "Adult tickets cost £9.50."


def test_a_long_sentence_is_cut_to_the_clause_that_holds_the_answer() -> None:
    assert reply_text(answer("1962", LONG)) == (
        "Moved to the old corn exchange on Quay Street in 1962."
    )
    assert reply_text(answer("1962", LONG), "sentence") == LONG


def test_an_answer_without_a_short_clause_is_framed() -> None:
    run_on = " ".join(["word"] * 30) + " lpadmin " + " ".join(["word"] * 30)
    assert reply_text(answer("lpadmin", run_on)) == "The answer is lpadmin."
    assert reply_text(answer("lpadmin", "")) == "The answer is lpadmin."


def test_span_mode_messages_and_what_was_heard() -> None:
    assert reply_text(answer("£9.50", "Adult tickets cost £9.50."), "span") == "£9.50"
    not_found = Answer("q", NOT_FOUND, False, 3.0, None)
    assert reply_text(not_found) == NOT_FOUND
    assert reply_text(answer("£9.50", "Adult tickets cost £9.50."), heard="how much") == (
        "I heard: how much. Adult tickets cost £9.50."
    )
    assert reply_text(answer("£9.50", "x"), "span", heard="how much") == (
        "I heard: how much. The answer is: £9.50."
    )


def test_titles_and_numbers_do_not_end_a_sentence() -> None:
    text = "Spare key.\nA spare key is kept by Mrs. Patel at No. 12, opposite. Ask Dr. Shah."
    start = text.index("Patel")
    assert sentence_around(text, start, start + 5) == (
        "A spare key is kept by Mrs. Patel at No. 12, opposite."
    )


@pytest.mark.slow
def test_ask_json_says_what_the_voice_says(capsys) -> None:
    """The shipped model on the shipped sample documents."""
    assert main(["ask", "--docs", str(SAMPLE), "--json", "How much is an adult ticket?"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert reply["answer"] == "£9.50"
    assert reply["spoken"] == "Adult tickets cost nine pounds fifty."
