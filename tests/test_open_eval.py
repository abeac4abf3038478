"""`qa-eval --open`: a SQuAD file's articles as documents, answered through the library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.config import DEFAULT_RETRIEVER
from converter.eval_cli import main as qa_eval

ARTICLES = {
    "Paris": (
        "The Eiffel Tower was built in 1889 in Paris, the capital of France.",
        [
            # no names: held out, they are read (a name the library lacks is never answered)
            ("p1", "When was the tower built?", "1889"),
            ("p2", "What is the capital of the country?", "Paris"),
        ],
    ),
    "Hastings": (
        "The battle of Hastings was fought in 1066. The king of England was killed.",
        [("h1", "When was the battle of Hastings?", "1066")],
    ),
    "Raspberry_pi": (
        "The raspberry pi has a red button and a green answer light.",
        [("r1", "What colour is the button of the raspberry pi?", "red")],
    ),
}


def write_articles_file(path: Path) -> Path:
    data = [
        {
            "title": title,
            "paragraphs": [
                {
                    "context": context,
                    "qas": [
                        {
                            "id": qid,
                            "question": question,
                            "answers": [{"text": answer, "answer_start": context.index(answer)}],
                        }
                        for qid, question, answer in qas
                    ],
                }
            ],
        }
        for title, (context, qas) in ARTICLES.items()
    ]
    path.write_text(json.dumps({"version": "1.1", "data": data}), encoding="utf-8")
    return path


def run_open(tiny_bundle: Path, tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "open.json"
    squad = write_articles_file(tmp_path / "articles.json")
    args = [str(tiny_bundle), "--squad", str(squad), "--open", "--json", str(out), *extra]
    assert qa_eval([*args, "--no-progress"]) == 0
    return json.loads(out.read_text())


def test_open_benchmark_reports_official_keys_recall_and_gold(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    report = run_open(tiny_bundle, tmp_path, "--retriever", "", "--threshold=-1e6")
    assert report["questions"] == 4 and report["passages"] == 3
    assert report["retriever"] == "bm25" and report["held_out_questions"] == 0
    assert report["false_answer_rate"] is None
    # each question shares words only with its own article's single passage
    assert report["recall_at_1"] == report["recall_at_10"] == 100.0
    assert report["answered_rate"] == 100.0
    for key in ("exact_match", "f1", "gold_exact_match", "gold_f1", "latency_ms_p90"):
        assert 0.0 <= report[key] <= 100.0 or key.startswith("latency")
    assert set(report["predictions"]) == {"p1", "p2", "h1", "r1"}


@pytest.mark.parametrize(("threshold", "rate"), [("-1e6", 100.0), ("1e6", 0.0)])
def test_held_out_articles_give_the_false_answer_rate(
    tiny_bundle: Path, tmp_path: Path, threshold: str, rate: float
) -> None:
    report = run_open(tiny_bundle, tmp_path, "--held-out-articles", "1", f"--threshold={threshold}")
    assert report["retriever"] == "bm25+dense"
    assert report["held_out_articles"] == 1 and report["held_out_questions"] == 2
    assert report["questions"] == 2 and report["passages"] == 2
    assert report["false_answer_rate"] == report["answered_rate"] == rate
    loaded = {q for q, p in report["predictions"].items() if p["loaded"]}
    assert loaded == {"h1", "r1"}  # the first article (Paris) is the one held out


def test_impossible_held_out_count_is_a_clear_error(
    tiny_bundle: Path, tmp_path: Path, capsys
) -> None:
    squad = write_articles_file(tmp_path / "articles.json")
    assert (
        qa_eval([str(tiny_bundle), "--squad", str(squad), "--open", "--held-out-articles", "3"])
        == 2
    )
    assert "--held-out-articles must be between 0 and 2" in capsys.readouterr().err


def test_the_default_retriever_is_shipped() -> None:
    assert (Path(DEFAULT_RETRIEVER) / "bundle.json").is_file()
