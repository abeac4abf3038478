"""Resolve a QA checkpoint given on the command line: a local folder or a Hugging Face hub id.

A checkpoint is a folder with config.json (model_type bert or distilbert), weights in
PyTorch (model.safetensors / pytorch_model.bin) or TensorFlow (tf_model.h5) format, and a
WordPiece vocab.txt. Hub ids are downloaded once into the Hugging Face cache, which needs an
internet connection (run the converter on a PC).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.qa.checkpoint import checkpoint_lowercase
from assistant.qa.features import QATokenizer
from converter.errors import ConvertError

ARCHITECTURES = ("bert", "distilbert")
PYTORCH_WEIGHTS = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")
TF_WEIGHTS = ("tf_model.h5",)
_HUB_FILES = [
    "config.json",
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "tokenizer.json",
    "model.safetensors*",
    "pytorch_model.bin",
    "tf_model.h5",
]


@dataclass(frozen=True)
class Source:
    """A resolved checkpoint folder and what the converter needs to know about it."""

    spec: str  # what the user gave
    folder: Path
    architecture: str
    lowercase: bool
    weights: str  # the weights file used

    @property
    def from_tf(self) -> bool:
        return self.weights in TF_WEIGHTS

    @property
    def vocab(self) -> Path:
        return self.folder / "vocab.txt"


def resolve_source(spec: str) -> Source:
    """Check `spec` (folder or hub id) and describe it; raises `ConvertError` with the reason."""
    path = Path(spec).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ConvertError(f"{spec}: not a folder (give a checkpoint folder or a hub id)")
        return describe_folder(spec, path)
    if spec.startswith(("/", ".", "~")) or not re.fullmatch(r"[\w.-]+(/[\w.-]+)?", spec):
        raise ConvertError(f"{spec}: no such folder")
    return describe_folder(spec, _download(spec))


def describe_folder(spec: str, folder: Path) -> Source:
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise ConvertError(f"{folder}: missing config.json (not a Hugging Face checkpoint)")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ConvertError(f"{config_path}: not valid JSON ({err})") from None
    architecture = config.get("model_type")
    if architecture not in ARCHITECTURES:
        raise ConvertError(
            f"{config_path}: unsupported architecture {architecture!r} "
            f"(supported: {', '.join(ARCHITECTURES)})"
        )
    weights = next((w for w in (*PYTORCH_WEIGHTS, *TF_WEIGHTS) if (folder / w).is_file()), None)
    if weights is None:
        raise ConvertError(
            f"{folder}: no weights (expected one of {', '.join(PYTORCH_WEIGHTS + TF_WEIGHTS)})"
        )
    vocab = folder / "vocab.txt"
    if not vocab.is_file():
        raise ConvertError(f"{folder}: missing vocab.txt (the WordPiece vocabulary)")
    try:
        lowercase = checkpoint_lowercase(folder)
    except ValueError as err:
        raise ConvertError(str(err)) from None
    return Source(spec, folder, architecture, lowercase, weights)


def _download(repo_id: str) -> Path:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id=repo_id, allow_patterns=_HUB_FILES))
    except Exception as err:  # the hub client raises many types for the same user problem
        raise ConvertError(
            f"{repo_id}: not a local folder, and it could not be downloaded from the Hugging "
            f"Face hub ({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}). "
            "Without an internet connection, pass a local checkpoint folder instead."
        ) from None


def checkpoint_tokenizer(
    source: Source, max_seq_len: int = 384, doc_stride: int = 128
) -> QATokenizer:
    """The QA tokenizer of a checkpoint (its vocab.txt and lower-casing)."""
    try:
        return QATokenizer(
            source.vocab,
            lowercase=source.lowercase,
            max_seq_len=max_seq_len,
            doc_stride=doc_stride,
        )
    except ValueError as err:
        raise ConvertError(str(err)) from None
