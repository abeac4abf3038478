"""SQuAD articles as documents: one .txt per article (title, blank line, one paragraph per
blank-line-separated block), the shape a user's folder of notes has."""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.qa.squad import Example, load_examples


def load_articles(path: str | Path) -> list[tuple[str, list[str]]]:
    """(title, paragraphs) of every article of a SQuAD file, in file order (validated first)."""
    load_examples(path)  # raises SquadFormatError naming a malformed record
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    return [
        (str(a.get("title", "")) or f"article {n}", [p["context"] for p in a["paragraphs"]])
        for n, a in enumerate(doc["data"], start=1)
    ]


def file_name(title: str) -> str:
    """The .txt name of an article: its title with path-unsafe characters replaced."""
    return re.sub(r"[^\w.,()' -]+", "_", title).strip(" .") + ".txt"


def write_articles(articles: list[tuple[str, list[str]]], folder: Path) -> None:
    """Write each (title, paragraphs) to `folder`/<title>.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    for title, paragraphs in articles:
        text = title.replace("_", " ") + "\n\n" + "\n\n".join(paragraphs) + "\n"
        (folder / file_name(title)).write_text(text, encoding="utf-8")


def held_out_titles(articles: list[tuple[str, list[str]]], count: int) -> set[str]:
    """`count` titles spread evenly over the file (the articles not loaded)."""
    if not 0 <= count < len(articles):
        raise ValueError(f"--held-out-articles must be between 0 and {len(articles) - 1}")
    return {articles[i * len(articles) // count][0] for i in range(count)} if count else set()


def answer_in(text: str, example: Example) -> bool:
    """Whether a gold answer of `example` occurs in `text` (whitespace-insensitive)."""
    flat = " ".join(text.split())
    return any(" ".join(a.text.split()) in flat for a in example.answers)
