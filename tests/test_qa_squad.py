"""SQuAD reading and the official v1.1 metric."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.qa.squad import (
    SquadFormatError,
    exact_match,
    f1_score,
    load_examples,
    normalize_answer,
    score,
)


def write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


CTX = "The Eiffel Tower was built in 1889 in Paris."


def squad(qas: list[dict], context: str = CTX) -> dict:
    return {
        "version": "1.1",
        "data": [{"title": "T", "paragraphs": [{"context": context, "qas": qas}]}],
    }


def test_normalization_matches_official_rules() -> None:
    assert normalize_answer("The  Eiffel, Tower!") == "eiffel tower"
    assert normalize_answer("an apple a day") == "apple day"
    assert normalize_answer("Theatre") == "theatre"  # articles only as whole words


@pytest.mark.parametrize(
    ("pred", "gold", "em", "f1"),
    [
        ("1889", "1889", 1.0, 1.0),
        ("in 1889", "1889", 0.0, 2 / 3),
        ("the Eiffel Tower", "Eiffel Tower.", 1.0, 1.0),
        ("Paris France", "Paris", 0.0, 2 / 3),
        ("", "Paris", 0.0, 0.0),
        ("London", "Paris", 0.0, 0.0),
    ],
)
def test_known_cases(pred: str, gold: str, em: float, f1: float) -> None:
    assert exact_match(pred, gold) == em
    assert f1_score(pred, gold) == pytest.approx(f1)


def test_score_takes_max_over_golds() -> None:
    assert score("Denver Broncos", ["Broncos", "Denver Broncos", "the Broncos"]) == (1.0, 1.0)
    em, f1 = score("Carolina", ["Denver Broncos", "Broncos"])
    assert (em, f1) == (0.0, 0.0)


def test_load_v11_and_v20(tmp_path: Path) -> None:
    v11 = write(
        tmp_path / "a.json",
        squad(
            [{"id": "1", "question": "When?", "answers": [{"text": "1889", "answer_start": 30}]}]
        ),
    )
    (ex,) = load_examples(v11)
    assert (ex.id, ex.answers[0].text, ex.title) == ("1", "1889", "T")
    v20 = write(
        tmp_path / "b.json",
        squad(
            [
                {
                    "id": "1",
                    "question": "When?",
                    "answers": [{"text": "1889", "answer_start": 30}],
                    "is_impossible": False,
                },
                {"id": "2", "question": "Who?", "answers": [], "is_impossible": True},
            ]
        ),
    )
    examples = load_examples(v20)
    assert [e.is_impossible for e in examples] == [False, True]
    assert load_examples(v20, limit=1) == examples[:1]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"nodata": 1}, "no top-level 'data'"),
        ({"data": [{"title": "x"}]}, r"data\[0\]: no 'paragraphs'"),
        (
            squad(
                [{"id": "7", "question": "q?", "answers": [{"text": "1890", "answer_start": 30}]}]
            ),
            r"qas\[0\] \(id 7\): answer '1890' is not at character 30",
        ),
        (squad([{"id": "8", "question": "q?", "answers": []}]), r"id 8\): no answers"),
        (squad([{"id": "9", "question": "", "answers": []}]), "non-empty 'question'"),
        ({"data": []}, "contains no questions"),
    ],
)
def test_malformed_files_name_the_record(tmp_path: Path, doc: object, message: str) -> None:
    with pytest.raises(SquadFormatError, match=message):
        load_examples(write(tmp_path / "bad.json", doc))


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{not json")
    with pytest.raises(SquadFormatError, match="not a JSON file"):
        load_examples(path)
    with pytest.raises(SquadFormatError, match="no such file"):
        load_examples(tmp_path / "missing.json")
