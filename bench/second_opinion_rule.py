"""Choose the second opinion's constants (`assistant.speech.second_opinion`) from a
`bench/spoken_qa.py --json` run with the levers `all` (PocketSphinx) and `whisper` on the same
questions, with held-out articles (false answers need them): every rule of a grid is replayed
on the recorded answers, without running a recognizer again.

Per rule (weak margin, weak confidence, switch margin, agreement bonus), pooled over the
conditions: open F1 of the loaded questions, false answers on the not-loaded ones, and the
share of turns that would ask Whisper, of all and of the loaded questions (a not-loaded one is
mostly "not found", so it asks under most rules; Whisper takes 1.3-1.7 s a turn on a Pi 5).
Prints the shipped rule (the table's first row), then the rules on the F1 / second-opinion
frontier whose false answers stay within `--max-false`. Use training questions only.

Usage: .venv/bin/python bench/second_opinion_rule.py bench/results/spoken_qa_tune.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import statistics
import sys
from pathlib import Path

from assistant.speech.second_opinion import SWITCH_MARGIN

WEAK_MARGINS = [-math.inf, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 6.0, math.inf]
WEAK_CONFIDENCES = [0.0, 0.3, 0.5, 0.7, 0.9]
SWITCH_MARGINS = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0]
AGREE_BONUSES = [0.0, 0.5, 1.0, 2.0, 3.0]
SHIPPED = (0.0, 0.0, SWITCH_MARGIN, 0.0)  # weak: not found; no agreement bonus


def words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def pairs(details: list[dict]) -> list[tuple[dict, dict]]:
    """(PocketSphinx, Whisper) records of the same question, condition and library."""
    whisper = {
        (d["id"], d["condition"], d["loaded"]): d for d in details if d["lever"] == "whisper"
    }
    return [
        (d, whisper[key])
        for d in details
        if d["lever"] == "all" and (key := (d["id"], d["condition"], d["loaded"])) in whisper
    ]


def replay(first: dict, second: dict, rule: tuple[float, ...], threshold: float) -> tuple:
    """(combined score or None, F1 of the kept answer, whether Whisper was asked)."""
    weak_margin, weak_confidence, switch, bonus = rule
    one = -math.inf if first["score"] is None else first["score"]
    two = -math.inf if second["score"] is None else second["score"]
    unsure = (first["confidence"] or 0.0) < weak_confidence
    if not unsure and one >= threshold + weak_margin:
        return one, first["span_f1"], False
    if (
        first["score"] is not None
        and second["score"] is not None
        and words(first["answer"]) == words(second["answer"])
    ):
        kept = first if one >= two else second
        return max(one, two) + bonus, kept["span_f1"], True
    if two - switch > one:
        return two - switch, second["span_f1"], True
    return one, first["span_f1"], True


def evaluate(got: list[tuple[dict, dict]], rule: tuple[float, ...], threshold: float) -> dict:
    results = [(f, replay(f, s, rule, threshold)) for f, s in got]
    loaded = [(score, f1, asked) for f, (score, f1, asked) in results if f["loaded"]]
    absent = [score for f, (score, _, _) in results if not f["loaded"]]
    return {
        "rule": rule,
        "f1": statistics.mean(f1 if score >= threshold else 0.0 for score, f1, _ in loaded),
        "false": sum(score >= threshold for score in absent) / len(absent),
        "asked": statistics.mean(asked for _, (_, _, asked) in results),
        "asked_loaded": statistics.mean(asked for _, _, asked in loaded),
    }


def cells(r: dict) -> str:
    values = [f"{v:g}" for v in r["rule"]]
    values += [f"{100 * r['f1']:.1f}", f"{100 * r['false']:.1f}"]
    values += [f"{100 * r['asked']:.0f}", f"{100 * r['asked_loaded']:.0f}"]
    return "| " + " | ".join(values) + " |"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("json", type=Path, nargs="+")
    p.add_argument("--max-false", type=float, default=0.05)
    p.add_argument("--conditions", nargs="+")
    args = p.parse_args(argv)
    got, threshold = [], None
    for path in args.json:
        run = json.loads(path.read_text(encoding="utf-8"))
        threshold = run["libraries"][0]["threshold"]
        got += [
            (f, s)
            for f, s in pairs(run["details"])
            if not args.conditions or f["condition"] in args.conditions
        ]
    grid = itertools.product(WEAK_MARGINS, WEAK_CONFIDENCES, SWITCH_MARGINS, AGREE_BONUSES)
    rows = [evaluate(got, rule, threshold) for rule in grid]
    never = (-math.inf, 0.0, 0.0, 0.0)  # no turn is weak
    alone = {
        "pocketsphinx": evaluate([(f, f) for f, _ in got], never, threshold),
        "whisper": evaluate([(s, s) for _, s in got], never, threshold),
    }
    print(f"{len(got)} askings, threshold {threshold}")
    for name, r in alone.items():
        print(f"{name} alone: F1 {100 * r['f1']:.1f}, false {100 * r['false']:.1f}%")
    allowed = [r for r in rows if r["false"] <= args.max_false]
    allowed.sort(key=lambda r: (r["asked"], -r["f1"]))
    best = -1.0
    header = "| weak margin | weak conf. | switch margin | agree bonus | F1 | false % | asked % "
    print(header + "| asked, loaded % |")
    print("|---|---|---|---|---|---|---|---|")
    print(cells(evaluate(got, SHIPPED, threshold)))  # the first row: the shipped rule
    for r in allowed:  # the frontier: each row asks more and gains F1
        if r["f1"] > best:
            best = r["f1"]
            print(cells(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
