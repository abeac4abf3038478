"""Checkpoint -> TensorFlow Lite flatbuffer, builtin ops only.

The Hugging Face TF port of the model (transformers 4.57, tf-keras) is traced with a
`[1, None]` signature per input, so the TFLite model keeps a dynamic sequence axis, except
for full-integer `int8`, which is calibrated and exported at a fixed `max_seq_len`.
Quantization modes:

- `dynamic`: dynamic-range int8 weights, float activations (the default);
- `float16`: float16 weights;
- `int8`: full integer, calibrated on a representative set of windows;
- `none`: float32.

Only builtin TFLite ops are allowed: a model that would need Flex (Select TF) ops is refused,
because those do not run in ai-edge-litert on the Pi.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import numpy as np

from assistant.qa.features import Window
from converter.errors import ConvertError
from converter.source import Source

QUANTIZATIONS = ("dynamic", "float16", "int8", "none")
OUTPUT_ROLES = ("start_logits", "end_logits")


def input_roles(architecture: str) -> tuple[str, ...]:
    """The model inputs, in signature order; BERT also takes token_type_ids."""
    roles = ("input_ids", "attention_mask")
    return (*roles, "token_type_ids") if architecture == "bert" else roles


def tensor_names(architecture: str) -> tuple[dict[str, str], dict[str, str]]:
    """(inputs, outputs): role -> signature name of an exported model (the names are the roles)."""
    return {r: r for r in input_roles(architecture)}, {r: r for r in OUTPUT_ROLES}


def export_tflite(
    source: Source,
    *,
    quantization: str = "dynamic",
    max_seq_len: int = 384,
    calibration: Sequence[Window] = (),
) -> bytes:
    """Convert `source` to a TFLite model; raises `ConvertError` for Flex ops or bad options."""
    if quantization not in QUANTIZATIONS:
        raise ConvertError(f"unknown quantization {quantization!r} (one of {QUANTIZATIONS})")
    if quantization == "int8" and not calibration:
        raise ConvertError("--quantize int8 needs calibration windows (--calibration FILE)")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    import transformers
    from transformers import TFAutoModelForQuestionAnswering

    transformers.logging.set_verbosity_error()
    tf.get_logger().setLevel("ERROR")

    model = TFAutoModelForQuestionAnswering.from_pretrained(
        source.folder, from_pt=not source.from_tf
    )
    roles = input_roles(source.architecture)
    length = max_seq_len if quantization == "int8" else None
    specs = [tf.TensorSpec([1, length], tf.int32, name=role) for role in roles]

    @tf.function(input_signature=specs)
    def serve(*tensors: tf.Tensor) -> dict[str, tf.Tensor]:
        out = model(**dict(zip(roles, tensors, strict=True)), training=False)
        return {"start_logits": out.start_logits, "end_logits": out.end_logits}

    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [serve.get_concrete_function()], model
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantization != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if quantization == "int8":
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.representative_dataset = lambda: _representative(calibration, roles, max_seq_len)
    try:
        return converter.convert()
    except Exception as err:
        message = str(err)
        if "Select TF" in message or "Flex" in message or "not supported" in message:
            raise ConvertError(
                "the model needs TensorFlow ops that are not TFLite builtins (Flex / Select TF "
                "ops), which ai-edge-litert on the Pi cannot run:\n" + _first_lines(message)
            ) from None
        raise ConvertError(f"TFLite conversion failed:\n{_first_lines(message)}") from None


def _representative(
    windows: Sequence[Window], roles: Sequence[str], length: int
) -> Iterator[dict[str, np.ndarray]]:
    for window in windows:
        n = len(window)
        feeds = {
            "input_ids": window.input_ids,
            "attention_mask": window.attention_mask,
            "token_type_ids": window.token_type_ids,
        }
        padded = {}
        for role in roles:
            array = np.zeros((1, length), dtype=np.int32)
            array[0, :n] = feeds[role]
            padded[role] = array
        yield padded


def _first_lines(message: str, count: int = 12) -> str:
    return "\n".join(message.strip().splitlines()[:count])
