"""Sentence-encoder checkpoint -> TFLite model whose output is the L2-normalised mean-pooled
embedding (the sentence-transformers recipe of all-MiniLM-L6-v2: mean over the attention mask,
then L2 norm), so the Pi side only tokenizes and reads one vector per text.

Same rules as `converter.export`: the Hugging Face TF port traced with a dynamic `[1, None]`
sequence axis, builtin TFLite ops only, dynamic-range int8 weights by default.
"""

from __future__ import annotations

import os

from converter.errors import ConvertError
from converter.export import input_roles
from converter.source import Source

EMBEDDING_OUTPUT = "embedding"


def export_encoder_tflite(source: Source, *, quantization: str = "dynamic") -> bytes:
    """Convert the encoder of `source` to TFLite; `quantization` is "dynamic" or "none"."""
    if quantization not in ("dynamic", "none"):
        raise ConvertError(f"sentence encoders support dynamic or none, not {quantization!r}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    import transformers
    from transformers import TFAutoModel

    transformers.logging.set_verbosity_error()
    tf.get_logger().setLevel("ERROR")

    model = TFAutoModel.from_pretrained(source.folder, from_pt=not source.from_tf)
    roles = input_roles(source.architecture)
    specs = [tf.TensorSpec([1, None], tf.int32, name=role) for role in roles]

    @tf.function(input_signature=specs)
    def serve(*tensors: tf.Tensor) -> dict[str, tf.Tensor]:
        feeds = dict(zip(roles, tensors, strict=True))
        hidden = model(**feeds, training=False).last_hidden_state
        mask = tf.cast(feeds["attention_mask"], hidden.dtype)[:, :, None]
        mean = tf.reduce_sum(hidden * mask, axis=1) / tf.maximum(tf.reduce_sum(mask, axis=1), 1e-9)
        return {EMBEDDING_OUTPUT: tf.math.l2_normalize(mean, axis=-1)}

    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [serve.get_concrete_function()], model
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantization == "dynamic":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    try:
        return converter.convert()
    except Exception as err:
        raise ConvertError(f"TFLite conversion of the encoder failed: {err}") from None
