"""A bundle that is not what bundle.json says is refused, naming the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from squad_fixture import write_squad

from assistant.qa.bundle import BundleError, load_bundle
from assistant.qa.engine import QAEngine
from converter.eval_cli import main as qa_eval


@pytest.fixture
def bundle_copy(tiny_bundle: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_bundle, tmp_path / "bundle"))


def test_intact_bundle_answers(tiny_bundle: Path) -> None:
    engine = QAEngine.from_bundle(tiny_bundle)
    span = engine.answer("When was it built?", "The Eiffel Tower was built in 1889.")
    assert span is not None
    assert span.text and span.text in "The Eiffel Tower was built in 1889."


def test_modified_model_is_refused(bundle_copy: Path) -> None:
    model = bundle_copy / "model.tflite"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"model\.tflite: checksum mismatch"):
        load_bundle(bundle_copy)


def test_missing_vocab_is_refused(bundle_copy: Path) -> None:
    (bundle_copy / "vocab.txt").unlink()
    with pytest.raises(BundleError, match=r"vocab\.txt: missing"):
        QAEngine.from_bundle(bundle_copy)


def test_file_that_is_not_tflite_is_refused(bundle_copy: Path) -> None:
    from assistant.qa.bundle import sha256_file

    model = bundle_copy / "model.tflite"
    model.write_bytes(b"PK\x03\x04 this is a zip, not a model" * 10)
    meta = json.loads((bundle_copy / "bundle.json").read_text())
    meta["files"]["model.tflite"] = sha256_file(model)  # checksums fine, content wrong
    (bundle_copy / "bundle.json").write_text(json.dumps(meta))
    with pytest.raises(BundleError, match=r"model\.tflite: not a TensorFlow Lite model"):
        load_bundle(bundle_copy)


def test_broken_bundle_json(bundle_copy: Path) -> None:
    (bundle_copy / "bundle.json").write_text("{")
    with pytest.raises(BundleError, match=r"bundle\.json: not a valid bundle description"):
        load_bundle(bundle_copy)
    (bundle_copy / "bundle.json").unlink()
    with pytest.raises(BundleError, match=r"bundle\.json: missing"):
        load_bundle(bundle_copy)


def test_qa_eval_reports_and_refuses(bundle_copy: Path, tmp_path: Path, capsys) -> None:
    squad = write_squad(tmp_path / "squad.json")
    out = tmp_path / "report.json"
    assert qa_eval([str(bundle_copy), "--squad", str(squad), "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["kind"] == "tflite" and report["count"] == 4
    assert set(report["predictions"]) == {"q1", "q2", "q3", "q4"}
    for key in (
        "exact_match",
        "f1",
        "latency_ms_mean",
        "latency_ms_p50",
        "latency_ms_p90",
        "total_s",
        "windows_per_s",
        "model_bytes",
        "peak_rss_mb",
    ):
        assert key in report
    assert 0.0 <= report["f1"] <= 100.0
    assert "EM" in capsys.readouterr().out

    (bundle_copy / "vocab.txt").write_text("[PAD]\n")
    assert qa_eval([str(bundle_copy), "--squad", str(squad)]) == 2
    assert "vocab.txt: checksum mismatch" in capsys.readouterr().err
