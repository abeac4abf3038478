"""Zip-based documents (.docx) are checked before any parser unpacks them.

A zip's central directory says how big each member unpacks to, and Python's zipfile never
returns more than that (a member that inflates further fails its CRC check), so the declared
sizes bound the work: `zip_problem` refuses an archive whose members unpack to more than
`MAX_UNPACKED_BYTES` in all, more than `MAX_XML_BYTES` of XML (parsed into memory, ten times
its size), more than `MAX_MEMBERS` members, or any large member packed more than `MAX_RATIO`
times (a zip bomb; real documents stay far below). An archive zipfile cannot read at all is
left to the format's parser, which refuses it as broken.
"""

from __future__ import annotations

import io
import zipfile

from assistant.documents.refusals import printable

MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_XML_BYTES = 24 * 1024 * 1024
MAX_MEMBERS = 5_000
MAX_RATIO = 100
RATIO_MIN_BYTES = 1024 * 1024  # small members can be any ratio (a run of spaces packs 1000:1)


def zip_problem(data: bytes) -> str | None:
    """Why the zip archive `data` must not be unpacked (the refusal reason), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None  # not a readable zip: its parser refuses it as broken
    if len(members) > MAX_MEMBERS:
        return f"zip bomb? ({len(members)} members, limit {MAX_MEMBERS})"
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        return f"zip bomb? (unpacks to {total} bytes, limit {MAX_UNPACKED_BYTES})"
    xml = sum(m.file_size for m in members if m.filename.endswith((".xml", ".rels")))
    if xml > MAX_XML_BYTES:
        return f"too much XML ({xml} bytes unpacked, limit {MAX_XML_BYTES})"
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            return f"zip bomb? ({printable(m.filename)} packed {ratio:.0f}:1)"
    return None
