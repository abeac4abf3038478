"""An answer from a passage that is not about the question's subject scores lower: a question
word no document contains, a name the passage lacks, a word naming what another document is
about that the answer's document lacks, a word of another section's heading that the answer's
passage lacks; and an answer whose sentence says every word of the
question scores higher (real library, retrieval and QA engine with the oracle model)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.library import LIBRARY_DOCS, load_stick
from support.oracle import oracle_engine

from assistant.answering.answerer import Answerer
from assistant.answering.subject import (
    ABSENT_TERM_PENALTY,
    MISSING_NAME_PENALTY,
    OTHER_SECTION_PENALTY,
    OTHER_SUBJECT_PENALTY,
    SAID_BONUS,
    Subject,
    question_words,
)
from assistant.answering.unmentioned import Vocabulary
from assistant.retrieval.index import Library
from assistant.shelf.store import open_library


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Library:
    state = tmp_path_factory.mktemp("state")
    load_stick(LIBRARY_DOCS, state)
    return open_library(state)


@pytest.fixture
def subject(library) -> Subject:
    return Subject.of(library, Vocabulary.of(library))


def test_words_that_only_say_what_kind_of_answer_is_wanted_are_not_the_subject() -> None:
    assert question_words("How long does the banana bread take to bake?") == [
        ("banana", False),
        ("bread", False),
        ("bake", False),
    ]
    assert question_words("When is the first bus on Sunday from stop 12?") == [
        ("first", False),
        ("bus", False),
        ("Sunday", True),
        ("stop", False),
        ("12", True),
    ]


def test_a_word_no_document_contains_is_counted(subject) -> None:
    assert subject.about("When does the library open?").absent_terms == 0
    assert subject.about("Which libraries opened?").absent_terms == 0  # stems: "opened" is "open"
    assert subject.about("When does the library cafe open?").absent_terms == 1
    assert subject.about("How many eggs go into pancakes?").absent_terms == 2


def test_a_misspelt_word_or_initials_count_as_mentioned(subject) -> None:
    assert subject.about("When does the libary open?").absent_terms == 0
    assert subject.about("When does the RCL open?").absent_terms == 0  # Riverside Community Library


def test_a_name_missing_from_the_answers_passage_costs_that_answer(library, subject) -> None:
    (hit,) = library.search("When does the library open on Monday?", 1)
    assert subject.about("When does the library open on Monday?").penalty(hit) == 0
    # a name the library has (the railway page), but not this passage; "Valley" and "trains"
    # also say what the railway page is about
    assert subject.about("When does the library open for Valley trains?").penalty(hit) == (
        MISSING_NAME_PENALTY + 2 * OTHER_SUBJECT_PENALTY
    )
    assert subject.about("When do pancake quartets open?").penalty(hit) == (2 * ABSENT_TERM_PENALTY)


def test_the_answer_score_carries_the_penalty(library, tmp_path: Path) -> None:
    engine = oracle_engine(tmp_path, {"nine in the morning": "open"})
    answerer = Answerer(library, engine, top_k=3, threshold=0.0)
    about = answerer.answer("When does the library open?")
    off_subject = answerer.answer("When does the library cafe open?")
    assert about.text == off_subject.text == "nine in the morning"
    # the first answer's sentence also says every word of its question; "cafe" is nowhere
    assert about.score - off_subject.score == pytest.approx(
        ABSENT_TERM_PENALTY + SAID_BONUS, abs=0.01
    )


def test_a_word_naming_another_documents_subject_costs_an_answer_whose_document_lacks_it(
    library, subject
) -> None:
    (hours,) = library.search("When does the library open on Monday?", 1)
    (garden,) = library.search("How often are tomatoes fed?", 1)
    assert (hours.passage.file, garden.passage.file) == ("opening_hours.txt", "garden.md")
    # "tomatoes" heads garden.md, which the opening hours never mention
    asked = subject.about("When are the tomatoes in the library watered?")
    assert asked.subjects == {"tomato"}
    assert asked.penalty(hours) == OTHER_SUBJECT_PENALTY
    assert asked.penalty(garden) == 0
    # a word only in another document's text, not in what it is about, is not its subject
    assert subject.about("When does the library open for bicycles?").penalty(hours) == 0


def test_an_answer_whose_sentence_says_every_word_of_the_question_gains_the_bonus(
    library, subject
) -> None:
    (hours,) = library.search("When does the library open on Monday?", 1)
    sentence = (
        "The Riverside Community Library opens at nine in the morning from Monday to Saturday."
    )
    assert sentence in hours.passage.text
    # "library", "open" (stem of "opens") and "Monday" are all in the sentence
    assert (
        subject.about("When does the library open on Monday?").said_bonus(sentence, hours.passage)
        == SAID_BONUS
    )
    # "books" is in the passage, but not in this sentence
    assert (
        subject.about("When does the library open for books?").said_bonus(sentence, hours.passage)
        == 0
    )
    # the file name and title count as the sentence's own words ("hours" in opening_hours.txt)
    assert (
        subject.about("What are the library hours on Monday?").said_bonus(sentence, hours.passage)
        == SAID_BONUS
    )


def test_a_word_of_another_sections_heading_costs_an_answer_whose_passage_lacks_it(
    library, subject
) -> None:
    # garden.md: "Growing tomatoes" (watering), then the section "Feeding"
    hits = {h.passage.position: h for h in library.search("How are tomatoes watered?", 3)}
    watering, feeding = hits[1], hits[2]
    assert (watering.passage.file, feeding.passage.section) == ("garden.md", "Feeding")
    asked = subject.about("How deeply are tomatoes watered before feeding?")
    assert asked.sections == {"feed"}
    assert asked.penalty(watering) == OTHER_SECTION_PENALTY
    assert asked.penalty(feeding) == 0


def test_a_question_of_fewer_than_two_words_gains_no_bonus(library, subject) -> None:
    (hours,) = library.search("When does the library open on Monday?", 1)
    sentence = (
        "The Riverside Community Library opens at nine in the morning from Monday to Saturday."
    )
    # a misheard spoken question: "library" is its one word ("what", "is", "to" say nothing)
    assert subject.about("what is to library").said_bonus(sentence, hours.passage) == 0
    assert subject.about("what is to it").said_bonus(sentence, hours.passage) == 0
