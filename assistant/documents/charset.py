"""Bytes -> text for the files that name no encoding reliably: .txt, .md and .html.

`decode_text` tries, in order:

1. a byte order mark: UTF-8, UTF-16 LE/BE;
2. UTF-16 without one (`text_sniff.utf16_encoding`); other bytes with NUL are binary;
3. the charset an HTML page declares (`declared_charset`: ``<meta charset>`` or a
   Content-Type ``http-equiv`` in its first DECLARATION_BYTES), read as HTML5 reads the labels
   (ISO-8859-1 and ASCII mean windows-1252, a declared UTF-16 means UTF-8), when the bytes
   decode in it;
4. UTF-8;
5. the encoding charset-normalizer detects, when its guess can be trusted: the text it gives is
   mostly in a script other than Latin (Cyrillic, Greek, Chinese, Japanese, Korean, ...) and
   the file has at least DETECT_MIN_BYTES, or the bytes are not windows-1252 at all. Between the
   single-byte Latin encodings its guess is unreliable (French windows-1252 is taken for
   Croatian windows-1250, which turns "è" into "č"), so otherwise
6. windows-1252, the encoding of most such files (Windows' "ANSI" in Western Europe and the
   Americas), else latin-1.

Text that turns out to be binary is refused (`text_sniff.text_problem`).
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from assistant.documents.text_sniff import text_problem, utf16_encoding
from assistant.errors import DocumentError

DECLARATION_BYTES = 4096  # HTML5 looks in the first 1,024; pages put it a little later too
DETECT_MIN_BYTES = 32  # shorter text says too little about its encoding
DETECT_SAMPLE_BYTES = 1 << 18  # what the detector reads (its work stays bounded)
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,512}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:+-]{1,40})", re.I
)


def declared_charset(data: bytes) -> str | None:
    """The Python codec of the charset an HTML page declares near its start, or None (none
    declared, or one Python does not know)."""
    match = _META_CHARSET.search(data, 0, DECLARATION_BYTES)
    if match is None:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return "utf-8" if name.startswith(("utf-16", "utf-32")) else name


def decode_text(data: bytes, declared: str | None = None) -> str:
    """`data` as text (see the module doc for the order); `declared`: the codec a page
    declares. Raises DocumentError for binary data and undecodable UTF-16."""
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else utf16_encoding(data)
    if encoding is not None:
        try:
            return data[: len(data) // 2 * 2].decode(encoding)
        except UnicodeDecodeError:
            raise DocumentError("undecodable text (bad UTF-16)") from None
    if b"\x00" in data:
        raise DocumentError("binary file")
    text = _decoded(data, declared) if declared and not data.startswith(codecs.BOM_UTF8) else None
    text = text if text is not None else _decoded(data, "utf-8-sig")
    text = text if text is not None else _detected(data)
    if text_problem(text) == "binary file":
        raise DocumentError("binary file")
    return text


def _decoded(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _detected(data: bytes) -> str:
    """Bytes that are not UTF-8: charset-normalizer's guess where it can be trusted, else
    windows-1252, else latin-1."""
    western = _decoded(data, "cp1252")
    guess = _guess(data)
    if guess is not None:
        text = _decoded(data, guess)
        if text is not None and (
            western is None or (len(data) >= DETECT_MIN_BYTES and _mostly_not_latin(text))
        ):
            return text
    return western if western is not None else data.decode("latin-1")


def _guess(data: bytes) -> str | None:
    """charset-normalizer's encoding for a sample of `data` (cut after a line break: no
    multi-byte character of the encodings it may find ends there), never UTF-16/32 (found
    before it runs)."""
    sample = data[:DETECT_SAMPLE_BYTES]
    if len(data) > DETECT_SAMPLE_BYTES and (cut := sample.rfind(b"\n")) > 0:
        sample = sample[: cut + 1]
    best = from_bytes(sample).best()
    if best is None or best.encoding.startswith(("utf_16", "utf_32")):
        return None
    return best.encoding


def _mostly_not_latin(text: str) -> bool:
    """Whether most letters of (the start of) `text` are in scripts other than Latin."""
    letters = [ch for ch in text[:10_000] if ch.isalpha()]
    latin = sum(1 for ch in letters if ord(ch) < 0x250 or 0x1E00 <= ord(ch) < 0x1F00)
    return len(letters) > 0 and latin < len(letters) / 2
