"""qa-convert end to end on tiny random BERT and DistilBERT checkpoints, and its refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from squad_fixture import write_squad

from assistant.qa.bundle import load_bundle
from assistant.qa.engine import QAEngine
from assistant.qa.runner import TFLiteRunner
from assistant.qa.squad import load_examples
from converter.bundle_writer import staged_bundle
from converter.cli import main as qa_convert
from converter.source import checkpoint_tokenizer, resolve_source
from converter.torch_runner import TorchQARunner, load_torch_model

TINY = ["--max-seq-len", "128", "--doc-stride", "32"]


@pytest.fixture(scope="module")
def squad_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_squad(tmp_path_factory.mktemp("squad") / "tiny.json")


@pytest.fixture(scope="module")
def distil_bundle(
    tmp_path_factory: pytest.TempPathFactory, tiny_distilbert: Path, squad_file: Path
) -> Path:
    out = tmp_path_factory.mktemp("out") / "distil"
    code = qa_convert(
        [str(tiny_distilbert), "--out", str(out), *TINY, "--validate", str(squad_file)]
    )
    assert code == 0
    return out


def test_distilbert_bundle_is_complete_and_validated(distil_bundle: Path) -> None:
    info = load_bundle(distil_bundle)
    assert info.architecture == "distilbert"
    assert info.quantization == "dynamic"
    assert set(info.inputs) == {"input_ids", "attention_mask"}
    assert set(info.files) == {"model.tflite", "vocab.txt"}
    assert not any(op.startswith("Flex") for op in info.extra["ops"])
    v = info.validation
    assert v["examples"] == 4 and v["passed"] is True
    assert v["logits"]["cosine_min"] > 0.99
    assert abs(v["f1_drop"]) <= 1.0
    assert [p.name for p in distil_bundle.parent.iterdir()] == ["distil"]  # no staging leftovers


def test_bert_bundle_matches_pytorch_through_same_engine(
    tiny_bundle: Path, tiny_bert: Path
) -> None:
    info = load_bundle(tiny_bundle)
    assert info.architecture == "bert" and "token_type_ids" in info.inputs
    source = resolve_source(str(tiny_bert))
    tokenizer = checkpoint_tokenizer(source, 128, 32)
    torch_runner = TorchQARunner(load_torch_model(source))
    tflite = QAEngine.from_bundle(tiny_bundle).runner
    windows = tokenizer.windows("When was the tower built?", "The tower was built in 1889.")
    for w in windows:
        ref = np.concatenate(torch_runner.run(w))
        new = np.concatenate([x[: len(w)] for x in tflite.run(w)])
        cos = ref @ new / np.linalg.norm(ref) / np.linalg.norm(new)
        assert cos > 0.99


def test_dynamic_length_answers_equal_padded_answers(tiny_bundle: Path, squad_file: Path) -> None:
    info = load_bundle(tiny_bundle)
    dynamic = QAEngine.from_bundle(tiny_bundle)
    assert dynamic.runner.dynamic
    padded_runner = TFLiteRunner(
        tiny_bundle / "model.tflite", inputs=info.inputs, outputs=info.outputs, pad_to=128
    )
    padded = QAEngine(dynamic.tokenizer, padded_runner)
    long_context = " ".join(["The river Seine flows through Paris to the North Sea."] * 12)
    cases = [(ex.question, ex.context) for ex in load_examples(squad_file)]
    cases.append(("Which river?", long_context))
    for question, context in cases:
        a, b = dynamic.predict(question, context), padded.predict(question, context)
        assert a.windows == b.windows
        assert (a.span.text, a.span.start_char) == (b.span.text, b.span.start_char)
        assert a.span.score == pytest.approx(b.span.score, abs=1e-3)


def test_float16_and_tensorflow_h5_source(tmp_path: Path, tiny_bert: Path) -> None:
    from transformers import TFAutoModelForQuestionAnswering

    h5_source = tmp_path / "tf-ckpt"
    shutil.copytree(tiny_bert, h5_source)
    TFAutoModelForQuestionAnswering.from_pretrained(h5_source, from_pt=True).save_pretrained(
        h5_source
    )
    (h5_source / "model.safetensors").unlink()
    assert resolve_source(str(h5_source)).from_tf
    out = tmp_path / "fp16"
    assert qa_convert([str(h5_source), "--out", str(out), "--quantize", "float16", *TINY]) == 0
    engine = QAEngine.from_bundle(out)
    assert engine.info.quantization == "float16"
    assert engine.answer("When?", "The tower was built in 1889.") is not None


def test_int8_needs_calibration(tmp_path: Path, tiny_bert: Path, capsys) -> None:
    code = qa_convert([str(tiny_bert), "--out", str(tmp_path / "x"), "--quantize", "int8", *TINY])
    assert code == 2
    assert "--calibration" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_existing_output_needs_force(tmp_path: Path, tiny_bert: Path, capsys) -> None:
    out = tmp_path / "b"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert qa_convert([str(tiny_bert), "--out", str(out), *TINY]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (out / "keep.txt").read_text() == "mine"


def test_unknown_architecture_missing_files_and_offline_hub(
    tmp_path: Path, tiny_bert: Path, monkeypatch, capsys
) -> None:
    gpt = tmp_path / "gpt"
    gpt.mkdir()
    (gpt / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    no_weights = tmp_path / "noweights"
    shutil.copytree(tiny_bert, no_weights)
    (no_weights / "model.safetensors").unlink()
    no_vocab = tmp_path / "novocab"
    shutil.copytree(tiny_bert, no_vocab)
    (no_vocab / "vocab.txt").unlink()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cases = {
        str(gpt): "unsupported architecture 'gpt2'",
        str(no_weights): "no weights",
        str(no_vocab): "missing vocab.txt",
        str(tmp_path / "nope"): "no such folder",
        "someone/some-qa-model": "could not be downloaded",
    }
    for spec, message in cases.items():
        assert qa_convert([spec, "--out", str(tmp_path / "out")]) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_interrupted_write_leaves_no_half_bundle(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    with pytest.raises(KeyboardInterrupt), staged_bundle(out, force=False) as stage:
        (stage / "model.tflite").write_bytes(b"partial")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_force_replaces_previous_bundle_atomically(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with staged_bundle(out, force=True) as stage:
        (stage / "new.txt").write_text("new")
    assert [p.name for p in out.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["bundle"]


def test_out_parents_are_created_and_each_stage_shows_progress(
    tmp_path: Path, tiny_bert: Path, capsys
) -> None:
    out = tmp_path / "bundles" / "new" / "tiny"
    assert qa_convert([str(tiny_bert), "--out", str(out), *TINY]) == 0
    assert QAEngine.from_bundle(out).info.architecture == "bert"
    err = capsys.readouterr().err
    for n, stage in enumerate(("resolving", "converting", "checking", "writing"), start=1):
        assert f"qa-convert [{n}/4] {stage}" in err
