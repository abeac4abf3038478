"""Training inputs for continuing the shipped reader: its weights read back from a TFLite bundle,
and distractor questions (a question asked against a passage that does not answer it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import BertForQuestionAnswering

from assistant.qa.engine import QAEngine
from assistant.qa.squad import load_examples
from converter.cli import main as qa_convert
from distill.cli import main as qa_distill
from distill.distractors import add_distractors
from distill.errors import DistillError
from distill.from_bundle import recover


@pytest.fixture(scope="module")
def trained_bert(tmp_path_factory: pytest.TempPathFactory, tiny_bert: Path) -> Path:
    """The tiny BERT with every weight random, as after training: a fresh model's LayerNorm
    ones and zero biases are constants the converter merges, so their names are gone."""
    folder = tmp_path_factory.mktemp("ckpt") / "trained-bert"
    model = BertForQuestionAnswering.from_pretrained(tiny_bert)
    torch.manual_seed(1)
    with torch.no_grad():
        for value in model.parameters():
            value.add_(0.1 * torch.randn_like(value))
    model.save_pretrained(folder)
    for name in ("vocab.txt", "tokenizer_config.json"):
        shutil.copyfile(tiny_bert / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def trained_bundle(tmp_path_factory: pytest.TempPathFactory, trained_bert: Path) -> Path:
    out = tmp_path_factory.mktemp("bundles") / "trained-int8"
    assert (
        qa_convert(
            [str(trained_bert), "--out", str(out), "--max-seq-len", "128", "--doc-stride", "32"]
        )
        == 0
    )
    return out


def test_weights_read_back_from_a_bundle_answer_like_the_bundle(
    trained_bundle: Path, trained_bert: Path, tmp_path: Path
) -> None:
    out = tmp_path / "recovered"
    args = ["from-bundle", str(trained_bundle), "--config-from", str(trained_bert)]
    assert qa_distill([*args, "--out", str(out)]) == 0
    original = BertForQuestionAnswering.from_pretrained(trained_bert).eval()
    recovered = BertForQuestionAnswering.from_pretrained(out).eval()
    # int8 rounding only: every weight within a few quantization steps of the source's
    for name, value in original.state_dict().items():
        assert torch.allclose(recovered.state_dict()[name], value, atol=0.02), name
    assert json.loads((out / "tokenizer_config.json").read_text()) == {"do_lower_case": True}

    engine = QAEngine.from_bundle(trained_bundle)
    window = engine.tokenizer.windows("When was the tower built?", "The tower was built in 1889.")[
        0
    ]
    ids = torch.tensor(window.input_ids[None].astype(np.int64))
    types = torch.tensor(window.token_type_ids[None].astype(np.int64))
    with torch.no_grad():
        logits = recovered(input_ids=ids, token_type_ids=types).start_logits[0].numpy()
    bundle_logits = engine.runner.run(window)[0]
    assert np.allclose(logits, bundle_logits[: len(logits)], atol=0.05)


def test_a_bundle_without_its_weight_names_is_refused(
    tiny_bundle: Path, tiny_bert: Path, tmp_path
) -> None:
    with pytest.raises(DistillError, match="no tensor"):
        recover(tiny_bundle, tiny_bert, tmp_path / "out")


def test_a_bundle_of_another_shape_is_refused(trained_bundle: Path, tmp_path: Path) -> None:
    config = tmp_path / "other"
    config.mkdir()
    (config / "config.json").write_text(
        json.dumps(
            {
                "model_type": "bert",
                "hidden_size": 48,
                "num_hidden_layers": 2,
                "num_attention_heads": 2,
                "intermediate_size": 64,
                "vocab_size": 120,
            }
        )
    )
    with pytest.raises(DistillError, match="shape"):
        recover(trained_bundle, config, tmp_path / "out")


def _article(title: str, source: str, contexts: list[str], questions: dict[int, tuple]) -> dict:
    paragraphs = []
    for i, context in enumerate(contexts):
        qas = []
        if i in questions:
            qid, question, answer = questions[i]
            start = context.index(answer)
            qas = [
                {
                    "id": qid,
                    "question": question,
                    "answers": [{"text": answer, "answer_start": start}],
                }
            ]
        paragraphs.append({"context": context, "qas": qas})
    return {"title": title, "source": source, "paragraphs": paragraphs}


def test_distractors_are_retrieved_passages_without_the_answer(tmp_path: Path) -> None:
    tower = _article(
        "Tower",
        "wiki",
        [
            "The tower was built in 1889 for the fair.",
            "The tower was painted red; the tower was built of iron and the tower is tall.",
            "The tower has a restaurant. Visitors say the tower was built in 1889.",
            "Bread is baked in ovens.",
        ],
        {0: ("q1", "When was the tower built?", "1889")},
    )
    single = [
        _article(
            "Seine",
            "web",
            ["The Seine flows through Paris to the North Sea."],
            {0: ("q2", "Where does the Seine flow?", "the North Sea")},
        ),
        _article("Thames", "web", ["The Thames flows through London."], {}),
    ]
    source = tmp_path / "train.json"
    source.write_text(json.dumps({"version": "2.0", "data": [tower, *single]}))
    assert add_distractors(source, tmp_path / "out.json") == (2, 2)

    added = {ex.id: ex for ex in load_examples(tmp_path / "out.json") if ex.id.endswith("-d0")}
    # the best BM25 match of the question's own article that does not hold "1889"
    assert added["q1-d0"].context == tower["paragraphs"][1]["context"]
    # a one-paragraph article: a passage of another article of its source
    assert added["q2-d0"].context == "The Thames flows through London."
    assert all(ex.is_impossible and not ex.answers for ex in added.values())
    assert {ex.id for ex in load_examples(tmp_path / "out.json")} >= {"q1", "q2"}
