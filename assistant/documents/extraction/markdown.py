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

The work is linear in the text: the line patterns are unambiguous, and each inline construct is
found by a scanner (`_sub`) that remembers where no closing marker follows, so an opener
without a closer (``**``, ``[``, ``<!--`` thousands of times) is not re-scanned to the end of the
text from each occurrence. It removes exactly what the regular expression beside it would.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.documents.extraction import Extraction, body, heading

_ATX = re.compile(r" {0,3}(#{1,6})\s")  # then the heading text, less a closing run of "#"
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TABLE_RULE = re.compile(r"\|?\s*:?-+:?(?:\s*\|\s*:?-+:?)*(?:\s*\|)?")  # of a stripped line
_ITEM = re.compile(r"^\s{0,8}(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_RULE = re.compile(r"^ {0,3}(?:[-*_]\s*){3,}$")
_QUOTE = re.compile(r"^ {0,3}>\s?")

# A span: (its end, what replaces it) or, when none starts at this opener, the position before
# which no opener can start one either (the scan goes on from there).
Span = tuple[int, str] | int


def _sub(text: str, opener: re.Pattern[str], span: Callable[[str, re.Match[str]], Span]) -> str:
    """`text` with each span replaced, scanning left to right as `re.sub` does: at the next
    match of `opener`, `span` says where the span ends and what replaces it, or how far no span
    can start."""
    out: list[str] = []
    done = search = 0
    while (match := opener.search(text, search)) is not None:
        found = span(text, match)
        if isinstance(found, tuple):
            out += [text[done : match.start()], found[1]]
            done = search = found[0]
        else:
            search = max(found, match.start() + 1)
    out.append(text[done:])
    return "".join(out)


def _to(closer: str, keep: bool) -> Callable[[str, re.Match[str]], Span]:
    """A span from its opener to the first `closer` after it (`<!--.*?-->`, `` `[^`]*` ``,
    `</?[A-Za-z][^>]*>`), replaced by what lies between (`keep`) or by nothing."""

    def span(text: str, match: re.Match[str]) -> Span:
        end = text.find(closer, match.end())
        if end < 0:
            return len(text)  # no closer after this opener, so none after a later one
        return end + len(closer), text[match.end() : end] if keep else ""

    return span


def _link(target_open: str, target_close: str) -> Callable[[str, re.Match[str]], Span]:
    """`!?\\[([^\\]]*)\\]` + target, replaced by the link text: an inline link's target is
    `\\([^)]*\\)` (`target_open` "(", `target_close` ")"), a reference link's
    `\\[[^\\]]*\\]`."""

    def span(text: str, match: re.Match[str]) -> Span:
        start = match.end()  # after the "["
        label_end = text.find("]", start)
        if label_end < 0:
            return len(text)
        if not text.startswith(target_open, label_end + 1):
            return label_end  # every "[" before this "]" ends its label here too
        end = text.find(target_close, label_end + 2)
        if end < 0:
            return len(text)
        return end + 1, text[start:label_end]

    return span


def _emphasis(closers: dict[str, re.Pattern[str]]) -> Callable[[str, re.Match[str]], Span]:
    """A span from an opener (its marker in `closers`) to the first closer of that marker on
    the same line with at least one character between (`(.+?)`), replaced by what lies
    between."""
    dead: dict[str, int] = {}  # marker -> the end of a line that has no closer for it

    def span(text: str, match: re.Match[str]) -> Span:
        marker = match.group()
        start = match.end()
        if match.start() < dead.get(marker, -1):
            return match.start() + 1
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        closer = closers[marker].search(text, start + 1, line_end)
        if closer is None:
            dead[marker] = line_end  # nor for a later opener of this line
            return match.start() + 1
        return closer.end(), text[start : closer.start()]

    return span


# (opener, span) in order; each pass equals the re.sub in its comment
_INLINE: list[tuple[re.Pattern[str], Callable[[], Callable[[str, re.Match[str]], Span]]]] = [
    (re.compile(r"<!--"), lambda: _to("-->", keep=False)),  # <!--.*?--> (DOTALL) -> ""
    (re.compile(r"!?\["), lambda: _link("(", ")")),  # !?\[([^\]]*)\]\([^)]*\) -> \1
    (re.compile(r"!?\["), lambda: _link("[", "]")),  # !?\[([^\]]*)\]\[[^\]]*\] -> \1
    (re.compile(r"`"), lambda: _to("`", keep=True)),  # `([^`]*)` -> \1
    # (\*\*|__)(?=\S)(.+?)(?<=\S)\1 -> \2
    (
        re.compile(r"(?:\*\*|__)(?=\S)"),
        lambda: _emphasis({"**": re.compile(r"(?<=\S)\*\*"), "__": re.compile(r"(?<=\S)__")}),
    ),
    # (?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*]) -> \1
    (
        re.compile(r"(?<![\w*])\*(?=\S)"),
        lambda: _emphasis({"*": re.compile(r"(?<=\S)\*(?![\w*])")}),
    ),
    # (?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_]) -> \1
    (re.compile(r"(?<![\w_])_(?=\S)"), lambda: _emphasis({"_": re.compile(r"(?<=\S)_(?![\w_])")})),
    (re.compile(r"</?[A-Za-z]"), lambda: _to(">", keep=False)),  # </?[A-Za-z][^>]*> -> ""
]


def _inline(text: str) -> str:
    for opener, span in _INLINE:
        text = _sub(text, opener, span())
    return " ".join(text.split())


def _atx(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line: `^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$`."""
    match = _ATX.match(line)
    if match is None:
        return None
    text = line[match.end() :].strip().rstrip("#").rstrip()
    return len(match.group(1)), text


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
        if line.lstrip().startswith("|") and (
            header is not None or _TABLE_RULE.fullmatch(following.strip())
        ):
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
        atx = _atx(line)
        if atx is not None:
            block()
            out += [heading(atx[0], _inline(atx[1])), ""]
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
