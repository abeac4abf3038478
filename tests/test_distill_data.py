"""Held-out splitting and answer-less window capping of the QA training data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.qa.features import QATokenizer
from assistant.qa.squad import load_examples
from distill.data import qa_items
from distill.errors import DistillError
from distill.split import split_squad

LONG = " ".join(["The river Seine flows through Paris to the North Sea."] * 30)


def squad_file(path: Path) -> Path:
    articles = []
    for source in ("alpha", "beta"):
        for a in range(4):
            paragraphs = []
            for p in range(5):
                context = f"Paris {source} {a} {p}: the tower was built in 1889."
                qas = [
                    {
                        "id": f"{source}-{a}-{p}-{q}",
                        "question": "When was the tower built?",
                        "answers": [{"text": "1889", "answer_start": context.index("1889")}],
                    }
                    for q in range(2)
                ]
                paragraphs.append({"context": context, "qas": qas})
            articles.append({"title": f"{source}{a}", "source": source, "paragraphs": paragraphs})
    path.write_text(json.dumps({"version": "2.0", "data": articles}))
    return path


def test_split_by_paragraph_per_source(tmp_path: Path) -> None:
    counts = split_squad(squad_file(tmp_path / "all.json"), tmp_path / "out", holdout_fraction=0.25)
    assert counts == (60, 20)
    train = load_examples(tmp_path / "out" / "train.json")
    held = load_examples(tmp_path / "out" / "holdout.json")
    assert {e.context for e in train}.isdisjoint({e.context for e in held})
    assert {e.id.split("-")[0] for e in held} == {"alpha", "beta"}  # both sources held out
    again = split_squad(tmp_path / "all.json", tmp_path / "again", holdout_fraction=0.25)
    assert again == counts
    assert (tmp_path / "again" / "holdout.json").read_text() == (
        tmp_path / "out" / "holdout.json"
    ).read_text()


def test_split_refuses_bad_fraction_and_file(tmp_path: Path) -> None:
    with pytest.raises(DistillError, match="between 0 and 1"):
        split_squad(squad_file(tmp_path / "a.json"), tmp_path / "o", holdout_fraction=1.5)
    (tmp_path / "bad.json").write_text('{"data": [{"title": "x"}]}')
    with pytest.raises(DistillError, match=r"data\[0\]"):
        split_squad(tmp_path / "bad.json", tmp_path / "o", holdout_fraction=0.1)


def test_negative_windows_are_capped(tmp_path: Path, tiny_vocab: Path) -> None:
    path = tmp_path / "long.json"
    answer = LONG.rindex("North Sea")
    qas = [
        {
            "id": "q",
            "question": "Where?",
            "answers": [{"text": "North Sea", "answer_start": answer}],
        }
    ]
    path.write_text(
        json.dumps({"data": [{"title": "t", "paragraphs": [{"context": LONG, "qas": qas}]}]})
    )
    tokenizer = QATokenizer(
        tiny_vocab, lowercase=True, max_seq_len=64, max_query_len=8, doc_stride=16
    )
    every = qa_items(path, tokenizer)
    capped = qa_items(path, tokenizer, max_negative_windows=2, seed=3)

    def positives(items: list) -> list:
        return [
            (i["input_ids"].tolist(), i["start_positions"]) for i in items if i["start_positions"]
        ]

    assert len(every) >= 6 and positives(every)
    assert positives(capped) == positives(every)
    assert sum(i["start_positions"] == 0 for i in capped) == 2
    same = qa_items(path, tokenizer, max_negative_windows=2, seed=3)
    assert all((a["input_ids"] == b["input_ids"]).all() for a, b in zip(capped, same, strict=True))


def test_random_init_student_has_the_architecture_but_not_the_weights(
    tmp_path: Path, tiny_bert: Path
) -> None:
    """The ablation baseline: same config as the layer-copied student, none of its weights."""
    import torch
    from transformers import DistilBertForQuestionAnswering

    from distill.cli import main as qa_distill

    copied, random_a, random_b = tmp_path / "copied", tmp_path / "ra", tmp_path / "rb"
    init = ["init-student", "--teacher", str(tiny_bert), "--layers", "0,1", "--out"]
    assert qa_distill([*init, str(copied)]) == 0
    for out in (random_a, random_b):
        assert qa_distill([*init, str(out), "--random-init", "--seed", "3"]) == 0
    assert json.loads((random_a / "config.json").read_text()) == json.loads(
        (copied / "config.json").read_text()
    )
    c, a, b = (
        DistilBertForQuestionAnswering.from_pretrained(p).state_dict()
        for p in (copied, random_a, random_b)
    )
    key = "distilbert.transformer.layer.1.ffn.lin1.weight"
    assert not torch.equal(a[key], c[key])
    assert all(torch.equal(a[k], b[k]) for k in a)  # the seed makes it reproducible
    assert json.loads((random_a / "student_init.json").read_text())["random_init"] is True
