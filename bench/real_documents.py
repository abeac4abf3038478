"""Answering from real documents: the labelled set of bench/data/realdocs, read as a user would.

The five openly licensed documents of bench/data/realdocs (two PDF manuals, an HTML reference
page, a DOCX tutorial, a Markdown specification; sources and licences in its README.md) are
loaded with the assistant's own loader and answered with the shipped model, the configuration's
defaults (top_k, threshold, passage sizes) and the hand-written questions of questions.json:

- right-answer rate: answerable questions whose answer contains an expected phrase (compared
  as lower-cased word sequences, punctuation ignored; a command-line option such as "--strict"
  as a whole option, so neither "no-time-strict" nor the word "strict" is "--strict"), per
  document and in all;
- not-found accuracy: unanswerable questions answered "not found";
- extraction figures: characters kept per document and dropped per clean-up rule;
- extraction time of a generated 100-page PDF (running header, page numbers, a table of
  contents, 40 lines of prose a page; written with reportlab).

Usage: .venv/bin/python bench/real_documents.py [--model BUNDLE] [--json OUT]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import platform
import re
import time
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "bench" / "data" / "realdocs" / "documents"
QUESTIONS = DOCS.parent / "questions.json"
DEFAULT_MODEL = ROOT / "models" / "minilm-l6-qa-int8"


def words(text: str) -> list[str]:
    """Lower-cased words, punctuation ignored: the unit answers are compared in."""
    return re.findall(r"[^\W_]+|_", text.lower())


_OPTION = re.compile(r"--?[^\W\d_][\w=-]*")


def contains(answer: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `answer` as a whole-word sequence; an option ("-s",
    "--strict") as a whole option of the answer."""
    if _OPTION.fullmatch(phrase):
        return phrase in re.findall(r"[\w=-]+", answer)
    a, p = words(answer), words(phrase)
    return bool(p) and any(a[i : i + len(p)] == p for i in range(len(a) - len(p) + 1))


def extraction_figures(folder: Path) -> list[dict]:
    """Per document: format, characters kept, characters dropped per rule."""
    from assistant.documents.extraction import docx, html, markdown, pdf
    from assistant.documents.scan import decode_text

    extractors = {
        ".pdf": pdf.extract,
        ".docx": docx.extract,
        ".html": lambda data: html.extract(decode_text(data)),
        ".md": lambda data: markdown.extract(decode_text(data)),
    }
    rows = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in extractors:
            continue
        result = extractors[path.suffix](path.read_bytes())
        rows.append(
            {
                "document": path.name,
                "format": path.suffix[1:],
                "bytes": path.stat().st_size,
                "kept_chars": len(result.text),
                "headings": sum(1 for line in result.text.split("\n") if line.startswith("#")),
                "dropped": dict(sorted(result.dropped.items())),
            }
        )
    return rows


def answer_questions(folder: Path, questions: list[dict], model: Path) -> dict:
    """Load `folder` as the assistant does and answer every question; the scores and answers."""
    from assistant.answering.answerer import Answerer, load_reader
    from assistant.config import Config
    from assistant.shelf.shelf import Shelf

    config = Config()
    shelf = Shelf(config)  # the retriever, passage sizes, top_k and threshold of `ask --docs`
    library = shelf.read_folder(folder)
    answerer = Answerer.from_config(
        library, load_reader(model, config.answer.threads), config.answer
    )
    results = []
    for q in tqdm(questions, desc="questions", unit="q"):
        answer = answerer.answer(q["question"])
        if q["answers"]:
            right = answer.found and any(contains(answer.text, a) for a in q["answers"])
        else:
            right = not answer.found
        results.append(
            {
                **q,
                "answer": answer.text,
                "found": answer.found,
                "score": answer.score,
                "source": None if answer.source is None else answer.source.file,
                "right": right,
            }
        )
    answerable = [r for r in results if r["answers"]]
    unanswerable = [r for r in results if not r["answers"]]
    per_document = {}
    for name in sorted({r["document"] for r in answerable}):
        mine = [r for r in answerable if r["document"] == name]
        per_document[name] = {
            "questions": len(mine),
            "right": sum(r["right"] for r in mine),
            "right_rate": round(sum(r["right"] for r in mine) / len(mine), 3),
        }
    return {
        "documents": len(library.files),
        "passages": len(library),
        "top_k": config.answer.top_k,
        "threshold": config.answer.threshold,
        "answerable": len(answerable),
        "right": sum(r["right"] for r in answerable),
        "right_rate": round(sum(r["right"] for r in answerable) / len(answerable), 3),
        "unanswerable": len(unanswerable),
        "not_found": sum(r["right"] for r in unanswerable),
        "not_found_rate": round(sum(r["right"] for r in unanswerable) / len(unanswerable), 3),
        "per_document": per_document,
        "predictions": results,
    }


PROSE = (
    "The pump station feeds the upper garden through a buried pipe of twenty metres, and the "
    "pressure switch starts the motor whenever the tap is opened. Maintenance of the filter "
    "and of the seals keeps the flow steady; a worn seal shows as a slow drip under the housing."
)


def hundred_page_pdf(pages: int = 100) -> bytes:
    """A manual of `pages` pages: title, a table of contents, running header, page numbers."""
    import textwrap

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle("Garden Pump Manual")
    width, height = A4
    lines = textwrap.wrap(" ".join([PROSE] * 3), 95)
    for page in range(1, pages + 1):
        c.setFont("Helvetica", 9)
        c.drawString(50, height - 40, f"Garden Pump Manual - Chapter {(page + 9) // 10}")
        c.drawString(width / 2, 30, str(page))
        text = c.beginText(50, height - 80)
        text.setFont("Helvetica", 10)
        if page <= 2:
            for n in range(1, 41):
                text.textLine(f"{n} Section {n} " + ". " * 30 + f"{n * 2 + 2}")
        else:
            text.textLine(f"{page} Section {page}")
            for n in range(40):
                text.textLine(lines[n % len(lines)])
        c.drawText(text)
        c.showPage()
    c.save()
    return buf.getvalue()


def time_pdf_extraction(pages: int = 100) -> dict:
    from assistant.documents.extraction import pdf

    data = hundred_page_pdf(pages)
    t0 = time.perf_counter()
    result = pdf.extract(data)
    seconds = time.perf_counter() - t0
    return {
        "pages": pages,
        "pdf_bytes": len(data),
        "seconds": round(seconds, 2),
        "kept_chars": len(result.text),
        "dropped": dict(sorted(result.dropped.items())),
    }


def table(report: dict) -> str:
    qa = report["qa"]
    out = [
        "| document | questions | right |",
        "|---|---|---|",
    ]
    for name, row in qa["per_document"].items():
        out.append(f"| {name} | {row['questions']} | {row['right']} ({row['right_rate']:.0%}) |")
    out.append(
        f"| **all answerable** | {qa['answerable']} | **{qa['right']} ({qa['right_rate']:.0%})** |"
    )
    out.append(
        f"| **unanswerable: not found** | {qa['unanswerable']} | "
        f"**{qa['not_found']} ({qa['not_found_rate']:.0%})** |"
    )
    out += [
        "",
        "| document | format | bytes | characters kept | headings | dropped (characters) |",
        "|---|---|---|---|---|---|",
    ]
    for row in report["extraction"]:
        dropped = ", ".join(f"{k} {v}" for k, v in row["dropped"].items()) or "-"
        out.append(
            f"| {row['document']} | {row['format']} | {row['bytes']} | {row['kept_chars']} | "
            f"{row['headings']} | {dropped} |"
        )
    speed = report["pdf_100_pages"]
    out += [
        "",
        f"100-page PDF ({speed['pdf_bytes']} bytes): extracted in {speed['seconds']:.2f} s "
        f"({speed['kept_chars']} characters kept; dropped: "
        + ", ".join(f"{k} {v}" for k, v in speed["dropped"].items())
        + ")",
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="QA bundle")
    parser.add_argument("--json", type=Path, help="write the report (with every answer) here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    questions = json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    report = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "model": str(args.model),
        "extraction": extraction_figures(DOCS),
        "pdf_100_pages": time_pdf_extraction(),
        "qa": answer_questions(DOCS, questions, args.model),
    }
    print(table(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
