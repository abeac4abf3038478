"""The household benchmark's data (bench/data/home) is sound, and its answer comparison is exact.

No model runs here: the documents are read with the assistant's own scanner, and every
answerable question's document wording is looked for in the text the scanner extracts (a phrase
lost by an extractor fails here first), every unanswerable question's missing phrases in the
document it is close to.
"""

from __future__ import annotations

import json
from functools import cache

import pytest
from home_documents import DOCS, QUESTIONS, at_threshold, contains, outcome, tokens

from assistant.documents.scan import scan_folder

FORMATS = (".txt", ".md", ".html", ".pdf", ".docx")


@cache
def questions() -> list[dict]:
    return json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]


@cache
def texts() -> dict[str, str]:
    scan = scan_folder(DOCS)
    assert scan.refusals == []
    return {d.name: d.text for d in scan.documents}


def test_every_format_has_at_least_two_documents() -> None:
    names = list(texts())
    assert len(names) >= 12
    for suffix in FORMATS:
        assert sum(n.endswith(suffix) for n in names) >= 2, suffix


def test_the_folder_is_small() -> None:
    assert sum(p.stat().st_size for p in DOCS.parent.rglob("*") if p.is_file()) < 1_000_000


def test_every_question_has_its_fields() -> None:
    ids = [q["id"] for q in questions()]
    assert len(ids) == len(set(ids))
    for q in questions():
        assert q["question"].strip().endswith("?"), q["id"]
        assert isinstance(q["answers"], list), q["id"]
        assert q["document"] in texts(), q["id"]
        assert q["split"] in ("tune", "held"), q["id"]
        assert len(q["kind"]) == 2 and all(q["kind"]), q["id"]
        if not q["answers"]:
            assert q["missing"] and q["why"], q["id"]


def test_counts_and_a_third_held() -> None:
    for answerable, least in ((True, 70), (False, 45)):
        mine = [q for q in questions() if bool(q["answers"]) == answerable]
        held = sum(q["split"] == "held" for q in mine)
        assert len(mine) >= least
        assert 0.25 <= held / len(mine) <= 0.4
        assert len({q["document"] for q in mine if q["split"] == "held"}) >= 12


def in_text(text: str, phrase: str) -> bool:
    """Whether a document's text holds `phrase` (a short lone token: as one of its tokens)."""
    return contains(text, phrase) or tokens(phrase) in ([t] for t in tokens(text))


def test_answers_are_in_the_extracted_text_of_their_document() -> None:
    """The first accepted answer is the document's own wording: it must survive extraction."""
    lost = [
        f"{q['id']} {q['document']}: {q['answers'][0]!r}"
        for q in questions()
        if q["answers"] and not in_text(texts()[q["document"]], q["answers"][0])
    ]
    assert lost == []


def test_unanswerable_questions_are_not_answered_by_their_document_word_for_word() -> None:
    said = [
        f"{q['id']} {q['document']}: {phrase!r}"
        for q in questions()
        if not q["answers"]
        for phrase in q["missing"]
        if in_text(texts()[q["document"]], phrase)
    ]
    assert said == []


def test_no_question_is_asked_twice() -> None:
    asked = [" ".join(tokens(q["question"])) for q in questions()]
    assert len(asked) == len(set(asked))


@pytest.mark.parametrize(
    ("answer", "phrase", "expected"),
    [
        ("£4.50", "£4.50", True),
        ("£4.50", "4.50", True),
        ("A child ticket is £4.50.", "£4.50", True),
        ("£14.50", "£4.50", False),
        ("£14.50", "4.50", False),
        ("06:15", "06:15", True),
        ("16:15", "06:15", False),
        ("06:15", "6:15", False),
        ("7 years", "7 years", True),
        ("17 years", "7 years", False),
        ("a 7-year warranty", "7-year", True),
        ("£500,000", "£500", False),
        ("£500000", "£500,000", True),
        ("£1,000", "£1000", True),
        ("180 °C", "180°C", True),
        ("160°C fan", "180°C", False),
        ("180°C", "C", False),
        ("C", "C", True),
        ("Valuation band: C", "band C", True),
        ("F2", "F22", False),
        ("Low water pressure", "low water pressure", True),
        ("3.10% AER", "3.10%", True),
        ("55–60 minutes", "55-60 minutes", True),
        ("1:30pm", "1:30 pm", True),
        ("", "£4.50", False),
        ("£4.50", "", False),
    ],
)
def test_contains(answer: str, phrase: str, expected: bool) -> None:
    assert contains(answer, phrase) is expected


def test_outcome() -> None:
    answerable = {"answers": ["£6.25"]}
    assert outcome(answerable, True, "£6.25") == "right"
    assert outcome(answerable, True, "£12.50") == "wrong"
    assert outcome(answerable, False, "I couldn't find that.") == "not found"
    unanswerable = {"answers": []}
    assert outcome(unanswerable, True, "9am to 4pm") == "false answer"
    assert outcome(unanswerable, False, "I couldn't find that.") == "not found"


def test_a_threshold_turns_the_answers_below_it_into_not_found() -> None:
    predictions = [
        {"answers": ["£6.25"], "span": "£6.25", "score": 9.0},
        {"answers": ["£6.25"], "span": "£12.50", "score": 7.5},
        {"answers": [], "span": "9am", "score": 8.0},
        {"answers": [], "span": "", "score": None},
    ]
    assert [p["outcome"] for p in at_threshold(predictions, 7.0)] == [
        "right",
        "wrong",
        "false answer",
        "not found",
    ]
    assert [p["outcome"] for p in at_threshold(predictions, 8.5)] == [
        "right",
        "not found",
        "not found",
        "not found",
    ]
