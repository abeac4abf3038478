"""A trainable model folder recovered from a BERT TFLite QA bundle (a warm start for training).

`qa-convert` keeps the TensorFlow graph's variable names in the TFLite tensor names
(``tf_bert_for_question_answering/bert/encoder/layer_._0/attention/self/query/...``), so every
weight of a BERT QA model can be read back: int8 weights are dequantized with their
per-channel (or per-tensor) scales, float ones are taken as they are. The result answers like
the bundle (its int8 rounding included), which is what a warm start from a shipped model needs
when the checkpoint it was converted from is gone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertForQuestionAnswering

from assistant.qa.bundle import read_bundle_info
from assistant.qa.runner import interpreter_class
from distill.errors import DistillError
from distill.modeling import save_model

_ROOT = "tf_bert_for_question_answering/"
# a model built after others in one TensorFlow process gets a numbered scope
_SCOPE = re.compile(r"^tf_bert_for_question_answering(_\d+)?/")
# Hugging Face parameter name -> TFLite tensor name below _ROOT (per layer: below
# bert/encoder/layer_._<i>/, see `tensor_names`).
_EMBEDDINGS = {
    "bert.embeddings.word_embeddings.weight": "bert/embeddings/Gather",
    "bert.embeddings.position_embeddings.weight": "bert/embeddings/Gather_1",
    "bert.embeddings.token_type_embeddings.weight": "bert/embeddings/Gather_2",
    "bert.embeddings.LayerNorm.weight": "bert/embeddings/LayerNorm/batchnorm/mul/ReadVariableOp",
    "bert.embeddings.LayerNorm.bias": "bert/embeddings/LayerNorm/batchnorm/ReadVariableOp",
    "qa_outputs.weight": "qa_outputs/Tensordot/MatMul",
    "qa_outputs.bias": "qa_outputs/BiasAdd/ReadVariableOp",
}
_LINEAR = {
    "attention.self.query": "attention/self/query",
    "attention.self.key": "attention/self/key",
    "attention.self.value": "attention/self/value",
    "attention.output.dense": "attention/output/dense",
    "intermediate.dense": "intermediate/dense",
    "output.dense": "output/dense",
}
_LAYER_NORMS = {"attention.output.LayerNorm": "attention/output", "output.LayerNorm": "output"}


def tensor_names(n_layers: int) -> dict[str, str]:
    """Every parameter of an `n_layers` BertForQuestionAnswering -> its TFLite tensor name."""
    names = {hf: _ROOT + tfl for hf, tfl in _EMBEDDINGS.items()}
    for i in range(n_layers):
        hf, tfl = f"bert.encoder.layer.{i}.", f"{_ROOT}bert/encoder/layer_._{i}/"
        for module, path in _LINEAR.items():
            names[f"{hf}{module}.weight"] = f"{tfl}{path}/Tensordot/MatMul"
            names[f"{hf}{module}.bias"] = f"{tfl}{path}/BiasAdd/ReadVariableOp"
        for module, path in _LAYER_NORMS.items():
            names[f"{hf}{module}.weight"] = f"{tfl}{path}/LayerNorm/batchnorm/mul/ReadVariableOp"
            names[f"{hf}{module}.bias"] = f"{tfl}{path}/LayerNorm/batchnorm/ReadVariableOp"
    return names


def bundle_weights(model_file: Path) -> dict[str, np.ndarray]:
    """The constant tensors of a TFLite model by name (the model scope without its number),
    int8 ones dequantized to float32."""
    interpreter = interpreter_class()(model_path=str(model_file))
    interpreter.allocate_tensors()
    weights = {}
    for detail in interpreter.get_tensor_details():
        name = _SCOPE.sub(_ROOT, detail["name"])
        if not name.startswith(_ROOT):
            continue
        try:
            value = interpreter.get_tensor(detail["index"])
        except ValueError:  # an activation: no data before the model runs
            continue
        if value.dtype == np.int8:
            q = detail["quantization_parameters"]
            axis = q["quantized_dimension"] if len(q["scales"]) > 1 else None
            scales = q["scales"] if axis is None else np.expand_dims(q["scales"], 1 - axis)
            zeros = q["zero_points"] if axis is None else np.expand_dims(q["zero_points"], 1 - axis)
            value = (value.astype(np.float32) - zeros) * scales
        weights[name] = np.asarray(value, dtype=np.float32)
    return weights


def recover(bundle: str | Path, config_from: str | Path, out: str | Path) -> None:
    """Write a Hugging Face BERT QA model folder into `out` with the weights of TFLite bundle
    `bundle`; `config_from` is a folder whose config.json has the bundle's architecture (the
    base model it was trained from). DistillError when the bundle is no BERT QA bundle of
    that shape."""
    bundle = Path(bundle)
    info = read_bundle_info(bundle)
    if info.architecture != "bert":
        raise DistillError(f"{bundle}: architecture {info.architecture!r}; only bert is supported")
    config = BertConfig.from_dict(
        json.loads((Path(config_from) / "config.json").read_text(encoding="utf-8"))
    )
    config.architectures = ["BertForQuestionAnswering"]
    weights = bundle_weights(bundle / "model.tflite")
    model = BertForQuestionAnswering(config)
    state = model.state_dict()
    for name, tensor_name in tensor_names(config.num_hidden_layers).items():
        if tensor_name not in weights:
            raise DistillError(f"{bundle}: no tensor {tensor_name} (for {name})")
        value = torch.from_numpy(weights[tensor_name])
        if value.shape != state[name].shape:
            raise DistillError(
                f"{bundle}: {tensor_name} has shape {tuple(value.shape)}, "
                f"{name} needs {tuple(state[name].shape)}"
            )
        state[name] = value
    model.load_state_dict(state)
    save_model(model, out, tokenizer_from=bundle)
    # the bundle states its casing; the vocabulary alone would guess cased (it has capitals)
    (Path(out) / "tokenizer_config.json").write_text(
        json.dumps({"do_lower_case": info.lowercase}) + "\n", encoding="utf-8"
    )
