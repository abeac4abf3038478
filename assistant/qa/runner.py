"""TFLite runner: one window in, start/end logits out, tensors bound by signature name.

The interpreter comes from `ai_edge_litert` (LiteRT, the maintained runtime), else the
abandoned `tflite_runtime`, else `tensorflow.lite` (PC only). When the model's sequence axis
is dynamic, each window runs at its own length rounded up to a multiple of `LENGTH_STEP`
(the padding is masked, so the logits of real tokens do not change); a fixed-shape model gets
every window padded to its length.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.qa.features import Window

LENGTH_STEP = 32
_RUNTIMES = ("ai_edge_litert.interpreter", "tflite_runtime.interpreter", "tensorflow.lite")


class Runner(Protocol):
    """Anything that turns one window into (start_logits, end_logits), each >= len(window)."""

    def run(self, window: Window) -> tuple[np.ndarray, np.ndarray]: ...


def interpreter_class() -> type:
    """The first TFLite Interpreter class that imports, in `_RUNTIMES` order."""
    for module_name in _RUNTIMES:
        try:
            return importlib.import_module(module_name).Interpreter
        except ImportError:
            continue
    raise RuntimeError(
        "no TensorFlow Lite runtime: install ai-edge-litert (pip install ai-edge-litert)"
    )


class TFLiteRunner:
    """Runs a QA model; `inputs`/`outputs` map roles to the signature's tensor names.

    `pad_to` pads every window to that length even when the model could run it shorter
    (the classic padded run, kept for benchmarks and parity checks).
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        inputs: Mapping[str, str],
        outputs: Mapping[str, str],
        signature: str = "serving_default",
        threads: int = 2,
        pad_id: int = 0,
        pad_to: int | None = None,
    ) -> None:
        try:
            self._interpreter = interpreter_class()(model_path=str(model_path), num_threads=threads)
            signatures = self._interpreter.get_signature_list()
        except (ValueError, RuntimeError) as err:
            raise RuntimeError(f"{model_path}: cannot load the TFLite model ({err})") from None
        if signature not in signatures:
            raise RuntimeError(
                f"{model_path}: signature: the model has no signature {signature!r} "
                f"(it has: {', '.join(signatures) or 'none'})"
            )
        runner = self._interpreter.get_signature_runner(signature)
        in_details = runner.get_input_details()
        out_details = runner.get_output_details()
        for field, names, details in (
            ("inputs", inputs, in_details),
            ("outputs", outputs, out_details),
        ):
            missing = [n for n in names.values() if n not in details]
            if missing:
                raise RuntimeError(
                    f"{model_path}: {field}: the model has no tensor named {missing[0]!r} "
                    f"(it has: {', '.join(details)})"
                )
        self._inputs = {role: in_details[name] for role, name in inputs.items()}
        self._outputs = {role: out_details[name]["index"] for role, name in outputs.items()}
        first = next(iter(self._inputs.values()))
        self.dynamic = bool(first["shape_signature"][-1] == -1)
        self.fixed_length = pad_to if self.dynamic else int(first["shape"][-1])
        self._pad_id = pad_id
        self._current_length: int | None = None

    def run_length(self, window_length: int) -> int:
        """The length a window of `window_length` tokens is run at."""
        if self.fixed_length is not None:
            if window_length > self.fixed_length:
                raise ValueError(
                    f"window of {window_length} tokens > model length {self.fixed_length}"
                )
            return self.fixed_length
        return -(-window_length // LENGTH_STEP) * LENGTH_STEP

    def run(self, window: Window) -> tuple[np.ndarray, np.ndarray]:
        length = self.run_length(len(window))
        if length != self._current_length:
            for detail in self._inputs.values():
                self._interpreter.resize_tensor_input(detail["index"], [1, length])
            self._interpreter.allocate_tensors()
            self._current_length = length
        feeds = _padded_inputs(window, length, self._pad_id)
        for role, detail in self._inputs.items():
            self._interpreter.set_tensor(detail["index"], feeds[role].astype(detail["dtype"]))
        self._interpreter.invoke()
        start = self._interpreter.get_tensor(self._outputs["start_logits"])[0]
        end = self._interpreter.get_tensor(self._outputs["end_logits"])[0]
        return start.astype(np.float32), end.astype(np.float32)

    def op_names(self) -> list[str]:
        """Sorted distinct operator names of the model (shows Flex/custom ops if any)."""
        return sorted({op["op_name"] for op in self._interpreter._get_ops_details()})


def _padded_inputs(window: Window, length: int, pad_id: int) -> dict[str, Any]:
    n = len(window)
    ids = np.full((1, length), pad_id, dtype=np.int32)
    ids[0, :n] = window.input_ids
    mask = np.zeros((1, length), dtype=np.int32)
    mask[0, :n] = 1
    types = np.zeros((1, length), dtype=np.int32)
    types[0, :n] = window.token_type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
