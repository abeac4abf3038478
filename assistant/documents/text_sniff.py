"""Is this decoded text, or bytes that only decode as text? And UTF-16 without a byte order mark.

`utf16_encoding` recognizes UTF-16 text that has no BOM by its zero bytes: text in a Latin
script has a zero high byte in almost every code unit, so one of the two byte positions is
mostly zero and the other almost never.

`text_problem` refuses what decodes but is not text a person wrote, from a sample of it:
- control characters (C0 other than tab/newline/form feed, DEL, C1): a binary file;
- few letters, digits, spaces and common punctuation: random bytes decoded as cp1252/latin-1;
- mostly cased letters (Latin, Greek, Cyrillic...) but almost no spaces: random printable
  characters, base64 and other encodings of data. Scripts written without spaces (Chinese,
  Japanese, Thai) have uncased letters and are not affected.
"""

from __future__ import annotations

import unicodedata

SAMPLE_CHARS = 200_000
UTF16_SAMPLE_BYTES = 64 * 1024
_COMMON_PUNCTUATION = frozenset(".,;:!?'\"()-")


def utf16_encoding(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when `data` looks like BOM-less UTF-16, else None."""
    sample = data[: min(len(data), UTF16_SAMPLE_BYTES) // 2 * 2]
    units = len(sample) // 2
    if units < 2:
        return None
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    if odd_zeros >= 0.3 * units and even_zeros <= 0.05 * units:
        return "utf-16-le"
    if even_zeros >= 0.3 * units and odd_zeros <= 0.05 * units:
        return "utf-16-be"
    return None


def text_problem(text: str) -> str | None:
    """Why `text` is not text (the refusal reason), or None when it is."""
    sample = text[:SAMPLE_CHARS]
    n = len(sample)
    if not n:
        return None
    controls = texty = cased = spaces = 0
    for ch in sample:
        if ch.isspace():
            spaces += 1
            texty += 1
        elif ch.isalnum() or ch in _COMMON_PUNCTUATION:
            texty += 1
            if ch.isupper() or ch.islower():
                cased += 1
        elif unicodedata.category(ch) == "Cc":
            controls += 1
        elif unicodedata.category(ch)[0] == "M":  # combining accents belong to their letter
            texty += 1
    if controls > max(8, n // 100):
        return "binary file"
    if n >= 64 and texty < 0.6 * n:
        return "not text (mostly symbols: binary data or the wrong encoding?)"
    if n >= 64 and cased > 0.5 * n and spaces < 0.03 * n:
        return "not text (no spaces between words: encoded data?)"
    return None
