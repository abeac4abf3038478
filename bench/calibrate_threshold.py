"""Pick the assistant's "not found" threshold (answer.threshold) on a held-out SQuAD file.

Runs a bundle over the held-out questions (never the dev set), each once on its own context
and once on another question's context (the answer is not in the documents), and, for each
candidate threshold, reports how many right answers (F1 >= 0.5) it keeps and how many wrong,
unanswerable or off-document ones it turns into "I couldn't find that". The suggestion keeps
95% of the right answers: "not found" is better than a wrong answer, but not at any cost.

Usage: .venv/bin/python bench/calibrate_threshold.py BUNDLE HOLDOUT.json [--limit N] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.qa.engine import QAEngine
from assistant.qa.squad import load_examples, score

KEEP_RIGHT = 0.95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("holdout", type=Path)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    engine = QAEngine.from_bundle(args.bundle)
    examples = load_examples(args.holdout, limit=args.limit)
    contexts = list(dict.fromkeys(ex.context for ex in examples))
    right, wrong, elsewhere = [], [], []
    for ex in tqdm(examples, unit="q"):
        span = engine.answer(ex.question, ex.context)
        if span is not None:
            good = bool(ex.answers) and score(span.text, (a.text for a in ex.answers))[1] >= 0.5
            (right if good else wrong).append(span.score)
        other = contexts[(contexts.index(ex.context) + 1) % len(contexts)]
        if (span := engine.answer(ex.question, other)) is not None:
            elsewhere.append(span.score)
    if not right:
        print("no right answers at all: this model cannot be calibrated (is it trained?)")
        return 1
    right_a, wrong_a, elsewhere_a = map(np.asarray, (right, wrong, elsewhere))
    suggestion = float(np.quantile(right_a, 1 - KEEP_RIGHT))
    print(f"{len(right)} right, {len(wrong)} wrong or unanswerable, {len(elsewhere)} off-document")
    print(f"{'threshold':>9} {'right kept':>11} {'wrong refused':>14} {'off-doc refused':>16}")
    rows = []
    for t in sorted({*np.quantile(right_a, [0.0, 0.02, 0.05, 0.1, 0.2, 0.3]).round(2), 0.0}):
        row = {
            "threshold": float(t),
            "right_kept": float((right_a >= t).mean()),
            "wrong_refused": float((wrong_a < t).mean()),
            "off_document_refused": float((elsewhere_a < t).mean()),
        }
        rows.append(row)
        print(
            f"{t:9.2f} {row['right_kept']:11.1%} {row['wrong_refused']:14.1%} "
            f"{row['off_document_refused']:16.1%}"
        )
    print(f"suggested answer.threshold = {suggestion:.1f} (keeps {KEEP_RIGHT:.0%} of right ones)")
    if args.json:
        result = {"suggested": suggestion, "rows": rows}
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
