"""`qa-distill retriever`: a sentence encoder trained to rank each question's own paragraph
above the rest of the batch and above a hard negative from its own article."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from squad_fixture import ARTICLES, write_articles

from assistant.qa.features import QATokenizer
from assistant.retrieval.encoder import SentenceEncoder
from converter.encoder_cli import main as convert_encoder
from distill.cli import main as qa_distill
from distill.data import collate, retrieval_items
from distill.errors import DistillError


def test_items_pair_each_question_with_its_paragraph_and_a_hard_negative(
    tmp_path: Path, tiny_vocab: Path
) -> None:
    tokenizer = QATokenizer(tiny_vocab, lowercase=True)
    items = retrieval_items(
        write_articles(tmp_path / "train.json"), tokenizer, max_query_len=16, max_seq_len=64
    )
    assert len(items) == 6

    def sequence(text: str) -> list[int]:
        return [tokenizer.cls_id, *tokenizer.encode(text).ids, tokenizer.sep_id]

    first = items[0]
    assert first["input_ids"].tolist() == sequence("When was the tower built?")
    # the title (underscores as spaces), then the paragraph, as the assistant indexes a passage
    title = "Eiffel Tower\n\n"
    assert first["positive_input_ids"].tolist() == sequence(title + ARTICLES["Eiffel_Tower"][0][0])
    # the best BM25 paragraph of the same article without the answer "1889"
    assert first["negative_input_ids"].tolist() == sequence(title + ARTICLES["Eiffel_Tower"][1][0])

    cut = retrieval_items(
        tmp_path / "train.json", tokenizer, max_query_len=4, max_seq_len=6, limit=2
    )
    assert len(cut) == 2
    assert all(len(i["input_ids"]) <= 4 and len(i["positive_input_ids"]) <= 6 for i in cut)


def test_a_file_without_hard_negatives_is_refused(tmp_path: Path, tiny_vocab: Path) -> None:
    # one paragraph in all: nothing to set against its question
    qas = [{"id": "q", "question": "What?", "answers": [{"text": "tower", "answer_start": 4}]}]
    one = {"title": "T", "paragraphs": [{"context": "The tower.", "qas": qas}]}
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"version": "2.0", "data": [one]}))
    with pytest.raises(DistillError, match="no answerable question"):
        retrieval_items(
            path, QATokenizer(tiny_vocab, lowercase=True), max_query_len=8, max_seq_len=8
        )


def test_collate_pads_each_token_sequence_to_its_own_length() -> None:
    items = [
        {"input_ids": np.array([2, 7, 3]), "positive_input_ids": np.array([2, 9, 9, 9, 3])},
        {"input_ids": np.array([2, 3]), "positive_input_ids": np.array([2, 8, 3])},
    ]
    batch = collate(items, pad_id=0)
    assert batch["input_ids"].tolist() == [[2, 7, 3], [2, 3, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    assert batch["positive_input_ids"].tolist() == [[2, 9, 9, 9, 3], [2, 8, 3, 0, 0]]
    assert batch["positive_attention_mask"].tolist() == [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]


@pytest.mark.slow
def test_trained_encoder_ranks_each_question_s_own_paragraph_first(
    tiny_bert: Path, tmp_path: Path
) -> None:
    train = write_articles(tmp_path / "train.json")
    out, bundle = tmp_path / "encoder", tmp_path / "bundle"
    args = ["retriever", "--model", str(tiny_bert), "--train", str(train), "--out", str(out)]
    run = ["--max-steps", "60", "--batch-size", "3", "--lr", "3e-3", "--max-seq-len", "32"]
    assert qa_distill([*args, *run]) == 0
    log = [line.split(",") for line in (out / "log.csv").read_text().splitlines()]
    losses = [float(row[log[0].index("ranking")]) for row in log[1:]]
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])

    # the Pi side's encoder, converted from the trained folder, ranks as trained
    assert convert_encoder([str(out), "--out", str(bundle), "--max-seq-len", "64"]) == 0
    encoder = SentenceEncoder(bundle, threads=1)
    contexts = [f"{t.replace('_', ' ')}\n\n{c}" for t, rows in ARTICLES.items() for c, _, _ in rows]
    asked = [
        (q, i) for i, (_, q, a) in enumerate(r for rows in ARTICLES.values() for r in rows) if a
    ]
    scores = encoder.embed_all([q for q, _ in asked]) @ encoder.embed_all(contexts).T
    assert [int(row.argmax()) for row in scores] == [i for _, i in asked]
