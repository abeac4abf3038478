"""A model bundle: the folder `qa-convert` writes and the Pi loads.

    bundle/
      model.tflite      the quantized QA model
      vocab.txt         WordPiece vocabulary
      bundle.json       what is needed to run it (see `BundleInfo`) + sha256 of every file

`load_bundle` refuses a bundle whose bundle.json breaks its schema (`bundle_schema`: the error
names the field), whose files are missing or do not match their sha256, or whose model is not a
TFLite flatbuffer, with an error that names the file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.qa.bundle_schema import SchemaError, check_bundle_fields

BUNDLE_JSON = "bundle.json"
MODEL_FILE = "model.tflite"
VOCAB_FILE = "vocab.txt"
FORMAT_VERSION = 1
TFLITE_IDENTIFIER = b"TFL3"


class BundleError(RuntimeError):
    """A bundle that cannot be used; the message names the offending file."""


@dataclass(frozen=True)
class BundleInfo:
    """The contents of bundle.json.

    `inputs` maps the roles input_ids / attention_mask / token_type_ids (the last only for
    BERT) to the model's signature input names; `outputs` maps start_logits / end_logits to
    its output names. `files` maps each file name to its sha256.
    """

    architecture: str
    max_seq_len: int
    lowercase: bool
    signature: str
    inputs: dict[str, str]
    outputs: dict[str, str]
    quantization: str
    source: str
    converter_version: str
    files: dict[str, str]
    doc_stride: int = 128
    max_query_len: int = 64
    validation: dict[str, Any] | None = None
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_bundle_info(folder: str | Path) -> BundleInfo:
    """Parse bundle.json (no checksum verification)."""
    path = Path(folder) / BUNDLE_JSON
    if not path.is_file():
        raise BundleError(f"{path}: missing (is {folder} a model bundle made by qa-convert?)")
    try:
        info = BundleInfo(**check_bundle_fields(json.loads(path.read_text(encoding="utf-8"))))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as err:
        raise BundleError(f"{path}: not a valid bundle description ({err})") from None
    except SchemaError as err:
        raise BundleError(f"{path}: {err}") from None
    if info.format_version != FORMAT_VERSION:
        raise BundleError(
            f"{path}: bundle format {info.format_version}, this program reads {FORMAT_VERSION}"
        )
    for required in (MODEL_FILE, VOCAB_FILE):
        if required not in info.files:
            raise BundleError(f"{path}: lists no {required}")
    return info


def load_bundle(folder: str | Path, *, verify: bool = True) -> BundleInfo:
    """Read bundle.json and (by default) check every listed file against its sha256."""
    folder = Path(folder)
    info = read_bundle_info(folder)
    if verify:
        for name, expected in sorted(info.files.items()):
            file = folder / name
            if not file.is_file():
                raise BundleError(f"{file}: missing from the bundle")
            if sha256_file(file) != expected:
                raise BundleError(f"{file}: checksum mismatch (corrupted or modified)")
    model = folder / MODEL_FILE
    with model.open("rb") as f:
        head = f.read(8)
    if len(head) < 8 or head[4:8] != TFLITE_IDENTIFIER:
        raise BundleError(f"{model}: not a TensorFlow Lite model")
    return info
