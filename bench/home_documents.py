"""Answering from a home's documents: the household set of bench/data/home, read as a user would.

The 16 documents of bench/data/home/documents (appliance manuals with fault-code and
specification tables, an insurance summary, a school newsletter, a tenancy agreement, museum,
leisure-centre and bus-timetable pages, recipes, club rules, letters and a service log, in every
supported format; written for this project) are loaded into a temporary state folder as
`qa-assistant load` does, then every question of questions.json is typed to the shipped model
with the configuration's defaults (retriever, top_k, threshold, passage sizes). Per split
("tune", "held" — the held part is never used to choose settings — and all), per kind and per
document it reports:

- answerable questions: right (the answer contains an accepted phrase), wrong (another answer),
  "not found"; of the right ones, how many came from another document than the one named;
- unanswerable questions (no document says it, though one comes close): false answers (anything
  but "not found") and "not found".

An answer contains a phrase when the phrase's tokens occur in a row among the answer's
(`contains`). Tokens are lower-cased: a currency sign (£ $ €) or % alone, a number with its inner
"." or ":" ("4.50", "06:15"; a thousands comma is dropped, "£1,000" = "£1000"), a run of
letters; everything else (spaces, other punctuation, "°", "-", "/") only separates. So "£4.50"
and "4.50" are in "£4.50", "£4.50" is not in "£14.50", "06:15" is not in "16:15", "7 years" is
not in "17 years", "180°C" is in "180 °C". A phrase of one token of at most two characters
("C", "6", "no") must be the whole answer: "C" (a band) is not in "180°C".

Usage: .venv/bin/python bench/home_documents.py [--model BUNDLE] [--split tune|held|all]
       [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import platform
import re
import tempfile
from collections import defaultdict
from pathlib import Path

from tqdm import tqdm

from assistant.answering.answerer import NOT_FOUND

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "home"
DOCS = DATA / "documents"
QUESTIONS = DATA / "questions.json"
SPLITS = ("tune", "held", "all")

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_TOKEN = re.compile(r"[£$€%]|\d+(?:[.:]\d+)*|[^\W\d_]+")


def tokens(text: str) -> list[str]:
    """The comparison's tokens of `text` (see the module doc)."""
    return _TOKEN.findall(_THOUSANDS.sub("", text.lower()))


def contains(answer: str, phrase: str) -> bool:
    """Whether the tokens of `phrase` occur in a row in `answer` (a short lone token: all of it)."""
    a, p = tokens(answer), tokens(phrase)
    if not p:
        return False
    if len(p) == 1 and len(p[0]) <= 2:
        return a == p
    return any(a[i : i + len(p)] == p for i in range(len(a) - len(p) + 1))


def outcome(question: dict, found: bool, text: str) -> str:
    """The outcome of one answer: for an answerable question "right", "wrong" or "not found";
    for an unanswerable one "false answer" or "not found"."""
    if not found:
        return "not found"
    if not question["answers"]:
        return "false answer"
    return "right" if any(contains(text, a) for a in question["answers"]) else "wrong"


def answer_questions(
    questions: list[dict], model: Path | None, threshold: float | None
) -> tuple[list[dict], dict]:
    """Load DOCS as `qa-assistant load` does (temporary state folder) and answer every question,
    "not found" below `threshold` (default: the configuration's). Each prediction keeps its best
    span and score whatever the threshold (`span`), so `at_threshold` can re-judge it: the
    answerer reads with no threshold, which gives the same best span (passages are only
    skipped when they cannot beat the best answer so far or reach the threshold)."""
    from assistant.answering.answerer import Answerer, load_reader
    from assistant.config import Config
    from assistant.service.assembly import build_shelf

    config = Config()
    model = model or Path(config.answer.model)
    with tempfile.TemporaryDirectory(prefix="home-bench-") as state:
        shelf = build_shelf(config, state)
        shelf.load(DOCS)
        library = shelf.library()
        reader = load_reader(model, config.answer.threads)
        if threshold is None:
            threshold = Answerer.from_config(library, reader, config.answer).threshold
        answerer = Answerer.from_config(library, reader, config.answer, threshold=-math.inf)
        setup = {
            "model": str(model.relative_to(ROOT) if model.is_relative_to(ROOT) else model),
            "documents": len(library.files),
            "passages": len(library),
            "top_k": answerer.top_k,
            "threshold": threshold,
        }
        predictions = []
        for q in tqdm(questions, desc="questions", unit="q"):
            answer = answerer.answer(q["question"])
            source = None if answer.source is None else answer.source.file
            predictions.append(
                {
                    **q,
                    "span": answer.text if answer.found else "",
                    "score": answer.score,
                    "source": source,
                    "sentence": answer.sentence,
                }
            )
    return at_threshold(predictions, threshold), setup


def at_threshold(predictions: list[dict], threshold: float) -> list[dict]:
    """The predictions with "not found" below `threshold`: `answer`, `found` and `outcome`."""
    judged = []
    for p in predictions:
        found = bool(p["span"]) and p["score"] >= threshold
        text = p["span"] if found else NOT_FOUND
        judged.append({**p, "answer": text, "found": found, "outcome": outcome(p, found, text)})
    return judged


def sweep(predictions: list[dict], thresholds: list[float]) -> str:
    """Markdown: right and false answers of the predictions at each threshold."""
    out = [
        "| threshold | right | wrong | not found | false answers |",
        "|---:|---:|---:|---:|---:|",
    ]
    for threshold in thresholds:
        t = tally(at_threshold(predictions, threshold))
        a, u = t["answerable"], t["unanswerable"]
        out.append(
            f"| {threshold:g} | {_share(t['right'], a)} | {_share(t['wrong'], a)} "
            f"| {_share(t['not_found'], a)} | {_share(t['false_answers'], u)} |"
        )
    return "\n".join(out)


def tally(predictions: list[dict]) -> dict:
    """Counts of one group of predictions."""
    answerable = [p for p in predictions if p["answers"]]
    unanswerable = [p for p in predictions if not p["answers"]]
    right = [p for p in answerable if p["outcome"] == "right"]
    return {
        "answerable": len(answerable),
        "right": len(right),
        "right_elsewhere": sum(p["source"] != p["document"] for p in right),
        "wrong": sum(p["outcome"] == "wrong" for p in answerable),
        "not_found": sum(p["outcome"] == "not found" for p in answerable),
        "unanswerable": len(unanswerable),
        "false_answers": sum(p["outcome"] == "false answer" for p in unanswerable),
        "unanswerable_not_found": sum(p["outcome"] == "not found" for p in unanswerable),
    }


def report(predictions: list[dict], splits: tuple[str, ...]) -> dict:
    """Tallies per split, and per kind tag and per document for each split."""
    out: dict = {}
    for split in splits:
        mine = [p for p in predictions if split == "all" or p["split"] == split]
        by_kind: dict[str, list[dict]] = defaultdict(list)
        by_document: dict[str, list[dict]] = defaultdict(list)
        for p in mine:
            for tag in p["kind"]:
                by_kind[tag].append(p)
            by_document[p["document"]].append(p)
        out[split] = {
            **tally(mine),
            "per_kind": {k: tally(v) for k, v in sorted(by_kind.items())},
            "per_document": {d: tally(v) for d, v in sorted(by_document.items())},
        }
    return out


def _share(n: int, total: int) -> str:
    return f"{n} ({n / total:.0%})" if total else "-"


def _row(name: str, t: dict) -> str:
    a, u = t["answerable"], t["unanswerable"]
    right = _share(t["right"], a)
    if t["right_elsewhere"]:
        right += f", {t['right_elsewhere']} from another document"
    return (
        f"| {name} | {a} | {right} | {_share(t['wrong'], a)} | {_share(t['not_found'], a)} "
        f"| {u} | {_share(t['false_answers'], u)} |"
    )


HEADER = [
    "| {} | answerable | right | wrong | not found | unanswerable | false answers |",
    "|---|---:|---:|---:|---:|---:|---:|",
]


def table(figures: dict) -> str:
    """Markdown: the splits, then per kind and per document of the last split shown."""
    out = [HEADER[0].format("split"), HEADER[1]]
    out += [_row(f"**{split}**", t) for split, t in figures.items()]
    last = list(figures)[-1]
    for part, title in (("per_kind", "kind"), ("per_document", "document")):
        out += ["", f"{title}, split {last}:", "", HEADER[0].format(title), HEADER[1]]
        out += [_row(name, t) for name, t in figures[last][part].items()]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="QA bundle (default: answer.model)")
    parser.add_argument("--split", choices=SPLITS, default="all", help="questions to ask")
    parser.add_argument("--json", type=Path, help="write the figures and every prediction here")
    parser.add_argument(
        "--threshold", type=float, help="the not-found threshold (default: answer.threshold)"
    )
    parser.add_argument(
        "--sweep",
        type=float,
        nargs="+",
        metavar="T",
        help="also show right and false answers at these thresholds",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    questions = json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    if args.split != "all":
        questions = [q for q in questions if q["split"] == args.split]
    predictions, setup = answer_questions(questions, args.model, args.threshold)
    splits = SPLITS if args.split == "all" else (args.split,)
    figures = report(predictions, splits)
    print(table(figures))
    if args.sweep:
        print("\n" + sweep(predictions, args.sweep))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        result = {
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            **setup,
            "figures": figures,
            "predictions": predictions,
        }
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
