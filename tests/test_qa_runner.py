"""The TFLite runner: runtime choice, name binding, dynamic and fixed lengths."""

from __future__ import annotations

import importlib
import types
from pathlib import Path

import pytest
from squad_fixture import write_squad

from assistant.qa import runner as runner_module
from assistant.qa.bundle import load_bundle
from assistant.qa.engine import QAEngine
from assistant.qa.runner import TFLiteRunner, interpreter_class
from converter.cli import main as qa_convert


def test_runtime_preference_order(monkeypatch) -> None:
    tried = []
    real_import = importlib.import_module

    def fake_import(name: str):
        tried.append(name)
        if name == "tflite_runtime.interpreter":
            return types.SimpleNamespace(Interpreter="tflite-runtime-class")
        if name == "ai_edge_litert.interpreter":
            raise ImportError(name)
        return real_import(name)

    monkeypatch.setattr(runner_module.importlib, "import_module", fake_import)
    assert interpreter_class() == "tflite-runtime-class"
    assert tried == ["ai_edge_litert.interpreter", "tflite_runtime.interpreter"]


def test_no_runtime_is_a_clear_error(monkeypatch) -> None:
    def no_import(name: str):
        raise ImportError(name)

    monkeypatch.setattr(runner_module.importlib, "import_module", no_import)
    with pytest.raises(RuntimeError, match="pip install ai-edge-litert"):
        interpreter_class()


def test_litert_is_used_here() -> None:
    assert interpreter_class().__module__.startswith("ai_edge_litert")


def test_lengths_round_up_to_32(tiny_bundle: Path) -> None:
    runner = QAEngine.from_bundle(tiny_bundle).runner
    assert [runner.run_length(n) for n in (1, 32, 33, 100)] == [32, 32, 64, 128]
    window = QAEngine.from_bundle(tiny_bundle).tokenizer.windows("q", "the river seine")[0]
    start, end = runner.run(window)
    assert start.shape == end.shape == (32,)


def test_unknown_tensor_name_is_refused(tiny_bundle: Path) -> None:
    info = load_bundle(tiny_bundle)
    with pytest.raises(RuntimeError, match="no tensor named 'ids'"):
        TFLiteRunner(
            tiny_bundle / "model.tflite",
            inputs={**info.inputs, "input_ids": "ids"},
            outputs=info.outputs,
        )


def test_full_int8_bundle_has_fixed_length(tmp_path: Path, tiny_distilbert: Path) -> None:
    squad = write_squad(tmp_path / "calib.json")
    out = tmp_path / "int8"
    args = [str(tiny_distilbert), "--out", str(out), "--max-seq-len", "128", "--doc-stride", "32"]
    assert qa_convert([*args, "--quantize", "int8", "--calibration", str(squad)]) == 0
    engine = QAEngine.from_bundle(out)
    assert not engine.runner.dynamic
    assert engine.runner.run_length(5) == 128
    assert engine.answer("Which river?", "The river Seine flows through Paris.") is not None
