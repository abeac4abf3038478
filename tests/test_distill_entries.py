"""Entry-list training passages (`qa-distill entries`): short-answer questions asked again
against lists of "term — description" lines, each answered by its own line's term, the term in
the description replaced by "this"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.qa.squad import load_examples
from distill.cli import main as qa_distill
from distill.entries import MIN_ENTRIES, SEPARATORS

FACTS = [
    ("q1", "Who designed the tower?", "Gustave Eiffel", "It was designed by Gustave Eiffel."),
    ("q2", "When was the tower finished?", "1889", "Building work on the tower ended in 1889."),
    ("q3", "What is the tower made of?", "wrought iron", "The tower is made of wrought iron."),
    ("q4", "Where does the tower stand?", "Paris", "It stands on the Champ de Mars in Paris."),
]


def _squad(facts: list[tuple[str, str, str, str]], extra: list[dict] | None = None) -> dict:
    context = "Intro words here. " + " ".join(sentence for *_, sentence in facts)
    qas = [
        {
            "id": qid,
            "question": question,
            "answers": [{"text": answer, "answer_start": context.index(answer)}],
            "is_impossible": False,
        }
        for qid, question, answer, _ in facts
    ]
    paragraphs = [{"context": context, "qas": qas + (extra or [])}]
    return {
        "version": "2.0",
        "data": [{"title": "Tower", "source": "wiki", "paragraphs": paragraphs}],
    }


def test_each_question_is_answered_by_the_term_of_its_own_line(tmp_path: Path) -> None:
    long_answer = {
        "id": "q5",
        "question": "What do visitors say?",
        "answers": [{"text": "Intro words here. It was designed", "answer_start": 0}],
        "is_impossible": False,
    }
    unanswerable = {"id": "q6", "question": "Who owns it?", "answers": [], "is_impossible": True}
    source = tmp_path / "train.json"
    source.write_text(json.dumps(_squad(FACTS, [long_answer, unanswerable])))

    out = tmp_path / "out.json"
    assert qa_distill(["entries", str(source), "--out", str(out), "--per-question", "2"]) == 0

    added = [ex for ex in load_examples(out) if "-e" in ex.id]
    assert sorted(ex.id for ex in added) == [f"q{n}-e{k}" for n in range(1, 5) for k in (0, 1)]
    facts = {qid: (question, answer, sentence) for qid, question, answer, sentence in FACTS}
    for example in added:
        question, answer, sentence = facts[example.id.split("-e")[0]]
        assert example.question == question
        lines = example.context.split("\n")
        assert len(lines) == len(FACTS)
        start = example.answers[0].start
        # the answer is the term that opens a line, and that line describes it
        assert start == 0 or example.context[start - 1] == "\n"
        line = example.context[start:].split("\n")[0]
        separator = next(s for s in SEPARATORS if line.startswith(answer + s))
        description = line.removeprefix(answer + separator)
        assert description == sentence.replace(answer, "this", 1)
    # the original questions stay
    assert {"q1", "q5", "q6"} <= {ex.id for ex in load_examples(out)}


def test_a_file_without_enough_short_answers_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "train.json"
    source.write_text(json.dumps(_squad(FACTS[: MIN_ENTRIES - 1])))
    assert qa_distill(["entries", str(source), "--out", str(tmp_path / "out.json")]) == 2
    assert "short-answer questions" in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists()
