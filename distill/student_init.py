"""A student initialized from a subset of a teacher's layers (DistilBERT's extract script).

The student keeps the teacher's width and copies, tensor for tensor: the word and position
embeddings and embedding LayerNorm, the chosen transformer layers (teacher layer
``layers[i]`` becomes student layer i), and the teacher's head when it has one (MLM head
-> MLM head, QA head -> QA head; a BERT pooler only into a BERT student). A DistilBERT student
has no token-type embeddings, so BERT's are dropped. BERT -> DistilBERT, BERT -> smaller BERT
and DistilBERT -> smaller DistilBERT are supported.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import transformers
from transformers import (
    DistilBertConfig,
    PretrainedConfig,
    PreTrainedModel,
)

from distill.errors import DistillError
from distill.modeling import load_config, save_model

STUDENT_TYPES = ("distilbert", "bert")

# Head kind of each teacher class we load with its own head; anything else loads as a bare encoder.
_TEACHER_HEADS = {
    "BertForMaskedLM": "mlm",
    "BertForPreTraining": "mlm",
    "BertForQuestionAnswering": "qa",
    "DistilBertForMaskedLM": "mlm",
    "DistilBertForQuestionAnswering": "qa",
}
_STUDENT_CLASSES = {
    ("distilbert", "mlm"): "DistilBertForMaskedLM",
    ("distilbert", "qa"): "DistilBertForQuestionAnswering",
    ("distilbert", None): "DistilBertModel",
    ("bert", "mlm"): "BertForMaskedLM",
    ("bert", "qa"): "BertForQuestionAnswering",
    ("bert", None): "BertModel",
}
# DistilBERT layer parameter -> BERT layer parameter (without the .weight/.bias suffix).
_DISTILBERT_FROM_BERT_LAYER = {
    "attention.q_lin": "attention.self.query",
    "attention.k_lin": "attention.self.key",
    "attention.v_lin": "attention.self.value",
    "attention.out_lin": "attention.output.dense",
    "sa_layer_norm": "attention.output.LayerNorm",
    "ffn.lin1": "intermediate.dense",
    "ffn.lin2": "output.dense",
    "output_layer_norm": "output.LayerNorm",
}
_DISTILBERT_FROM_BERT_HEAD = {
    "vocab_transform": "cls.predictions.transform.dense",
    "vocab_layer_norm": "cls.predictions.transform.LayerNorm",
    "vocab_projector.weight": "cls.predictions.decoder.weight",
    "vocab_projector.bias": "cls.predictions.bias",
}
_LAYER_PREFIX = {"bert": "encoder.layer", "distilbert": "transformer.layer"}


def default_layers(n_teacher_layers: int) -> list[int]:
    """The reference choice: [0, 2, 4, 7, 9, 11] for 12 layers, every other layer otherwise."""
    if n_teacher_layers == 12:
        return [0, 2, 4, 7, 9, 11]
    return list(range(0, n_teacher_layers, 2))


def parse_layers(text: str) -> list[int]:
    """``"0,2,4"`` -> [0, 2, 4]; DistillError for anything else."""
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise DistillError(f"--layers must be comma-separated integers, got {text!r}") from None


def check_layers(layers: list[int], n_teacher_layers: int) -> None:
    """DistillError unless `layers` is a non-empty list of distinct teacher layer indices."""
    if not layers:
        raise DistillError("--layers names no layer")
    bad = [i for i in layers if not 0 <= i < n_teacher_layers]
    if bad:
        raise DistillError(
            f"layer index {bad[0]} is out of range: the teacher has {n_teacher_layers} layers "
            f"(0-{n_teacher_layers - 1})"
        )
    if len(set(layers)) != len(layers):
        raise DistillError(f"--layers repeats a layer: {layers}")


def student_config(teacher: PretrainedConfig, n_layers: int, student_type: str) -> PretrainedConfig:
    """The teacher's config with `n_layers` layers, as a `student_type` config."""
    if teacher.model_type == "distilbert" and student_type == "bert":
        raise DistillError("a DistilBERT teacher can only make a DistilBERT student")
    if student_type == teacher.model_type:
        config = teacher.__class__.from_dict(teacher.to_dict())
        setattr(
            config, "n_layers" if student_type == "distilbert" else "num_hidden_layers", n_layers
        )
        return config
    if getattr(teacher, "position_embedding_type", "absolute") != "absolute":
        raise DistillError("a DistilBERT student needs a teacher with absolute position embeddings")
    return DistilBertConfig(
        vocab_size=teacher.vocab_size,
        max_position_embeddings=teacher.max_position_embeddings,
        sinusoidal_pos_embds=False,
        n_layers=n_layers,
        n_heads=teacher.num_attention_heads,
        dim=teacher.hidden_size,
        hidden_dim=teacher.intermediate_size,
        dropout=teacher.hidden_dropout_prob,
        attention_dropout=teacher.attention_probs_dropout_prob,
        activation=teacher.hidden_act,
        initializer_range=teacher.initializer_range,
        pad_token_id=teacher.pad_token_id,
    )


def load_teacher(folder: str | Path) -> tuple[PreTrainedModel, str | None]:
    """The teacher with its own head class, and that head's kind ("mlm", "qa" or None)."""
    config = load_config(folder)
    arch = (config.architectures or [""])[0]
    head = _TEACHER_HEADS.get(arch)
    cls = getattr(transformers, arch) if head else transformers.AutoModel
    return cls.from_pretrained(folder), head


def tensor_mapping(
    teacher: PreTrainedModel, student: PreTrainedModel, layers: list[int]
) -> dict[str, str]:
    """Student state-dict name -> teacher state-dict name, for every student tensor.

    DistillError if a student tensor has no teacher counterpart.
    """
    t_type, s_type = teacher.config.model_type, student.config.model_type
    t_keys = set(teacher.state_dict())
    t_prefix = _body_prefix(teacher, t_keys)
    s_prefix = _body_prefix(student, set(student.state_dict()))
    layer_re = re.compile(rf"^{re.escape(_LAYER_PREFIX[s_type])}\.(\d+)\.(.+)$")

    mapping = {}
    for s_key in student.state_dict():
        if s_key.startswith(s_prefix):  # the encoder (every key of a bare model)
            body = s_key[len(s_prefix) :]
            match = layer_re.match(body)
            if match:
                t_layer, rest = layers[int(match.group(1))], match.group(2)
                if t_type != s_type:
                    param, _, suffix = rest.rpartition(".")
                    rest = f"{_DISTILBERT_FROM_BERT_LAYER[param]}.{suffix}"
                t_key = f"{t_prefix}{_LAYER_PREFIX[t_type]}.{t_layer}.{rest}"
            else:
                t_key = t_prefix + body
        elif t_type != s_type:
            t_key = _bert_head_name(s_key)
        else:
            t_key = s_key
        if t_key not in t_keys:
            raise DistillError(f"student tensor {s_key} has no teacher counterpart ({t_key})")
        mapping[s_key] = t_key
    return mapping


def _body_prefix(model: PreTrainedModel, keys: set[str]) -> str:
    """'bert.' / 'distilbert.' for head models, '' for a bare encoder."""
    prefix = model.base_model_prefix + "."
    return prefix if any(k.startswith(prefix) for k in keys) else ""


def _bert_head_name(distilbert_key: str) -> str:
    if distilbert_key in _DISTILBERT_FROM_BERT_HEAD:
        return _DISTILBERT_FROM_BERT_HEAD[distilbert_key]
    module, _, suffix = distilbert_key.rpartition(".")
    return f"{_DISTILBERT_FROM_BERT_HEAD.get(module, module)}.{suffix}"


def init_student(
    teacher_dir: str | Path,
    out: str | Path,
    *,
    layers: list[int] | None = None,
    student_type: str = "distilbert",
    random_init: bool = False,
) -> dict[str, str]:
    """Write the student made from `teacher_dir` into `out`; returns the tensor mapping.

    The student's class follows the teacher's head (MLM, QA or none); tokenizer files are
    copied, and ``student_init.json`` records the teacher, the layers and the mapping.
    `random_init` keeps the student's fresh random weights (copies nothing, returns an empty
    mapping): the same architecture without the teacher's initialisation, for ablations.
    """
    if student_type not in STUDENT_TYPES:
        raise DistillError(f"student type must be one of {STUDENT_TYPES}, got {student_type!r}")
    teacher, head = load_teacher(teacher_dir)
    n_teacher = teacher.config.num_hidden_layers
    layers = default_layers(n_teacher) if layers is None else layers
    check_layers(layers, n_teacher)
    config = student_config(teacher.config, len(layers), student_type)
    student_cls = getattr(transformers, _STUDENT_CLASSES[(student_type, head)])
    student = student_cls(config)
    mapping: dict[str, str] = {}
    if not random_init:
        mapping = tensor_mapping(teacher, student, layers)
        t_state = teacher.state_dict()
        student.load_state_dict({s: t_state[t].clone() for s, t in mapping.items()}, strict=True)
    save_model(student, out, tokenizer_from=teacher_dir)
    record = {
        "teacher": str(Path(teacher_dir).resolve()),
        "layers": layers,
        "student_type": student_type,
        "random_init": random_init,
        "student_class": student_cls.__name__,
        "tensors": mapping,
    }
    (Path(out) / "student_init.json").write_text(json.dumps(record, indent=2) + "\n")
    return mapping
