"""Refused files as people read them: names made printable, refusals summarized by reason.

A file name on a stick can hold anything but "/" and NUL: bytes that are not UTF-8 (kept by
Python as lone surrogates, which cannot be written as UTF-8), newlines that would forge lines
in a summary or a log, terminal escapes. `printable` writes those as escapes (``\\xff``,
``\\n``, ``\\x1b``). `summary_lines` groups refusals by reason (the text before any
parenthesis, so "too large (5 MB...)" and "too large (9 MB...)" are one group) and names the
first few files of each group, so 5,000 refused files are a few lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

SHOWN_NAMES = 3


class _Refused(Protocol):
    name: str
    reason: str


def printable(name: str) -> str:
    """`name` with undecodable bytes as \\xNN and every unprintable character escaped."""
    out = []
    for ch in name:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def summary_lines(refusals: Sequence[_Refused], shown: int = SHOWN_NAMES) -> list[str]:
    """One line per reason: the whole refusal when it is alone, else a count and a few names."""
    groups: dict[str, list[_Refused]] = defaultdict(list)
    for refusal in refusals:
        groups[refusal.reason.split(" (")[0]].append(refusal)
    lines = []
    for key, members in groups.items():
        if len(members) == 1:
            lines.append(f"refused {members[0].name}: {members[0].reason}")
            continue
        names = ", ".join(m.name for m in members[:shown])
        more = f" and {len(members) - shown} more" if len(members) > shown else ""
        lines.append(f"refused {len(members)} files: {key} ({names}{more})")
    return lines
