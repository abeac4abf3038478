"""Retriever recall on held-out TRAINING articles: BM25, dense, their fusions, passage sizes.

All articles of the file (bench/open_holdout.py) are loaded; for each answerable question,
recall@k is whether a gold answer string occurs in one of the k best passages. Variants:
passage size (`split_passages` min..max words), the document title and section before the
passage text (`assistant.retrieval.index.index_text`) or not, BM25 alone, the sentence encoder
alone, reciprocal-rank fusion (k = 60), and the linear mix of `assistant.retrieval.fusion.fuse`
for several BM25 weights. This is how the shipped retrieval was chosen (never on the dev set).

Usage: python bench/retrieval_table.py RETRIEVER HOLDOUT.json [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import bm25s
import numpy as np

from assistant.config import LibraryConfig
from assistant.documents.passages import split_passages
from assistant.documents.scan import scan_folder
from assistant.qa.squad import load_examples
from assistant.retrieval.encoder import SentenceEncoder
from assistant.retrieval.index import index_text
from assistant.text import tokenize
from converter.open_articles import answer_in, load_articles, write_articles

SIZES = ((150, 250), (1, 250), (60, 120))  # (1, 250): one passage per paragraph
BM25_WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
RRF_K = 60


def recall(scores: np.ndarray, relevant: np.ndarray) -> list[float]:
    order = np.argsort(-scores, axis=1, kind="stable")
    hits = np.take_along_axis(relevant, order, axis=1)
    return [round(100 * float(hits[:, :k].any(axis=1).mean()), 1) for k in (1, 3, 10)]


def ranks(scores: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(-scores, axis=1, kind="stable"), axis=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("retriever", type=Path)
    parser.add_argument("holdout", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    examples = [ex for ex in load_examples(args.holdout) if ex.answers]
    with tempfile.TemporaryDirectory() as tmp:
        write_articles(load_articles(args.holdout), Path(tmp))
        documents = scan_folder(tmp).documents
    encoder = SentenceEncoder(args.retriever)
    queries = encoder.embed_all([ex.question for ex in examples])
    table = {}
    for low, high in SIZES:
        passages = [
            p
            for d in documents
            for p in split_passages(d, LibraryConfig(passage_min_words=low, passage_max_words=high))
        ]
        relevant = np.array([[answer_in(p.text, ex) for p in passages] for ex in examples])
        for titled in (False, True):
            texts = [index_text(p) if titled else p.text for p in passages]
            index = bm25s.BM25()
            index.index([tokenize(t) for t in texts], show_progress=False)
            bm25 = np.stack([_bm25(index, ex.question, len(texts)) for ex in examples])
            cosine = queries @ encoder.embed_all(texts).T
            scaled = bm25 / np.maximum(bm25.max(axis=1, keepdims=True), 1e-9)
            rows = {
                "bm25": recall(bm25, relevant),
                "dense": recall(cosine, relevant),
                "rrf": recall(
                    1 / (RRF_K + 1 + ranks(bm25)) + 1 / (RRF_K + 1 + ranks(cosine)), relevant
                ),
            }
            for w in BM25_WEIGHTS:
                rows[f"linear {w}"] = recall(w * scaled + (1 - w) * cosine, relevant)
            name = f"{low}-{high} words{', title' if titled else ''} ({len(passages)} passages)"
            table[name] = rows
            print(f"\n{name}: recall@1/3/10 over {len(examples)} questions")
            for variant, values in rows.items():
                print(f"  {variant:12s} {values[0]:5.1f} {values[1]:5.1f} {values[2]:5.1f}")
    if args.json:
        args.json.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    return 0


def _bm25(index: bm25s.BM25, question: str, count: int) -> np.ndarray:
    terms = tokenize(question)
    return index.get_scores(terms) if terms else np.zeros(count)


if __name__ == "__main__":
    raise SystemExit(main())
