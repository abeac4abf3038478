"""Household training passages (`qa-distill household`): generated table rows, field lines,
lists and notices whose questions name their row and column, a third of them about a row,
field or item the passage lacks (labelled no-answer)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.qa.squad import load_examples
from distill.cli import main as qa_distill
from distill.household import GENERATORS, household_articles

_CODE = re.compile(r"\b[EFHC]\d\d\b")


def _questions(articles: list[dict]) -> list[tuple[str, dict]]:
    return [(p["context"], q) for a in articles for p in a["paragraphs"] for q in p["qas"]]


def test_every_answer_is_its_text_at_its_offset_and_every_generator_is_used() -> None:
    articles = household_articles(3 * len(GENERATORS), seed=3)
    assert {a["title"] for a in articles} == {f"household {g.__name__}" for g in GENERATORS}
    questions = _questions(articles)
    answerable = [(c, q) for c, q in questions if not q["is_impossible"]]
    assert answerable and len(answerable) < len(questions)
    for context, question in answerable:
        (answer,) = question["answers"]
        start = answer["answer_start"]
        assert context[start : start + len(answer["text"])] == answer["text"]


def test_a_fault_code_question_is_unanswerable_exactly_when_the_table_lacks_the_code() -> None:
    articles = [a for a in household_articles(40, seed=1) if a["title"].endswith("fault_codes")]
    checked = 0
    for context, question in _questions(articles):
        (code,) = _CODE.findall(question["question"])
        assert question["is_impossible"] == (code not in context)
        checked += 1
    assert checked > 10


def test_an_answered_cell_lies_on_the_row_the_question_names() -> None:
    articles = [a for a in household_articles(60, seed=2) if a["title"].endswith("price_list")]
    for context, question in _questions(articles):
        if question["is_impossible"]:
            continue
        start = question["answers"][0]["answer_start"]
        line = context[context.rfind("\n", 0, start) + 1 :].split("\n")[0]
        ticket = line.split(";")[0].removeprefix("Ticket: ").lower()
        assert ticket in question["question"].lower()


def test_the_command_keeps_a_sample_of_the_training_file_and_is_deterministic(
    tmp_path: Path,
) -> None:
    context = "The tower was designed by Gustave Eiffel and finished in 1889."
    squad = {
        "version": "2.0",
        "data": [
            {
                "title": "Tower",
                "paragraphs": [
                    {
                        "context": context,
                        "qas": [
                            {
                                "id": f"q{n}",
                                "question": "Who designed the tower?",
                                "answers": [{"text": "Gustave Eiffel", "answer_start": 26}],
                                "is_impossible": False,
                            }
                            for n in range(3)
                        ],
                    }
                ],
            }
        ],
    }
    source = tmp_path / "train.json"
    source.write_text(json.dumps(squad))
    outs = [tmp_path / "a.json", tmp_path / "b.json"]
    for out in outs:
        args = ["household", str(source), "--out", str(out), "--passages", "22", "--keep", "1"]
        assert qa_distill(args) == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()
    examples = load_examples(outs[0])
    assert sum(not ex.id.startswith("household-") for ex in examples) == 3
    assert sum(ex.is_impossible for ex in examples) > 10


def test_a_question_borrowed_from_another_table_names_what_this_one_lacks() -> None:
    borrowed = [
        (context, question)
        for context, question in _questions(household_articles(120, seed=5))
        if question["id"].endswith("-other")
    ]
    assert len(borrowed) > 10
    for context, question in borrowed:
        assert question["is_impossible"]
        names = re.findall(r"\b(?:[A-Z]\w+|\w*\d[\w:]*)", question["question"].split(" ", 1)[1])
        assert any(name not in context for name in names)
