"""PDF -> text the way a person reads the page: no running headers, page numbers or TOC leaders.

pypdf gives each page's text line by line; where a run in one font is followed on the same line
by a capitalised run in another with no space between ("KDE" + "The KDE desktop", a label set
against its text), a space is put back. On top of it, in this order:

1. furniture: a first or last line of a page that is a bare page number (arabic or roman), a
   line repeated (digits ignored) at the top or bottom of several pages (running headers and
   footers such as "Chapter 4: Function reference 12"), and a top or bottom line that starts or
   ends with the page's printed number are dropped;
2. tables of contents: lines of dot leaders (". . . . 4") are dropped;
3. headings: the PDF's outline (bookmarks) titles, found in order in the text, become ``##``
   lines (deeper outline levels more ``#``); without an outline, short numbered lines ("2.1.
   Naming") do. The title (metadata title, else the first line) is the ``#`` line on top;
4. paragraphs: lines are joined into paragraphs; one ends where a line is clearly shorter than
   the page width, before a heading and before a list item ("•", "1.");
5. hyphenation: a word broken at a line end ("manip-" + "ulation") is re-joined without the
   hyphen when the whole word occurs elsewhere in the document or either half is not a word of
   it; otherwise ("command-" + "line") the hyphen stays.

Tables drawn with ruling lines are found by pdfplumber's table finder, on the pages whose
content draws at least `MIN_RULES` lines or rectangles (the others cost nothing more). Such a
page is read by pdfplumber instead: its text above, between and below the tables, and each
table as rows of the shared layout ("header: cell; header: cell", `extraction.table_lines`),
so a cell stays tied to its row and column instead of becoming a line of its own.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from assistant.documents.extraction import Extraction, body, heading, table_lines
from assistant.errors import DocumentError

if TYPE_CHECKING:
    from pypdf import PageObject

EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be furniture
SHORT_LINE = 0.75  # a line shorter than this share of the usual line length ends a paragraph
MAX_HEADING_CHARS = 90
MIN_RULES = 6  # drawn lines and rectangles on a page before its tables are looked for

_PAGE_NUMBER = re.compile(r"^[\s|]*(\d{1,4}|[ivxlcdm]{1,7})[\s|]*$", re.IGNORECASE)
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\S{0,6}\s*$|(?:\.\s){3,}\.")
_NUMBERED_HEADING = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+[A-Z][^.!?]*$")
_SECTION_NUMBER = re.compile(r"^(?:[A-Z]|\d+)(?:\.\d+)*\.?\s+")
_LIST_ITEM = re.compile(r"^(?:[•◦▪‣∙·*–-]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s|--?[A-Za-z])")
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,4})\b")
_TRAILING_NUMBER = re.compile(r"\b(\d{1,4})\s*$")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_BROKEN = re.compile(r"([^\W\d_]+)-$")
_CONTINUED = re.compile(r"^([^\W\d_]+)")
# path operators of a content stream: "x y w h re" (rectangle), "x y l" (line to)
_DRAW = re.compile(rb"(?<![A-Za-z])(?:re|l)(?![A-Za-z])")


def extract(data: bytes) -> Extraction:
    """The structured text of a PDF; raises `DocumentError` for encrypted or broken files."""
    pages, outline, meta_title = _read(data)
    result = Extraction("")
    pages = [_lines(page) for page in pages]

    title = "" if meta_title.lower() == "untitled" else meta_title  # a PDF writer's default
    if not title and pages and pages[0] and len(pages[0][0]) <= MAX_HEADING_CHARS:
        title = pages[0].pop(0)
    _drop_furniture(pages, result.dropped)
    lines = [line for page in pages for line in page]
    lines = _drop_toc(lines, result.dropped)
    headings = _mark_headings(lines, outline)
    body = _paragraphs(lines, headings, result.dropped)
    text = "\n\n".join(([heading(1, title)] if title else []) + body)
    result.text = text
    return result


def pdf_text(data: bytes) -> str:
    """`extract(data).text`."""
    return extract(data).text


def _lines(page: str | list[str]) -> list[str]:
    """A page's non-empty lines, whitespace collapsed; table rows (already lines) stay rows."""
    if isinstance(page, list):
        return [line for line in page if line]
    return [line for line in (" ".join(line.split()) for line in page.split("\n")) if line]


def _read(data: bytes) -> tuple[list[str | list[str]], list[tuple[int, str]], str]:
    """Page texts (NFKC: ligatures split), or the lines of a page with tables (`TableRow`s
    among them); outline as (depth, title), metadata title."""
    import pypdf
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError("encrypted PDF")
        pages: list[str | list[str]] = [
            unicodedata.normalize("NFKC", _page_text(page)) for page in reader.pages
        ]
        ruled = [n for n, page in enumerate(reader.pages) if _rules(page) >= MIN_RULES]
        for n, lines in _table_pages(data, ruled).items():
            pages[n] = lines
        try:
            outline = list(_walk_outline(reader.outline, 0))
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            outline = []  # a damaged outline only costs the headings
        meta = reader.metadata
        title = str(meta.title or "").strip() if meta is not None else ""
    except DocumentError:
        raise
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        OSError,
        RecursionError,
        AssertionError,
        ZeroDivisionError,
    ) as err:
        raise DocumentError(f"broken PDF ({type(err).__name__})") from None
    return pages, outline, " ".join(title.split())


def _page_text(page: PageObject) -> str:
    """pypdf's text of `page` (its visitor sees the same pieces, in order) with a space between
    a run and a capitalised run in another font on the same line that touch: "KDEThe KDE
    desktop" -> "KDE The KDE desktop". A word set in two fonts ("bold" + "face") stays whole."""
    runs: list[tuple[str, str | None, float]] = []  # text, font name, baseline

    def visit(text: str, _cm: list, tm: list, font: dict | None, _size: float) -> None:
        if text:
            runs.append((text, (font or {}).get("/BaseFont"), tm[5]))

    page.extract_text(visitor_text=visit)
    pieces: list[str] = []
    for before, run in zip([None, *runs], runs, strict=False):
        if (
            before is not None
            and before[0][-1].isalnum()
            and run[0][0].isupper()
            and before[1] != run[1]
            and before[2] == run[2]
        ):
            pieces.append(" ")
        pieces.append(run[0])
    return "".join(pieces)


def _rules(page: PageObject) -> int:
    """How many lines and rectangles the page's content draws (cheap: no layout analysis)."""
    try:
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
    except Exception:  # a damaged content stream only costs the table search
        return 0
    return len(_DRAW.findall(data))


def _table_pages(data: bytes, candidates: list[int]) -> dict[int, list[str]]:
    """page index -> its lines read by pdfplumber, for the `candidates` pages that hold a
    ruled table: the text around the tables and each table's rows as `TableRow` lines."""
    if not candidates:
        return {}
    import pdfplumber

    found: dict[int, list[str]] = {}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for n in candidates:
            page = pdf.pages[n]
            tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
            if tables:
                found[n] = _page_with_tables(page, tables)
    return found


def _page_with_tables(page, tables: list) -> list[str]:
    """The page's lines top to bottom: text regions as lines, tables as `TableRow`s titled by
    the line just above them when it is short (a caption or heading)."""
    lines: list[str] = []
    top = page.bbox[1]
    for table in tables:
        _, t_top, _, t_bottom = table.bbox
        if t_top > top:
            lines += _region_lines(page, top, t_top)
        rows = [[" ".join((cell or "").split()) for cell in row] for row in table.extract()]
        title = lines[-1] if lines and _is_caption(lines[-1]) else ""
        lines += [TableRow(row) for row in table_lines(rows, title)]
        top = max(top, t_bottom)
    if top < page.bbox[3]:
        lines += _region_lines(page, top, page.bbox[3])
    return lines


def _region_lines(page, top: float, bottom: float) -> list[str]:
    x0, _, x1, _ = page.bbox
    text = page.crop((x0, top, x1, bottom)).extract_text() or ""
    return _lines(unicodedata.normalize("NFKC", text))


def _is_caption(line: str) -> bool:
    return len(line) <= MAX_HEADING_CHARS and not line.rstrip().endswith((".", ",", ";"))


class TableRow(str):
    """A line that is one table row: kept on a line of its own, never joined to a paragraph."""


def _walk_outline(items: list, depth: int) -> Iterator[tuple[int, str]]:
    for item in items:
        if isinstance(item, list):
            yield from _walk_outline(item, depth + 1)
        else:
            title = " ".join(str(getattr(item, "title", "") or "").split())
            if title:
                yield depth, unicodedata.normalize("NFKC", title)


def _shape(line: str) -> str:
    """A line with its numbers blanked: running headers differ only in their page number."""
    return re.sub(r"\d+", "#", line.lower())


def _drop_furniture(pages: list[list[str]], dropped: Counter[str]) -> None:
    """Remove page numbers and running headers/footers from `pages`, in place."""
    edges: Counter[str] = Counter()
    for page in pages:
        edges.update({_shape(line) for line in _edge(page)})
    needed = max(2, min(3, (len(pages) + 1) // 2))
    repeated = {shape for shape, n in edges.items() if n >= needed and len(pages) >= 2}
    offset = _printed_page_offset(pages)
    for index, page in enumerate(pages):
        printed = None if offset is None else index - offset
        keep = []
        for position, line in enumerate(page):
            at_edge = position < EDGE_LINES or position >= len(page) - EDGE_LINES
            numbered = position in (0, len(page) - 1) and printed in _end_numbers(line)
            if at_edge and _PAGE_NUMBER.match(line):
                dropped["page numbers"] += len(line)
            elif (at_edge and _shape(line) in repeated) or numbered:
                dropped["running headers/footers"] += len(line)
            else:
                keep.append(line)
        page[:] = keep


def _edge(page: list[str]) -> list[str]:
    if len(page) <= 2 * EDGE_LINES:
        return page
    return page[:EDGE_LINES] + page[-EDGE_LINES:]


def _end_numbers(line: str) -> set[int]:
    found = set()
    for pattern in (_LEADING_NUMBER, _TRAILING_NUMBER):
        match = pattern.search(line)
        if match:
            found.add(int(match.group(1)))
    return found


def _printed_page_offset(pages: list[list[str]]) -> int | None:
    """index - printed number, when at least three pages agree on it (front matter shifts it)."""
    votes: Counter[int] = Counter()
    for index, page in enumerate(pages):
        if page:
            offsets = {index - n for line in {page[0], page[-1]} for n in _end_numbers(line)}
            votes.update(offsets)
    if not votes:
        return None
    offset, n = votes.most_common(1)[0]
    return offset if n >= 3 else None


def _drop_toc(lines: list[str], dropped: Counter[str]) -> list[str]:
    keep = []
    for line in lines:
        if _DOT_LEADER.search(line):
            dropped["table of contents"] += len(line)
        else:
            keep.append(line)
    return keep


def _bare(title: str) -> str:
    """A heading without section number, case, spaces and punctuation, as outline titles and
    page text spell the same heading differently: "2.13. Non-regular files" -> "nonregularfiles"."""
    return re.sub(r"[\W_]+", "", _SECTION_NUMBER.sub("", title).lower())


def _mark_headings(lines: list[str], outline: list[tuple[int, str]]) -> dict[int, int]:
    """line index -> heading level (2 = top section), from the outline or numbered lines."""
    found: dict[int, int] = {}
    if outline:
        start = 0
        for depth, title in outline:
            wanted = _bare(title)
            for i in range(start, len(lines)):
                line = lines[i]
                if isinstance(line, TableRow):
                    continue
                if len(line) <= MAX_HEADING_CHARS and wanted and _bare(line) == wanted:
                    found[i] = depth + 2
                    start = i + 1
                    break
        return found
    for i, line in enumerate(lines):
        match = _NUMBERED_HEADING.match(line)
        if match and len(line) <= MAX_HEADING_CHARS and not isinstance(line, TableRow):
            found[i] = match.group(1).count(".") + 2
    return found


def _paragraphs(lines: list[str], headings: dict[int, int], dropped: Counter[str]) -> list[str]:
    """Heading lines and paragraphs (lines joined, hyphenation repaired), in order."""
    lengths = sorted(len(line) for line in lines)
    usual = lengths[int(len(lengths) * 0.9)] if lengths else 0
    vocabulary = Counter(w.lower() for line in lines for w in _WORD.findall(line))
    out: list[str] = []
    current = ""
    for i, line in enumerate(lines):
        if i in headings:
            if current:
                out.append(body(current))
            out.append(heading(headings[i], line))
            current = ""
            continue
        if isinstance(line, TableRow):
            if current:
                out.append(body(current))
                current = ""
            _add_row(out, line, previous_row=i > 0 and isinstance(lines[i - 1], TableRow))
            continue
        if _LIST_ITEM.match(line) and current:
            out.append(body(current))
            current = ""
        current = _join(current, line, vocabulary, dropped) if current else line
        next_starts_block = i + 1 in headings or (
            i + 1 < len(lines)
            and (_LIST_ITEM.match(lines[i + 1]) is not None or isinstance(lines[i + 1], TableRow))
        )
        if len(line) < SHORT_LINE * usual or next_starts_block:
            out.append(body(current))
            current = ""
    if current:
        out.append(body(current))
    return out


def _add_row(out: list[str], row: str, *, previous_row: bool) -> None:
    """Append a table row: to the rows before it, one per line, or as a new block."""
    if previous_row and out:
        out[-1] += "\n" + body(row)
    else:
        out.append(body(row))


def _join(text: str, line: str, vocabulary: Counter[str], dropped: Counter[str]) -> str:
    """`text` + `line` with a space, or re-joining a word hyphenated at the line end."""
    broken = _BROKEN.search(text)
    continued = _CONTINUED.match(line)
    if broken and continued and continued.group(1)[0].islower():
        head, tail = broken.group(1), continued.group(1)
        whole = (head + tail).lower()
        compound = f"{head}-{tail}".lower()
        # the halves are counted once by this very break: "elsewhere" means twice
        halves_known = vocabulary[head.lower()] >= 2 and vocabulary[tail] >= 2
        if vocabulary[whole] or (not vocabulary[compound] and not halves_known):
            dropped["hyphenation"] += 1
            return text[:-1] + line
        return text + line
    return text + " " + line
