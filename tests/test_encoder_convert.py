"""`qa-convert-encoder`: a BERT checkpoint -> a retriever bundle the Pi side loads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from squad_fixture import write_squad

from assistant.qa.bundle import load_bundle
from assistant.retrieval.encoder import SentenceEncoder
from converter.encoder_cli import main as convert_encoder


def test_encoder_bundle_matches_its_pytorch_source(tiny_bert: Path, tmp_path: Path) -> None:
    out = tmp_path / "retriever"
    squad = write_squad(tmp_path / "squad.json")
    args = [str(tiny_bert), "--out", str(out), "--max-seq-len", "64", "--validate", str(squad)]
    assert convert_encoder(args) == 0
    info = load_bundle(out)  # checksums verified
    assert info.extra["kind"] == "sentence-encoder" and info.extra["dim"] == 32
    assert info.validation is not None and info.validation["cosine_min"] > 0.99
    encoder = SentenceEncoder(out, threads=1)
    vectors = encoder.embed_all(["Where is the Eiffel Tower?", "The river Seine flows."])
    assert vectors.shape == (2, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert json.loads((out / "bundle.json").read_text())["outputs"] == {"embedding": "embedding"}


def test_an_existing_output_is_refused(tiny_bert: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "retriever").mkdir()
    assert convert_encoder([str(tiny_bert), "--out", str(tmp_path / "retriever")]) == 2
    assert "already exists" in capsys.readouterr().err
