"""A question that names something no document mentions is answered so, without reading."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.library import LIBRARY_DOCS, load_stick
from support.oracle import oracle_engine

from assistant.answering.answerer import Answerer
from assistant.answering.unmentioned import Vocabulary, name_runs, unmentioned
from assistant.retrieval.index import Library
from assistant.shelf.store import open_library


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the MIME type of a FLAC audio file?", [["MIME"], ["FLAC"]]),
        ("Which file does zlib's deflateSetDictionary() read?", [["deflateSetDictionary"]]),
        ("How many buildings fell in the May 27th aftershocks?", [["May", "27"]]),
        ("Where do I find the 1990s results?", [["1990"]]),
        ("When does the library open on Sunday?", [["Sunday"]]),
        ("How many people does NYC's fashion industry employ?", [["NYC"]]),
        ("how many books can members borrow", []),  # a transcript: lower case, no names
        ("What was I told?", []),
        ("WHO DECLARES ROBIN AN OUTLAW IN 1190?", [["1190"]]),  # no case to go by
    ],
)
def test_names_are_capitalised_words_after_the_first_and_numbers(question, expected) -> None:
    assert name_runs(question) == expected


def test_a_name_is_mentioned_when_a_term_of_it_is_folded_as_retrieval_folds_it() -> None:
    vocabulary = Vocabulary(frozenset({"beyonce", "wi", "fi", "27"}), [])
    assert unmentioned("Which album did Beyoncé sing on 28 June?", vocabulary) == ["28 June"]
    assert unmentioned("Is the Wi-Fi free for Beyonce's fans?", vocabulary) == []
    assert unmentioned("Does DOCKER or Docker run it?", vocabulary) == ["DOCKER", "Docker"]
    # a name is said whole: the documents mention 27, not Raspberry or Pi
    assert unmentioned("Does a Raspberry Pi 27 play it?", vocabulary) == ["Raspberry Pi 27"]


def test_a_run_of_names_needs_its_numbers_and_half_its_words() -> None:
    vocabulary = Vocabulary(frozenset({"father", "carrier", "raspberry", "pi", "4", "46th"}), [])
    # one misspelt or shortened word in a longer name
    assert unmentioned("What did Father Josh Carrier teach?", vocabulary) == []
    assert unmentioned("Which port does a Raspberry Pi 4 lack?", vocabulary) == []
    # a number tells models apart; "46th" in the documents mentions 46
    assert unmentioned("Which port does a Raspberry Pi 5 lack?", vocabulary) == ["Raspberry Pi 5"]
    assert unmentioned("Who won at the 46th Grammy Awards?", vocabulary) == ["46 Grammy Awards"]
    assert unmentioned("Who won at the 46th Pi Awards?", vocabulary) == []


def test_a_long_name_with_one_typo_and_initials_of_capitalised_words_are_mentioned() -> None:
    text = "The Solzinc process in New York City, on 11 September 1776."
    vocabulary = Vocabulary(
        frozenset({"solzinc", "process", "new", "york", "city", "september"}), [text]
    )
    question = "Did the Solznic process reach NYC or the NY Times on Septermber 11 in Spetmber?"
    # one letter swapped, one added; "NYC"/"NY" are initials (and half of "NY Times");
    # "Spetmber" is two edits away; 11 is not in the documents
    assert unmentioned(question, vocabulary) == ["Septermber 11", "Spetmber"]
    # short names match exactly only: FLAC is not "flag"
    assert unmentioned("Is FLAC a flag?", Vocabulary(frozenset({"flag"}), [])) == ["FLAC"]


@pytest.fixture
def library(tmp_path: Path) -> Library:
    load_stick(LIBRARY_DOCS, tmp_path / "state", name="state")
    return open_library(tmp_path / "state")


def test_a_question_about_what_no_document_mentions_is_not_read(library, tmp_path) -> None:
    engine = oracle_engine(tmp_path, {"nine in the morning": "open"})
    read: list[str] = []
    reader_answer = engine.answer

    def counting(question, context, stop=None):
        read.append(context)
        return reader_answer(question, context, stop)

    engine.answer = counting
    answerer = Answerer(library, engine, top_k=3, threshold=0.0)
    # the documents say "day": half of "Christmas Day" is mentioned, the Louvre is not
    result = answerer.answer("When does the Louvre open on Christmas Day?")
    assert (result.found, result.text, result.source, read) == (
        False,
        "Your documents don't mention Louvre.",
        None,
        [],
    )
    # the documents name Riverside, Saturday and the library: the question is read and answered
    result = answerer.answer("When does the Riverside library open on Saturday?")
    assert (result.found, result.text) == (True, "nine in the morning")
    assert read
