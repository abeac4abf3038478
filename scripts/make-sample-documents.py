#!/usr/bin/env python3
"""Write the PDF and DOCX of docs/sample-documents/ (the Markdown, text and HTML ones are
written by hand). Needs the `dev` extra (reportlab) and the `pi` extra (python-docx).

    .venv/bin/python scripts/make-sample-documents.py
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parents[1] / "docs" / "sample-documents"

MANUAL_TITLE = "Washing machine WM-7140: quick guide"
MANUAL = [
    (
        "Programmes",
        [
            "Cotton: 40 °C, up to 7 kg, about 2 h 15 min.",
            "Synthetics: 30 °C, up to 3.5 kg, about 1 h 30 min.",
            "Quick wash: 20 °C, up to 2 kg, 29 min. Use it for lightly worn clothes only.",
            "Wool: 30 °C, up to 1.5 kg, spins at 600 rpm.",
        ],
    ),
    (
        "Error codes",
        [
            "E01 means the door is not closed properly. Close the door until it clicks.",
            "E02 means no water is coming in. Check that the tap is open and the hose is not bent.",
            "F22 means the pump filter is blocked. Clean the filter behind the small flap at the "
            "bottom right.",
            "F34 means the machine is overloaded. Take out some of the washing and start again.",
        ],
    ),
    (
        "Care",
        [
            "Clean the pump filter every 3 months.",
            "Run an empty 90 °C wash once a month to keep the drum fresh.",
            "Use about 35 ml of liquid detergent for a normal load.",
        ],
    ),
]

RECYCLING_TITLE = "Recycling and collection guide 2025"
RECYCLING = [
    (
        "What goes in the blue box",
        [
            "Paper, cardboard, food tins, drinks cans and plastic bottles go in the blue box. "
            "Rinse tins and bottles first.",
            "Glass bottles and jars go in the separate glass caddy, not in the blue box.",
        ],
    ),
    (
        "Collection days",
        [
            "The blue box is collected every Wednesday.",
            "The glass caddy is collected on the 1st and 3rd Wednesday of each month.",
            "After a bank holiday, collections are one day later that week.",
        ],
    ),
    (
        "Facts",
        [
            "Last year the town recycled 48% of its household waste, up from 41% in 2020.",
            "The recycling centre on Mill Lane is open from 8:00 to 18:00 every day except "
            "25 December.",
            "Large items such as sofas are collected for £35 for up to three items.",
        ],
    ),
]


def write_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    story = [Paragraph(MANUAL_TITLE, styles["Title"])]
    for heading, paragraphs in MANUAL:
        story.append(Paragraph(heading, styles["Heading2"]))
        story += [Paragraph(text, styles["BodyText"]) for text in paragraphs]
        story.append(Spacer(1, 6))
    document = SimpleDocTemplate(
        str(path), pagesize=A4, title=MANUAL_TITLE, author="Pi voice QA sample", invariant=1
    )
    document.build(story)


def write_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = RECYCLING_TITLE
    document.add_heading(RECYCLING_TITLE, level=1)
    for heading, paragraphs in RECYCLING:
        document.add_heading(heading, level=2)
        for text in paragraphs:
            document.add_paragraph(text)
    document.save(str(path))


if __name__ == "__main__":
    write_pdf(FOLDER / "washing-machine.pdf")
    write_docx(FOLDER / "recycling-guide.docx")
    print(f"wrote {FOLDER / 'washing-machine.pdf'} and {FOLDER / 'recycling-guide.docx'}")
