"""Markdown -> the shared layout: headings and lists kept, code blocks kept as text.

- ATX headings (``## Setup``) stay; setext headings (a line underlined with ``===``/``---``)
  become ``#``/``##`` lines; a YAML front matter block is dropped;
- list items (``-``, ``*``, ``+``, ``1.``) become separate lines without their markers (a
  wrapped item's continuation lines are joined to it);
- a pipe table's rows become lines "header: cell; header: cell";
- fenced and indented code blocks are kept line by line, without the fences;
- paragraphs are re-flowed (soft line breaks joined); inline markup is reduced to its text:
  links and images to their text, emphasis and code spans without their markers, HTML tags
  and comments removed.
"""

from __future__ import annotations

import re

from assistant.documents.extraction import Extraction, body, heading

_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_ITEM = re.compile(r"^\s{0,8}(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_RULE = re.compile(r"^ {0,3}(?:[-*_]\s*){3,}$")
_QUOTE = re.compile(r"^ {0,3}>\s?")
_INLINE = [
    (re.compile(r"<!--.*?-->", re.DOTALL), ""),
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links and images
    (re.compile(r"!?\[([^\]]*)\]\[[^\]]*\]"), r"\1"),  # reference links
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),
]


def _inline(text: str) -> str:
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def extract(text: str) -> Extraction:
    """The structured text of a Markdown document (see the module doc)."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[0].strip() == "---":  # YAML front matter
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            lines = lines[end + 1 :]
    out: list[str] = []
    paragraph: list[str] = []
    fence: str | None = None
    header: list[str] | None = None  # the open pipe table's column names

    def flush() -> None:
        if paragraph:
            out.append(body(_inline(" ".join(paragraph))))
            paragraph.clear()

    def block() -> None:
        flush()
        if out and out[-1] != "":
            out.append("")

    for i, line in enumerate(lines):
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
                block()
            elif line.strip():
                out.append(body(line.rstrip()))
            continue
        match = _FENCE.match(line)
        if match:
            block()
            fence = match.group(1)
            continue
        if not line.strip():
            header = None
            block()
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if line.lstrip().startswith("|") and (header is not None or _TABLE_RULE.match(following)):
            if header is None:
                block()
                header = _cells(line)
                lines[i + 1] = "|"  # the rule line: a row without cells
            elif any(_cells(line)):
                pairs = [(h, c) for h, c in zip(header, _cells(line), strict=False) if c]
                out.append(body("; ".join(f"{h}: {c}" if h else c for h, c in pairs)))
            continue
        if _SETEXT.match(following) and not _ITEM.match(line) and not paragraph:
            block()
            out += [heading(1 if following.strip()[0] == "=" else 2, _inline(line)), ""]
            lines[i + 1] = ""
            continue
        match = _ATX.match(line)
        if match:
            block()
            out += [heading(len(match.group(1)), _inline(match.group(2))), ""]
            continue
        if _RULE.match(line):
            block()
            continue
        if line.startswith(("    ", "\t")) and not paragraph and (not out or out[-1] == ""):
            out.append(body(line.rstrip()[4:] if line.startswith("    ") else line.rstrip()[1:]))
            continue
        match = _ITEM.match(line)
        if match:
            flush()
            paragraph.append(match.group(1))
            continue
        paragraph.append(_QUOTE.sub("", line).strip())
    flush()
    return Extraction("\n".join(out).strip())


def _cells(row: str) -> list[str]:
    return [_inline(cell) for cell in row.strip().strip("|").split("|")]


def markdown_to_text(text: str) -> str:
    """`extract(text).text`."""
    return extract(text).text
