"""DOCX -> text with the document's own structure (python-docx reads it), in document order.

- paragraphs styled "Title" become the ``#`` line, "Heading N" ``#`` * (N + 1);
- list paragraphs (a "List ..." style or Word numbering) are separate lines of one block;
- a table row becomes one line "header: cell; header: cell", the first row giving the headers
  (a table of one row, or whose first row is empty, joins its cells with "; ");
- other paragraphs are separated by a blank line; the lines of a paragraph with manual line
  breaks (code, an address) stay apart.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import TYPE_CHECKING

from assistant.documents.extraction import Extraction, body, heading
from assistant.errors import DocumentError

if TYPE_CHECKING:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

_HEADING = re.compile(r"^Heading (\d)$")


def extract(data: bytes) -> Extraction:
    """The structured text of a .docx file; raises `DocumentError` for a broken one."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.opc.exceptions import OpcError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        # style id -> name, looked up once: python-docx scans every style on each lookup
        styles = document.styles
        names = {s.style_id: s.name for s in styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
        default = styles.default(WD_STYLE_TYPE.PARAGRAPH)
        default_name = default.name if default is not None else ""
        blocks: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                style = names.get(item._p.style, default_name) or ""
                _paragraph(item, style, blocks)
            elif isinstance(item, Table):
                _table(item, blocks)
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise DocumentError(f"broken .docx ({type(err).__name__})") from None
    return Extraction("\n".join(blocks).strip())


def docx_text(data: bytes) -> str:
    """`extract(data).text`."""
    return extract(data).text


def _paragraph(paragraph: Paragraph, style: str, blocks: list[str]) -> None:
    """Append `paragraph` of the named `style`; `blocks` holds lines, "" being a blank line (a
    block boundary)."""
    # a manual line break (code, an address) keeps its lines apart
    lines = [" ".join(line.split()) for line in paragraph.text.split("\n")]
    text = "\n".join(line for line in lines if line)
    if not text:
        return
    match = _HEADING.match(style)
    numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    if style == "Title" or match:
        level = 1 if match is None else int(match.group(1)) + 1
        _open_block(blocks)
        blocks += [heading(level, " ".join(text.split())), ""]
    elif style.startswith("List") or numbered:
        blocks.append(body(text))  # list items follow each other on single lines
    else:
        _open_block(blocks)
        blocks += [body(text), ""]


def _open_block(blocks: list[str]) -> None:
    if blocks and blocks[-1] != "":
        blocks.append("")


def _table(table: Table, blocks: list[str]) -> None:
    rows = [[" ".join(cell.text.split()) for cell in row.cells] for row in table.rows]
    if not rows:
        return
    _open_block(blocks)
    header = rows[0] if len(rows) > 1 and any(rows[0]) else None
    for cells in rows[1:] if header else rows:
        if header:
            pairs = [(h, c) for h, c in zip(header, cells, strict=False) if c]
            line = "; ".join(f"{h}: {c}" if h else c for h, c in pairs)
        else:
            line = "; ".join(c for c in cells if c)
        if line:
            blocks.append(body(line))
    blocks.append("")
