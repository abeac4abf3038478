"""The search index over collections: BM25 and sentence embeddings together.

`Library` searches the passages of all its collections with one BM25 index (bm25s), built in
memory when it is made: it is a cache of the collections' passages, so it is never stale. With
a sentence encoder (`assistant.retrieval.encoder`) it also stacks the collections' stored
embeddings and ranks by BM25 and embeddings together (`assistant.retrieval.fusion`); a
collection whose embeddings were made by another encoder, or are missing, is embedded here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from assistant.config import LibraryConfig
from assistant.documents.collection import Collection
from assistant.documents.passages import Passage, split_passages
from assistant.documents.scan import Document
from assistant.retrieval.encoder import SentenceEncoder
from assistant.retrieval.fusion import fuse
from assistant.text import tokenize


def index_text(passage: Passage) -> str:
    """What retrieval (BM25 and the encoder) matches a question against: the passage with its
    title and section."""
    return f"{passage.title}\n{passage.section}\n{passage.text}"


@dataclass(frozen=True)
class Hit:
    """A search result from collection `collection`. `score` ranks: the fused score when the
    library has embeddings, else BM25 divided by the query's best BM25 score (1.0 for the
    first hit)."""

    passage: Passage
    score: float
    collection: str
    bm25: float = 0.0
    cosine: float = 0.0  # query-passage embedding cosine (0 without an encoder)


class Library:
    """The passages of all `collections` plus one BM25 index (and, with `encoder`, their
    embeddings); `search` returns the best `k`.

    Without an encoder only passages sharing a term with the query are returned; with one every
    passage is ranked. A collection without embeddings by `encoder` is embedded here.
    """

    def __init__(
        self, collections: Sequence[Collection], *, encoder: SentenceEncoder | None = None
    ) -> None:
        self.collections = list(collections)
        self.passages = [p for c in self.collections for p in c.passages]
        self._owners = [c.name for c in self.collections for _ in c.passages]
        self.encoder = encoder
        self.embeddings: np.ndarray | None = None
        if encoder is not None:
            self.embeddings = np.zeros((len(self.passages), encoder.dim), dtype=np.float32)
            row = 0
            for c in self.collections:
                rows = c.embeddings
                if rows is None or rows.shape != (len(c.passages), encoder.dim):
                    rows = encoder.embed_all([index_text(p) for p in c.passages])
                self.embeddings[row : row + len(c.passages)] = rows
                row += len(c.passages)
        self._bm25 = bm25s.BM25()
        corpus = [tokenize(index_text(p)) for p in self.passages]
        self.terms = frozenset(term for terms in corpus for term in terms)  # every BM25 term
        if self.passages:
            self._bm25.index(corpus, show_progress=False)

    @classmethod
    def from_documents(
        cls,
        name: str,
        documents: Sequence[Document],
        settings: LibraryConfig,
        encoder: SentenceEncoder | None = None,
    ) -> Library:
        """One in-memory collection `name` of `documents`, cut into passages per `settings`
        (nothing is stored)."""
        passages = [p for d in documents for p in split_passages(d, settings)]
        return cls([Collection(name, passages, {})], encoder=encoder)

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def files(self) -> list[str]:
        """The documents of every collection (a name appears once per collection holding it)."""
        return sorted(f for c in self.collections for f in c.files)

    def search(self, query: str, k: int) -> list[Hit]:
        """The up-to-`k` passages best matching `query`, best first.

        BM25 only: [] when no passage shares a term with the query.
        """
        terms = tokenize(query)
        if self.encoder is not None and self.embeddings is not None and self.passages:
            bm25 = self._bm25.get_scores(terms) if terms else np.zeros(len(self.passages))
            cosine = self.embeddings @ self.encoder.embed(query)
            fused = fuse(bm25, cosine)
            best = np.argsort(-fused, kind="stable")[:k]
            return [
                Hit(
                    self.passages[i],
                    float(fused[i]),
                    self._owners[i],
                    bm25=float(bm25[i]),
                    cosine=float(cosine[i]),
                )
                for i in best.tolist()
            ]
        if not self.passages or not terms:
            return []
        docs, scores = self._bm25.retrieve(
            [terms], k=min(k, len(self.passages)), show_progress=False, n_threads=0
        )
        best = float(scores[0][0]) if len(scores[0]) else 0.0
        if not best > 0:
            return []
        return [
            Hit(self.passages[int(i)], float(s) / best, self._owners[int(i)], bm25=float(s))
            for i, s in zip(docs[0], scores[0], strict=True)
            if s > 0 and np.isfinite(s)
        ]
