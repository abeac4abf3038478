"""Per-format extraction rules on small documents written by real writers (reportlab,
python-docx) or by hand (HTML, Markdown), and passages that know their section."""

from __future__ import annotations

import io

import docx
import pytest

from assistant.config import LibraryConfig
from assistant.documents.extraction import docx as docx_extraction
from assistant.documents.extraction import html, markdown, pdf
from assistant.documents.extraction.plain import plain_text
from assistant.documents.passages import split_passages
from assistant.documents.scan import Document

HEADER = "Garden Pump Manual"
CHAPTERS = [
    ("1 Installation", "Installation"),
    ("2 Maintenance", "Maintenance"),
]


def three_page_pdf() -> bytes:
    """A manual: a title page with a table of contents, then two chapters, each page under a
    running header and over a page number; chapters are in the PDF outline."""
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A5)
    c.setTitle(HEADER)
    width, height = A5

    def page(number: int, lines: list[str], bookmark: tuple[str, str] | None = None) -> None:
        c.setFont("Helvetica", 9)
        c.drawString(40, height - 30, HEADER)
        c.drawString(width / 2, 25, str(number))
        if bookmark:
            c.bookmarkPage(bookmark[1])
            c.addOutlineEntry(bookmark[0], bookmark[1], level=0)
        text = c.beginText(40, height - 70)
        text.setFont("Helvetica", 10)
        for line in lines:
            text.textLine(line)
        c.drawText(text)
        c.showPage()

    page(
        1,
        [
            "Contents",
            "1 Installation . . . . . . . . . . . . . . . . . . 2",
            "2 Maintenance . . . . . . . . . . . . . . . . . . 3",
        ],
    )
    page(
        2,
        [
            "1 Installation",
            "Fix the pump to a level surface and connect the hose to the outlet marked with",
            "an arrow. Water management starts at the tap: open it slowly so that the manage-",
            "ment of pressure stays easy. Use the command line tool to set the flow, the command-",
            "line tool is in the box.",
            "Keep the cable dry.",
        ],
        ("1 Installation", "installation"),
    )
    page(
        3,
        [
            "2 Maintenance",
            "Clean the filter every month and replace the seals every two years, or sooner",
            "when the pump starts to leak water from the housing.",
        ],
        ("2 Maintenance", "maintenance"),
    )
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def manual() -> pdf.Extraction:
    return pdf.extract(three_page_pdf())


def test_pdf_running_headers_and_page_numbers_are_dropped(manual) -> None:
    lines = manual.text.split("\n")
    assert lines[0] == f"# {HEADER}"  # the title, from the PDF's metadata
    assert HEADER not in lines
    assert not any(line.strip() in {"1", "2", "3"} for line in lines)
    assert manual.dropped["running headers/footers"] >= 2 * len(HEADER)
    assert manual.dropped["page numbers"] >= 2


def test_pdf_table_of_contents_is_dropped(manual) -> None:
    assert ". . ." not in manual.text
    assert manual.dropped["table of contents"] > 0


def test_pdf_outline_titles_become_headings(manual) -> None:
    lines = manual.text.split("\n")
    assert "## 1 Installation" in lines
    assert "## 2 Maintenance" in lines


def test_pdf_lines_are_joined_into_paragraphs(manual) -> None:
    lines = manual.text.split("\n")
    assert any(
        line.startswith("Clean the filter every month") and line.endswith("from the housing.")
        for line in lines
    )
    assert "Keep the cable dry." in lines  # a short line ends its paragraph


def test_pdf_hyphenation_is_repaired_only_when_the_whole_word_is_more_plausible(manual) -> None:
    assert "the management of pressure" in manual.text  # "management" occurs elsewhere
    assert "manage- ment" not in manual.text
    assert "the command-line tool is in the box" in manual.text  # both halves are words
    assert manual.dropped["hyphenation"] == 1


def references_pdf() -> bytes:
    """A reference list as DocBook sets it: each label in roman, its text in italic starting
    exactly where the label ends (no space in the text), and one word set in two fonts."""
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A5)
    text = c.beginText(40, 500)
    for label, reference in [("KDE", "The KDE desktop"), ("GNOME", "The GNOME desktop")]:
        text.setFont("Times-Roman", 10)
        text.textOut(label)
        width = stringWidth(label, "Times-Roman", 10)
        text.moveCursor(width, 0)
        text.setFont("Times-Italic", 10)
        text.textOut(reference)
        text.moveCursor(-width, 14)
    for font, part in [
        ("Times-Roman", "A "),
        ("Times-Bold", "bold"),
        ("Times-Roman", "face word."),
    ]:
        text.setFont(font, 10)
        text.textOut(part)
    c.drawText(text)
    c.save()
    return buf.getvalue()


def test_pdf_label_touching_its_text_in_another_font_gets_a_space() -> None:
    text = pdf.extract(references_pdf()).text
    assert "KDE The KDE desktop" in text
    assert "GNOME The GNOME desktop" in text
    assert "A boldface word." in text  # a lower-case run goes on the word it continues


def boiler_pdf() -> bytes:
    """A manual page with two ruled tables (platypus): fault codes with a header row, and
    specifications of label / value rows under their heading."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    styles = getSampleStyleSheet()
    grid = [("GRID", (0, 0), (-1, -1), 0.5, colors.black)]
    codes = [
        ["Code", "Meaning", "What to do"],
        ["F22", "Low water pressure", "Top up to 1.2 bar."],
        ["F28", "No ignition", "Check the gas supply."],
    ]
    specifications = [["Output", "24 kW"], ["Warranty", "7 years"]]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A5, title="Boiler guide", invariant=1).build(
        [
            Paragraph("If the display shows a code, look it up below.", styles["Normal"]),
            Table(codes, style=grid),
            Paragraph("Specifications", styles["Heading2"]),
            Table(specifications, style=grid),
            Paragraph("Keep this guide near the boiler.", styles["Normal"]),
        ]
    )
    return buf.getvalue()


def test_pdf_table_rows_keep_their_cells_together() -> None:
    lines = pdf.extract(boiler_pdf()).text.split("\n")
    assert "Code: F22; Meaning: Low water pressure; What to do: Top up to 1.2 bar." in lines
    assert "Code: F28; Meaning: No ignition; What to do: Check the gas supply." in lines
    # a table of labels and values, titled by the heading just above it
    assert "Specifications, Output: 24 kW" in lines
    assert "Specifications, Warranty: 7 years" in lines
    assert "Keep this guide near the boiler." in lines
    assert "F22" not in lines  # no cell on a line of its own


def test_pdf_table_rows_stay_one_passage_line_each() -> None:
    text = pdf.extract(boiler_pdf()).text
    (passage,) = split_passages(Document("boiler.pdf", text), LibraryConfig())
    assert "\nCode: F28; Meaning: No ignition; What to do: Check the gas supply.\n" in passage.text


PAGE = """<html><head><title>Groups</title><script>var hidden = "SECRET";</script></head>
<body><nav><a href="/">Home</a> <a href="/x">Elsewhere</a></nav>
<h1>System groups</h1>
<p>Groups give
   access to devices.</p>
<h2>Device groups</h2>
<dl>
  <dt>dialout</dt><dd><p>Full and direct access to serial ports.</p><p>Members can
  reconfigure the modem.</p></dd>
  <dt>plugdev</dt><dd>Access to removable devices.</dd>
</dl>
<table>
  <tr><th>Group</th><th>GID</th></tr>
  <tr><td>tty</td><td>5</td></tr>
  <tr><td>disk</td><td>6</td></tr>
</table>
<ul><li>one item</li><li>another item</li></ul>
<pre>$ id
# a comment</pre>
</body></html>"""


def test_html_structure_is_kept() -> None:
    result = html.extract(PAGE)
    lines = result.text.split("\n")
    assert lines[0] == "# System groups"
    assert "## Device groups" in lines
    assert "Groups give access to devices." in lines
    assert "dialout — Full and direct access to serial ports." in lines
    assert "dialout — Members can reconfigure the modem." in lines
    assert "plugdev — Access to removable devices." in lines
    assert "Group: tty; GID: 5" in lines
    assert "Group: disk; GID: 6" in lines
    assert lines.index("another item") == lines.index("one item") + 1
    assert "$ id" in lines and "\\# a comment" in lines  # an escaped '#' is no heading


def test_html_scripts_and_navigation_are_dropped() -> None:
    result = html.extract(PAGE)
    assert "SECRET" not in result.text and "Elsewhere" not in result.text
    assert result.dropped["scripts, styles, navigation"] > 0


def test_html_title_heads_a_page_without_h1() -> None:
    assert html.extract("<title>Trains</title><p>The 8:15 is late.</p>").text == (
        "# Trains\n\nThe 8:15 is late."
    )


def make_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Boiler", level=0)
    document.add_heading("Servicing", level=1)
    document.add_paragraph("The boiler is serviced every October.")
    document.add_paragraph("Check the pressure", style="List Bullet")
    document.add_paragraph("Bleed the radiators", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Part", "Interval"
    table.cell(1, 0).text, table.cell(1, 1).text = "Filter", "yearly"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_docx_headings_lists_and_tables() -> None:
    lines = docx_extraction.extract(make_docx()).text.split("\n")
    assert lines[0] == "# Boiler"
    assert "## Servicing" in lines
    first = lines.index("Check the pressure")
    assert lines[first + 1] == "Bleed the radiators"
    assert "Part: Filter; Interval: yearly" in lines


MARKDOWN = """Pump
====

Prime the **pump** before the
[first use](https://example.org).

## Parts

- the *filter*,
  cleaned monthly
- the seals

```sh
# drain it
pump --drain
```

| Part | Interval |
|------|----------|
| seal | 2 years  |
"""


def test_markdown_headings_lists_code_and_tables() -> None:
    lines = markdown.extract(MARKDOWN).text.split("\n")
    assert lines[0] == "# Pump"
    assert "Prime the pump before the first use." in lines
    assert "## Parts" in lines
    first = lines.index("the filter, cleaned monthly")
    assert lines[first + 1] == "the seals"
    assert "\\# drain it" in lines and "pump --drain" in lines
    assert "Part: seal; Interval: 2 years" in lines


def test_plain_text_keeps_field_lines_apart() -> None:
    text = (
        "Visit: 2 September 2023\nEngineer: Mark Denton\n"
        "Work done: annual service; cleaned\nthe trap\nCost: £85.00"
    )
    assert plain_text(text) == (
        "Visit: 2 September 2023\nEngineer: Mark Denton\n"
        "Work done: annual service; cleaned the trap\nCost: £85.00"
    )
    # a colon inside a wrapped sentence is not a field
    assert plain_text("It is a long\nway from the station: take the bus.") == (
        "It is a long way from the station: take the bus."
    )


def test_plain_text_is_reflowed_but_keeps_list_items() -> None:
    text = "The pump needs\na 12 volt supply.\n- one\n- two\n\n# not a heading"
    assert plain_text(text) == "The pump needs a 12 volt supply.\n- one\n- two\n\n\\# not a heading"


def test_passages_carry_title_and_section_and_stay_in_their_section() -> None:
    text = (
        "# Libtasn1\n\nIntro line.\n\n## 3 Utilities\n\n### 3.1 Invoking asn1Parser\n\n"
        "asn1Parser reads a file.\n-c checks the syntax only\n\n\\# not a heading\n\n"
        "## 4 Functions\n\nMore text."
    )
    passages = split_passages(
        Document("manual.pdf", text), LibraryConfig(passage_min_words=50, passage_max_words=100)
    )
    assert [(p.title, p.section) for p in passages] == [
        ("Libtasn1", ""),
        ("Libtasn1", "3 Utilities > 3.1 Invoking asn1Parser"),
        ("Libtasn1", "4 Functions"),
    ]
    assert (
        passages[1].text == "asn1Parser reads a file.\n-c checks the syntax only\n\n# not a heading"
    )
    assert [p.position for p in passages] == [1, 2, 3]


def test_a_document_without_a_heading_is_titled_by_its_file_name() -> None:
    (passage,) = split_passages(Document("notes/garden.txt", "Water the roses."), LibraryConfig())
    assert (passage.title, passage.section) == ("garden", "")


def test_plain_text_rows_laid_out_in_columns_are_table_rows() -> None:
    text = (
        "How your bill is worked out\n\n"
        "Brackenford District Council        £287.16\n"
        "Police and Crime Commissioner\t£210.66\n"
        "Total for the year: £1,987.34"
    )
    assert plain_text(text) == (
        "How your bill is worked out\n\n"
        "Brackenford District Council: £287.16\n"
        "Police and Crime Commissioner: £210.66\n"
        "Total for the year: £1,987.34"
    )
    # a gap after a full stop parts sentences, and two spaces are a slip, not columns
    text = "The pump is quiet.   It needs\nno  oil."
    assert plain_text(text) == "The pump is quiet. It needs no oil."
