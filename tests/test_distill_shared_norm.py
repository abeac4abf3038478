"""`qa-distill finetune --shared-norm`: each question's answer window trained against a
distractor window of its own article under one span softmax (Clark & Gardner's shared
normalization), so that span scores compare across passages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from squad_fixture import ARTICLES, write_articles

from assistant.qa.features import QATokenizer
from distill.cli import main as qa_distill
from distill.data import shared_norm_items
from distill.losses import shared_span_ce, span_ce


def test_items_pair_the_answer_window_with_a_distractor_window(
    tmp_path: Path, tiny_vocab: Path
) -> None:
    tokenizer = QATokenizer(tiny_vocab, lowercase=True)
    items = shared_norm_items(write_articles(tmp_path / "train.json"), tokenizer)
    assert len(items) == 6  # every answered question has another paragraph to set against it

    first = items[0]
    question = "When was the tower built?"
    answer_window = tokenizer.windows(question, ARTICLES["Eiffel_Tower"][0][0])[0]
    assert first["input_ids"].tolist() == answer_window.input_ids.tolist()
    ids = first["input_ids"]
    span = ids[first["start_positions"] : first["end_positions"] + 1]
    assert span.tolist() == tokenizer.encode("1889").ids
    # the best BM25 paragraph of the same article that does not hold "1889"
    distractor = tokenizer.windows(question, ARTICLES["Eiffel_Tower"][1][0])[0]
    assert first["distractor_input_ids"].tolist() == distractor.input_ids.tolist()
    assert first["distractor_token_type_ids"].tolist() == distractor.token_type_ids.tolist()

    assert len(shared_norm_items(tmp_path / "train.json", tokenizer, limit=2)) == 2


def test_shared_loss_is_one_softmax_over_both_windows() -> None:
    gold_start, gold_end = torch.tensor([[0.0, 3.0, 1.0]]), torch.tensor([[0.0, 1.0, 3.0]])
    quiet = torch.full((1, 4), -20.0)
    label = torch.tensor([1]), torch.tensor([2])
    # a distractor without any likely span leaves the answer window's own loss
    alone = shared_span_ce([gold_start, quiet], [gold_end, quiet], *label)
    assert alone.item() == pytest.approx(span_ce(gold_start, gold_end, *label).item(), abs=1e-6)
    # a confident span in the distractor takes probability from the gold span
    loud = torch.tensor([[0.0, 5.0, 0.0, 0.0]])
    shared = shared_span_ce([gold_start, loud], [gold_end, loud], *label)
    joint = torch.cat([gold_start, loud], dim=1)
    expected = -F.log_softmax(joint, dim=1)[0, 1]  # start and end rows are alike here
    assert shared.item() == pytest.approx(expected.item(), abs=1e-6)
    assert shared.item() > alone.item() + 1


@pytest.mark.slow
def test_shared_norm_training_lowers_both_losses(tiny_bert: Path, tmp_path: Path) -> None:
    train = write_articles(tmp_path / "train.json")
    out = tmp_path / "reader"
    args = ["finetune", "--model", str(tiny_bert), "--train", str(train), "--out", str(out)]
    run = ["--max-steps", "40", "--batch-size", "3", "--lr", "3e-3"]
    windows = ["--max-seq-len", "48", "--max-query-len", "12", "--doc-stride", "16"]
    assert qa_distill([*args, *run, *windows, "--shared-norm"]) == 0
    log = [line.split(",") for line in (out / "log.csv").read_text().splitlines()]
    for term in ("squad", "shared"):
        losses = [float(row[log[0].index(term)]) for row in log[1:]]
        assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10]), term
    assert (out / "model.safetensors").is_file()
