"""Model folders: reading, checking and writing Hugging Face BERT / DistilBERT checkpoints.

A model folder holds ``config.json``, the weights, ``vocab.txt`` and (optionally)
``tokenizer_config.json`` whose ``do_lower_case`` says how to tokenize (without it: lower-case
exactly when the vocabulary has no capitals; `assistant.qa.checkpoint`, the converter's rule).
Every folder this package writes has the same layout, so ``qa-convert`` / ``qa-eval`` and the
next ``qa-distill`` command take it directly.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForQuestionAnswering,
    PretrainedConfig,
    PreTrainedModel,
)
from transformers.utils import logging as hf_logging

from assistant.qa.checkpoint import checkpoint_lowercase
from distill.errors import DistillError

SUPPORTED_TYPES = ("bert", "distilbert")
TOKENIZER_FILES = ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json")
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

Head = Literal["qa", "mlm", "none"]  # "none": the bare encoder (a sentence encoder)
_AUTO_CLASSES = {
    "qa": AutoModelForQuestionAnswering,
    "mlm": AutoModelForMaskedLM,
    "none": AutoModel,
}
_HEAD_NAMES = {"qa": "question-answering", "mlm": "masked-LM", "none": "encoder"}


@dataclass(frozen=True)
class Vocabulary:
    """A model folder's WordPiece vocabulary and casing."""

    path: Path
    tokens: tuple[str, ...]
    lowercase: bool

    def id_of(self, token: str) -> int:
        try:
            return self.tokens.index(token)
        except ValueError:
            raise DistillError(f"{self.path}: vocabulary has no {token} token") from None

    def special_ids(self) -> list[int]:
        """Ids of [PAD] [UNK] [CLS] [SEP] [MASK] (those present)."""
        return [i for i, tok in enumerate(self.tokens) if tok in SPECIAL_TOKENS]


def read_vocabulary(folder: str | Path) -> Vocabulary:
    """The vocabulary of a model folder; DistillError when vocab.txt is missing."""
    folder = Path(folder)
    path = folder / "vocab.txt"
    if not path.is_file():
        raise DistillError(f"{folder}: no vocab.txt (not a BERT/DistilBERT model folder?)")
    tokens = tuple(path.read_text(encoding="utf-8").splitlines())
    try:
        lowercase = checkpoint_lowercase(folder)
    except ValueError as err:
        raise DistillError(str(err)) from None
    return Vocabulary(path, tokens, lowercase)


def check_same_vocabulary(teacher: str | Path, student: str | Path) -> Vocabulary:
    """The shared vocabulary of two model folders; DistillError when they differ at all."""
    t_vocab, s_vocab = read_vocabulary(teacher), read_vocabulary(student)
    if t_vocab.tokens != s_vocab.tokens:
        detail = f"{len(t_vocab.tokens)} vs {len(s_vocab.tokens)} tokens"
        for i, (a, b) in enumerate(zip(t_vocab.tokens, s_vocab.tokens, strict=False)):
            if a != b:
                detail += f", first difference at id {i}: {a!r} vs {b!r}"
                break
        raise DistillError(
            f"teacher and student vocabularies differ ({t_vocab.path} vs {s_vocab.path}: "
            f"{detail}); distillation needs the same vocabulary"
        )
    if t_vocab.lowercase != s_vocab.lowercase:
        raise DistillError(
            f"teacher and student tokenize differently (do_lower_case {t_vocab.lowercase} in "
            f"{teacher} vs {s_vocab.lowercase} in {student})"
        )
    t_size, s_size = load_config(teacher).vocab_size, load_config(student).vocab_size
    if t_size != s_size:
        raise DistillError(f"teacher and student vocab_size differ: {t_size} vs {s_size}")
    return t_vocab


def load_config(folder: str | Path) -> PretrainedConfig:
    """The config of a BERT or DistilBERT model folder; DistillError otherwise."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise DistillError(f"{folder}: no config.json (not a Hugging Face model folder)")
    config = AutoConfig.from_pretrained(folder)
    if config.model_type not in SUPPORTED_TYPES:
        raise DistillError(
            f"{folder}: model type {config.model_type!r} is not supported "
            f"(supported: {', '.join(SUPPORTED_TYPES)})"
        )
    return config


def load_model(folder: str | Path, head: Head, *, require_head: bool) -> PreTrainedModel:
    """The model of `folder` with a QA or MLM head, in float32 and train mode.

    A head the folder lacks is freshly initialized (from torch's global RNG); with
    `require_head` that is a DistillError instead (a teacher must bring its head).
    """
    load_config(folder)
    previous = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # missing heads are reported below, in our words
    try:
        model, info = _AUTO_CLASSES[head].from_pretrained(
            folder, output_loading_info=True, torch_dtype=torch.float32
        )
    finally:
        hf_logging.set_verbosity(previous)
    missing = sorted(info["missing_keys"])
    if missing:
        what = f"{folder}: has no {_HEAD_NAMES[head]} head (missing {', '.join(missing[:3])}" + (
            ", ...)" if len(missing) > 3 else ")"
        )
        if require_head:
            raise DistillError(what)
        print(f"note: {what}; starting from a freshly initialized one", file=sys.stderr)
    model.train()
    return model


def save_model(model: PreTrainedModel, out: str | Path, tokenizer_from: str | Path) -> None:
    """Save `model` (safetensors) plus the tokenizer files of folder `tokenizer_from` into `out`.

    Writes tokenizer_config.json with do_lower_case when the source folder has none, so the
    casing always travels with the model.
    """
    out, src = Path(out), Path(tokenizer_from)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    for name in TOKENIZER_FILES:
        if (src / name).is_file() and (src / name).resolve() != (out / name).resolve():
            shutil.copyfile(src / name, out / name)
    if not (out / "tokenizer_config.json").is_file():
        lowercase = read_vocabulary(src).lowercase
        (out / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": lowercase}) + "\n")
