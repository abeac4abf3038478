"""Build the held-out TRAINING file on which open-document settings are chosen (never dev).

From the training file, take every SQuAD article (sources `squad2_*` and `squad1_*`: 14
distinct Wikipedia articles; a title seen twice keeps its first article), keep ALL their
paragraphs (they are the documents), but keep questions only on the paragraphs that
`qa-distill split --holdout 0.05 --seed 0` held out, i.e. the paragraphs the shipped reader
never trained on; unanswerable (SQuAD 2.0 `is_impossible`) questions are dropped.

Usage: python bench/open_holdout.py ../shared/data/qa-train/train.json --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from distill.split import split_squad

SQUAD_SOURCES = ("squad2_", "squad1_")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        split_squad(args.train, tmp, holdout_fraction=0.05, seed=0)
        held = json.loads((Path(tmp) / "holdout.json").read_text(encoding="utf-8"))
    unseen = {p["context"] for a in held["data"] for p in a["paragraphs"]}
    doc = json.loads(args.train.read_text(encoding="utf-8"))
    articles, titles, questions = [], set(), 0
    for article in doc["data"]:
        title = article["title"].split(":", 1)[-1]
        if not str(article.get("source", "")).startswith(SQUAD_SOURCES) or title in titles:
            continue
        titles.add(title)
        paragraphs = []
        for p in article["paragraphs"]:
            qas = [q for q in p["qas"] if p["context"] in unseen and not q.get("is_impossible")]
            questions += len(qas)
            paragraphs.append({"context": p["context"], "qas": qas})
        articles.append({"title": title, "paragraphs": paragraphs})
    args.out.write_text(json.dumps({"version": "open-holdout", "data": articles}), encoding="utf-8")
    print(f"{args.out}: {len(articles)} articles, {questions} questions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
