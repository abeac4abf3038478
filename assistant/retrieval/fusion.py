"""Hybrid passage ranking: BM25 and dense-embedding scores of every passage, mixed linearly.

fused = BM25_WEIGHT * bm25 / max(bm25) + (1 - BM25_WEIGHT) * cosine

BM25 is divided by the query's best BM25 score (its scale depends on the query's length and
terms); the cosine of unit-length sentence embeddings is already in [-1, 1]. Both signals see
the passage's title and section before its text (`index.index_text`). The weight, the title
and the linear mix (rather than reciprocal-rank fusion) were chosen on held-out TRAINING
articles (bench/retrieval_table.py; models/minilm-l6-qa-int8/README.md): recall@1
77.6 BM25 alone, 59.6 dense alone, 74.1 RRF, 80.8 this mix.
"""

from __future__ import annotations

import numpy as np

BM25_WEIGHT = 0.5


def fuse(bm25: np.ndarray, cosine: np.ndarray) -> np.ndarray:
    """The fused score of every passage from its BM25 score and embedding cosine."""
    best = float(bm25.max()) if bm25.size else 0.0
    scaled = bm25 / best if best > 0 else np.zeros_like(bm25)
    return BM25_WEIGHT * scaled + (1.0 - BM25_WEIGHT) * cosine
