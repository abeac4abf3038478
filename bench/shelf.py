"""What collections cost: loading a stick, opening the whole shelf (the BM25 index is rebuilt
over every collection, at start and after each stick load), searching it, forgetting one.

Sticks are folders of .txt documents made of the paragraphs of ../shared/data/qa-train/train.json
(from its 23rd article on, in order; `--paragraphs` paragraphs a document, `--documents`
documents a stick). The shelf grows one stick at a time up to `--sticks`; after each load the
table gets a row. The questions searched are those of the documents' first paragraphs.

Usage: .venv/bin/python bench/shelf.py [--sticks 8] [--documents 50] [--paragraphs 10]
       [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from assistant.config import LibraryConfig
from assistant.shelf.store import forget, load_folder, open_library
from assistant.speech.document_speech import store_document_speech

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT.parent / "shared" / "data" / "qa-train" / "train.json"
SKIP_ARTICLES = 22  # the SQuAD articles: a few very long ones, unlike the rest


def write_sticks(
    folder: Path, sticks: int, documents: int, paragraphs: int
) -> tuple[list[Path], list[str]]:
    """The stick folders, and one question per document."""
    data = json.loads(TRAIN.read_text(encoding="utf-8"))["data"][SKIP_ARTICLES:]
    pool = [p for article in data for p in article["paragraphs"]]
    paths, questions = [], []
    for s in range(sticks):
        stick = folder / f"STICK{s + 1}"
        stick.mkdir()
        for d in range(documents):
            start = (s * documents + d) * paragraphs
            chunk = pool[start : start + paragraphs]
            text = "\n\n".join(p["context"] for p in chunk)
            (stick / f"{d:04d}.txt").write_text(text, encoding="utf-8")
            questions.append(chunk[0]["qas"][0]["question"])
        paths.append(stick)
    return paths, questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sticks", type=int, default=8)
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--paragraphs", type=int, default=10)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "shelf.json")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sticks, questions = write_sticks(Path(tmp), args.sticks, args.documents, args.paragraphs)
        state = Path(tmp) / "state"
        asked = questions[:: max(1, len(questions) // args.questions)][: args.questions]
        for stick in sticks:
            t0 = time.perf_counter()
            summary = load_folder(
                stick, state, LibraryConfig(), name=stick.name, extra=store_document_speech
            )
            t1 = time.perf_counter()
            library = open_library(state)
            t2 = time.perf_counter()
            search = []
            for question in asked:
                s0 = time.perf_counter()
                library.search(question, k=3)
                search.append((time.perf_counter() - s0) * 1000)
            rows.append(
                {
                    "collections": len(library.collections),
                    "documents": len(library.files),
                    "passages": len(library),
                    "load_stick_s": round(t1 - t0, 2),
                    "stick_passages": summary.passages,
                    "open_shelf_s": round(t2 - t1, 2),
                    "search_ms_median": round(statistics.median(search), 2),
                }
            )
        t0 = time.perf_counter()
        forget(state, sticks[0].name)
        forget_s = round(time.perf_counter() - t0, 3)
    result = {
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
        "documents_per_stick": args.documents,
        "paragraphs_per_document": args.paragraphs,
        "rows": rows,
        "forget_s": forget_s,
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(
        "| collections | documents | passages | load one stick (s) | open shelf (s) |"
        " search, median (ms) |"
    )
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['collections']} | {r['documents']} | {r['passages']} | {r['load_stick_s']} |"
            f" {r['open_shelf_s']} | {r['search_ms_median']} |"
        )
    print(f"forget one collection: {forget_s} s")


if __name__ == "__main__":
    main()
