"""Split a SQuAD file into a training part and a held-out part, by whole paragraphs.

Hyper-parameters are chosen on the held-out part, never on an evaluation set. All questions
on one context move together (no context is in both parts), and each `source` (or the whole
file when articles carry none) gives about `holdout_fraction` of its questions. Some sources
are a single article of thousands of paragraphs, hence paragraphs, not articles, as the unit.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from assistant.qa.squad import SquadFormatError, load_examples
from distill.errors import DistillError


def split_squad(
    path: str | Path, out_dir: str | Path, *, holdout_fraction: float, seed: int = 0
) -> tuple[int, int]:
    """Write out_dir/train.json and out_dir/holdout.json; returns their question counts."""
    if not 0.0 < holdout_fraction < 1.0:
        raise DistillError(f"--holdout must be between 0 and 1, not {holdout_fraction}")
    try:
        load_examples(path)  # validates every record, naming the bad one
    except SquadFormatError as err:
        raise DistillError(str(err)) from None
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    by_source: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for a, article in enumerate(doc["data"]):
        for p in range(len(article["paragraphs"])):
            by_source[str(article.get("source", ""))].append((a, p))

    rng = np.random.default_rng(seed)
    held: set[tuple[int, int]] = set()
    for source in sorted(by_source):
        units = by_source[source]
        target = holdout_fraction * sum(_questions(doc, u) for u in units)
        taken = 0
        for k in rng.permutation(len(units)).tolist():
            if taken >= target:
                break
            held.add(units[k])
            taken += _questions(doc, units[k])

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts = []
    for name, keep in (("train.json", False), ("holdout.json", True)):
        articles = []
        for a, article in enumerate(doc["data"]):
            paragraphs = [
                par for p, par in enumerate(article["paragraphs"]) if ((a, p) in held) == keep
            ]
            if paragraphs:
                articles.append({**article, "paragraphs": paragraphs})
        part = {"version": doc.get("version", ""), "data": articles}
        (out / name).write_text(json.dumps(part), encoding="utf-8")
        counts.append(sum(len(p["qas"]) for art in articles for p in art["paragraphs"]))
    return counts[0], counts[1]


def _questions(doc: dict, unit: tuple[int, int]) -> int:
    return len(doc["data"][unit[0]]["paragraphs"][unit[1]]["qas"])
