"""HTML -> text that keeps what the markup says about structure.

- headings ``<h1>``..``<h6>`` become ``#``..``######`` lines; the ``<title>`` is the ``#`` line on
  top when the page has no ``<h1>`` before its first text;
- a definition list becomes one line per definition paragraph, "term — definition", so the
  term stays attached to what it defines (the dash, as in a dictionary, is what the reader
  model, trained on encyclopaedia prose, takes for "term is defined as"; a ``<dt>`` without a
  ``<dd>`` stays a line of its own);
- a table row becomes one line "header: cell; header: cell" (the header row is the first row
  made only of ``<th>``; without one, a row's leading ``<th>`` labels the rest, else the cells are
  joined with "; ");
- list items, ``<br>`` and the lines of a ``<pre>`` are separate lines; paragraphs, divisions and
  other blocks are separated by a blank line; other whitespace is collapsed, as a browser does;
- scripts, styles, templates, ``<head>`` furniture, navigation (``<nav>``, role="navigation",
  a class or id naming a table of contents or menu) are dropped.

The work is linear in the markup, whatever it holds. The open elements are counted per tag name
and per "hides its content", and runs of the same element are one stack entry, so neither deep
nesting nor thousands of unclosed tags cost more per tag; a page with over `MAX_OPEN` distinct
open runs is refused. The standard library's parser is fed in growing chunks, and a tag, comment
or declaration still unterminated at the end of the page is dropped with everything after it (as
HTML5 does: it runs to the end of the file) instead of being re-scanned from each of its ``<``.
A start tag's extent is found with memory that does not grow with its attributes, and a tag of
over `MAX_ATTRIBUTES` attributes is refused (the parser lists them all before reporting it).
"""

from __future__ import annotations

import html.parser
import re
import sys
from collections import Counter
from itertools import islice

from assistant.documents.extraction import Extraction, body, heading
from assistant.errors import DocumentError

HIDDEN = frozenset({"script", "style", "template", "noscript", "head", "nav", "svg", "iframe"})
BLOCKS = frozenset(
    "p div ul ol section article header footer blockquote main aside figure figcaption "
    "address form fieldset hr center".split()
)
LINES = frozenset({"li", "br", "caption"})
_NAVIGATION = re.compile(
    r"(?:^|[\s_-])(?:toc|nav|navbar|navigation|menu|breadcrumbs?)(?:$|[\s_-])", re.IGNORECASE
)
VOID = frozenset("br hr img input meta link area base col embed source track wbr".split())
# How far a start tag extends: html.parser's own pattern (Python 3.11), with the attribute
# repetition possessive. Nothing after it can fail, so the match is the same, but the regex
# engine keeps no backtracking state per attribute (about 570 bytes each: 300,000 attributes
# took 170 MB).
_START_TAG_EXTENT = re.compile(
    r"""
  <[a-zA-Z][^\t\n\r\f />\x00]*       # tag name
  (?:[\s/]*                          # optional whitespace before attribute name
    (?:(?<=['"\s/])[^\s/>][^\s/=>]*  # attribute name
      (?:\s*=+\s*                    # value indicator
        (?:'[^']*'                   # LITA-enclosed value
          |"[^"]*"                   # LIT-enclosed value
          |(?!['"])[^>\s]*           # bare value
         )
        \s*                          # possibly followed by a space
       )?(?:\s|/(?!>))*
     )*+
   )?
  \s*                                # trailing whitespace
""",
    re.VERBOSE,
)
# An attribute, as html.parser (Python 3.11) finds them one after another in a start tag
_ATTRIBUTE = re.compile(
    r"((?<=['\"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*('[^']*'|\"[^\"]*\"|(?!['\"])[^>\s]*))?(?:\s|/(?!>))*"
)
MAX_ATTRIBUTES = 10_000  # in one start tag; html.parser lists them all before it reports the tag
MAX_OPEN = 100_000  # runs of open elements; a page nested deeper is refused
FEED_CHARS = 1 << 16  # the first chunk fed to the parser; later ones match what it holds back


class _OpenElements:
    """The open elements, innermost last, as runs of the same (tag, hides its content): a
    start tag, and an end tag with what it closes, cost O(1) amortized at any depth."""

    def __init__(self) -> None:
        self._runs: list[list] = []  # [tag, hides, count]
        self._count: Counter[str] = Counter()  # open elements per tag
        self.hiding = 0  # open elements that hide their content

    def push(self, tag: str, hides: bool) -> None:
        if self._runs and self._runs[-1][0] == tag and self._runs[-1][1] == hides:
            self._runs[-1][2] += 1
        elif len(self._runs) >= MAX_OPEN:
            raise DocumentError(f"HTML nested too deeply (over {MAX_OPEN} open elements)")
        else:
            self._runs.append([sys.intern(tag), hides, 1])
        self._count[tag] += 1
        self.hiding += hides

    def close(self, tag: str) -> None:
        """Close the innermost open `tag` and every element opened inside it; nothing when no
        `tag` is open."""
        if not self._count[tag]:
            return
        while True:
            run = self._runs[-1]
            n = 1 if run[0] == tag else run[2]
            run[2] -= n
            self._count[run[0]] -= n
            self.hiding -= n * run[1]
            if not run[2]:
                self._runs.pop()
            if run[0] == tag:
                return


class _Parser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []  # finished lines; "" is a paragraph break
        self.line: list[str] = []
        self.dropped: Counter[str] = Counter()
        self.title: list[str] = []
        self._open = _OpenElements()
        self._in_title = False
        self._pre = 0
        self._heading: int | None = None
        self._term: list[str] = []  # the <dt> text while it waits for its <dd>
        self._in_dt = False
        self._in_dd = False
        self._dd_term = ""
        self._row: list[tuple[bool, str]] | None = None  # (is header, text) per cell
        self._cell: list[str] | None = None
        self._header: list[str] | None = None

    # --- output ------------------------------------------------------------------------

    def _flush(self) -> None:
        text = "".join(self.line)
        self.line = []
        text = text if self._pre else " ".join(text.split())
        if not text.strip():
            return
        if self._in_dd and self._dd_term:
            text = f"{self._dd_term} — {text}"
        self.blocks.append(body(text))

    def _break(self, paragraph: bool) -> None:
        self._flush()
        if paragraph and self.blocks and self.blocks[-1] != "":
            self.blocks.append("")

    @property
    def _hidden(self) -> bool:
        return self._open.hiding > 0

    # --- parser events -----------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        values = dict(attrs)
        hides = (
            tag in HIDDEN
            or values.get("role") == "navigation"
            or bool(_NAVIGATION.search(f"{values.get('class') or ''} {values.get('id') or ''}"))
        )
        if tag not in VOID:
            self._open.push(tag, hides)
        if self._hidden:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self._break(True)
            self._heading = int(tag[1])
        elif tag == "dt":
            if not self._in_dt and self._term:  # a <dt> that got no <dd>: its own line
                self._emit_term()
            self._flush()
            self._in_dt = True
        elif tag == "dd":
            self._flush()
            self._in_dd = True
            self._dd_term = ", ".join(self._term)
            self._term = []
        elif tag == "tr":
            self._flush()
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "pre":
            self._break(True)
            self._pre += 1
        elif tag in LINES:
            self._break(False)
        elif tag in BLOCKS or tag in ("dl", "table"):
            self._break(self._cell is None and not self._in_dd)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        was_hidden = self._hidden
        self._open.close(tag)
        if was_hidden:
            return
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            text = " ".join("".join(self.line).split())
            self.line = []
            if text:
                self.blocks.append(heading(self._heading, text))
                self.blocks.append("")
            self._heading = None
        elif tag == "dt":
            self._term.append(" ".join("".join(self.line).split()))
            self.line = []
            self._in_dt = False
        elif tag == "dd":
            self._flush()
            self._in_dd = False
            self._dd_term = ""
        elif tag == "dl":
            if self._term:
                self._emit_term()
            self._break(True)
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append((tag == "th", " ".join("".join(self._cell).split())))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._emit_row(self._row)
            self._row = None
        elif tag == "table":
            self._header = None
            self._break(True)
        elif tag == "pre":
            self._flush_pre()
            self._pre = max(0, self._pre - 1)
            self._break(True)
        elif tag in LINES:
            self._break(False)
        elif tag in BLOCKS:
            self._break(self._cell is None and not self._in_dd)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
            return
        if self._hidden:
            if data.strip():
                self.dropped["scripts, styles, navigation"] += len(data.strip())
            return
        if self._cell is not None:
            self._cell.append(data)
        else:
            self.line.append(data)

    def check_for_whole_start_tag(self, i: int) -> int:
        """Where the start tag at `i` ends, -1 when it may go on in data not yet fed: Python
        3.11's html.parser, with `_START_TAG_EXTENT` (bounded memory for any attributes); a
        tag of over MAX_ATTRIBUTES attributes is refused."""
        rawdata = self.rawdata
        j = _START_TAG_EXTENT.match(rawdata, i).end()
        after = rawdata[j : j + 1]
        if after == ">":
            end = j + 1
        elif after == "/":
            end = j + 2 if rawdata.startswith("/>", j) else -1
        elif after == "" or after in "abcdefghijklmnopqrstuvwxyz=/ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            end = -1  # the end of the data in or before an attribute value
        else:
            end = max(j, i + 1)
        # at most MAX_ATTRIBUTES looked at: a count, bounded, of what the parser would list
        if end > 0 and next(islice(_ATTRIBUTE.finditer(rawdata, i, end), MAX_ATTRIBUTES, None), 0):
            raise DocumentError(f"HTML tag with over {MAX_ATTRIBUTES} attributes")
        return end

    def feed_all(self, markup: str) -> None:
        """Parse all of `markup`, then end the document (see the module doc)."""
        pos = 0
        while pos < len(markup):
            # a chunk at least as long as what the parser holds back (an unterminated tag it
            # re-reads with each chunk): the re-reading stays linear in all
            size = max(FEED_CHARS, len(self.rawdata))
            self.feed(markup[pos : pos + size])
            pos += size
        if len(self.rawdata) > 1 and self.rawdata.startswith("<"):
            self.rawdata = ""  # a construct unterminated at the end: it runs to the end
        self.close()

    def close(self) -> None:
        super().close()
        if self._term:
            self._emit_term()
        self._flush()

    # --- structures ----------------------------------------------------------------------

    def _emit_term(self) -> None:
        self.blocks.extend(body(term) for term in self._term if term)
        self._term = []

    def _emit_row(self, row: list[tuple[bool, str]]) -> None:
        cells = [text for _, text in row]
        if not any(cells):
            return
        if self._header is None and all(is_header for is_header, _ in row) and len(row) > 1:
            self._header = cells
            return
        if self._header is not None:
            pairs = [(h, c) for h, c in zip(self._header, cells, strict=False) if c]
            line = "; ".join(f"{h}: {c}" if h else c for h, c in pairs)
        elif row[0][0] and len(row) > 1:
            line = f"{cells[0]}: " + "; ".join(c for c in cells[1:] if c)
        else:
            line = "; ".join(c for c in cells if c)
        self.blocks.append(body(line))

    def _flush_pre(self) -> None:
        text = "".join(self.line)
        self.line = []
        for line in text.strip("\n").split("\n"):
            if line.strip():
                self.blocks.append(body(line.rstrip()))


def extract(markup: str) -> Extraction:
    """The structured text of an HTML page (see the module doc)."""
    parser = _Parser()
    parser.feed_all(markup)
    lines = parser.blocks
    title = " ".join("".join(parser.title).split())
    if title and not _starts_with_h1(lines):
        lines = [heading(1, title), "", *lines]
    text = "\n".join(lines)
    return Extraction(re.sub(r"\n{3,}", "\n\n", text).strip(), parser.dropped)


def _starts_with_h1(lines: list[str]) -> bool:
    first = next((line for line in lines if line), "")
    return first.startswith("# ")


def html_to_text(markup: str) -> str:
    """`extract(markup).text`."""
    return extract(markup).text
