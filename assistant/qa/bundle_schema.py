"""The schema of bundle.json: every field's type and range, checked before anything uses it.

`check_bundle_fields(raw)` returns the arguments of `BundleInfo` or raises `SchemaError` whose
message starts with the offending field (``max_seq_len: must be an integer between 64 and
4096, not '384'``). Checksums are checked elsewhere (`bundle.load_bundle`): a bundle.json can
match its checksums and still be wrong. How the lengths fit together (room for context windows)
is checked by the tokenizer, whose error `QAEngine.from_bundle` reports as a `BundleError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

INPUT_ROLES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_ROLES = ("start_logits", "end_logits")
# a sentence-encoder bundle (extra.kind, `assistant.retrieval.encoder`) returns one
# embedding instead
ENCODER_KIND = "sentence-encoder"
ENCODER_OUTPUT_ROLES = ("embedding",)
MIN_SEQ_LEN, MAX_SEQ_LEN = 64, 4096
_SHA256 = re.compile(r"[0-9a-f]{64}")


class SchemaError(ValueError):
    """A bundle.json field with a wrong type or value; the message starts with the field."""


def _string(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SchemaError(f"{field}: must be a non-empty string, not {value!r}")
    return value


def _integer(low: int, high: int) -> Callable[[str, Any], int]:
    def check(field: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SchemaError(
                f"{field}: must be an integer between {low} and {high}, not {value!r}"
            )
        return value

    return check


def _boolean(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SchemaError(f"{field}: must be true or false, not {value!r}")
    return value


def _object(field: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SchemaError(f"{field}: must be an object, not {value!r}")
    return value


def _optional_object(field: str, value: Any) -> dict[str, Any] | None:
    return None if value is None else _object(field, value)


def _names(required: tuple[str, ...], allowed: tuple[str, ...]) -> Callable[[str, Any], dict]:
    def check(field: str, value: Any) -> dict[str, str]:
        _object(field, value)
        for role, name in value.items():
            if role not in allowed:
                raise SchemaError(f"{field}.{role}: unknown role (known: {', '.join(allowed)})")
            _string(f"{field}.{role}", name)
        for role in required:
            if role not in value:
                raise SchemaError(f"{field}: names no {role} tensor")
        return value

    return check


def _files(field: str, value: Any) -> dict[str, str]:
    _object(field, value)
    for name, digest in value.items():
        if "/" in name or name in ("", ".", ".."):
            raise SchemaError(f"{field}: {name!r} is not a file name of the bundle folder")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise SchemaError(f"{field}.{name}: must be a sha256 (64 hex digits), not {digest!r}")
    return value


FIELDS: dict[str, Callable[[str, Any], Any]] = {
    "architecture": _string,
    "max_seq_len": _integer(MIN_SEQ_LEN, MAX_SEQ_LEN),
    "lowercase": _boolean,
    "signature": _string,
    "inputs": _names(INPUT_ROLES[:1], INPUT_ROLES),
    "outputs": _names((), OUTPUT_ROLES + ENCODER_OUTPUT_ROLES),
    "quantization": _string,
    "source": _string,
    "converter_version": _string,
    "files": _files,
    "doc_stride": _integer(1, MAX_SEQ_LEN),
    "max_query_len": _integer(1, MAX_SEQ_LEN),
    "validation": _optional_object,
    "format_version": _integer(0, 1_000_000),
    "extra": _object,
}
OPTIONAL = frozenset({"doc_stride", "max_query_len", "validation", "format_version", "extra"})


def check_bundle_fields(raw: Any) -> dict[str, Any]:
    """The checked fields of a parsed bundle.json; raises `SchemaError` naming the field."""
    if not isinstance(raw, dict):
        raise SchemaError(f"must be a JSON object, not {type(raw).__name__}")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise SchemaError(f"{unknown[0]}: unknown field")
    missing = sorted(set(FIELDS) - set(raw) - OPTIONAL)
    if missing:
        raise SchemaError(f"{missing[0]}: missing")
    fields = {name: FIELDS[name](name, value) for name, value in raw.items()}
    encoder = (fields.get("extra") or {}).get("kind") == ENCODER_KIND
    for role in ENCODER_OUTPUT_ROLES if encoder else OUTPUT_ROLES:
        if role not in fields["outputs"]:
            raise SchemaError(f"outputs: names no {role} tensor")
    return fields
