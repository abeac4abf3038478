"""Dense retrieval with the shipped sentence encoder: embeddings, their storage, hybrid search."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from test_assistant_support import LIBRARY_DOCS

from assistant.config import DEFAULT_MODEL, DEFAULT_RETRIEVER
from assistant.documents import Passage
from assistant.encoder import SentenceEncoder
from assistant.library import EMBEDDINGS, MANIFEST, Library, load_folder
from assistant.qa.bundle import BundleError
from assistant.retrieval import fuse, index_text


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder(DEFAULT_RETRIEVER, threads=1)


def test_embeddings_are_unit_length_and_rank_by_meaning(encoder: SentenceEncoder) -> None:
    query = encoder.embed("Where can I see the Eiffel Tower?")
    near = encoder.embed("The famous iron tower stands in Paris, France.")
    far = encoder.embed("Bananas are a good source of potassium.")
    assert query.shape == (encoder.dim,) and query.dtype == np.float32
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-3)
    assert query @ near > query @ far + 0.2


def test_long_texts_are_cut_to_the_bundle_length(encoder: SentenceEncoder) -> None:
    text = "The harbour ferry leaves at noon. " * 200
    assert np.allclose(encoder.embed(text), encoder.embed(text + " Cats sleep."), atol=1e-6)


def test_concurrent_embedding_gives_the_same_vectors(encoder: SentenceEncoder) -> None:
    # the daemon embeds a question while a USB load embeds passages (lengths differ: resizes)
    texts = [f"The train number {i} leaves at noon. " * (1 + i % 6) for i in range(24)]
    expected = encoder.embed_all(texts)
    with ThreadPoolExecutor(4) as pool:
        got = np.stack(list(pool.map(encoder.embed, texts)))
    assert np.allclose(got, expected, atol=1e-6)


def test_a_qa_model_is_not_a_retriever() -> None:
    with pytest.raises(BundleError, match="not a sentence-encoder bundle"):
        SentenceEncoder(DEFAULT_MODEL)


def test_load_stores_embeddings_and_open_reuses_them(
    encoder: SentenceEncoder, tmp_path: Path
) -> None:
    load_folder(LIBRARY_DOCS, tmp_path, encoder=encoder)
    stored = np.load(tmp_path / "library" / EMBEDDINGS)
    manifest = json.loads((tmp_path / "library" / MANIFEST).read_text())
    assert manifest["encoder"] == encoder.model_id
    assert stored.shape == (manifest["passages"], encoder.dim)

    library = Library.open(tmp_path, encoder)
    assert np.array_equal(library.embeddings, stored)
    first = library.passages[0]
    assert np.allclose(stored[0], encoder.embed(index_text(first)), atol=1e-6)


def test_embeddings_of_another_encoder_are_recomputed(
    encoder: SentenceEncoder, tmp_path: Path
) -> None:
    load_folder(LIBRARY_DOCS, tmp_path, encoder=encoder)
    manifest_path = tmp_path / "library" / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "encoder": "another model"}))
    np.save(tmp_path / "library" / EMBEDDINGS, np.zeros((manifest["passages"], encoder.dim)))
    library = Library.open(tmp_path, encoder)
    assert np.allclose(np.linalg.norm(library.embeddings, axis=1), 1.0, atol=1e-3)


def test_hybrid_search_finds_a_paraphrase_that_shares_no_term(
    encoder: SentenceEncoder, tmp_path: Path
) -> None:
    load_folder(LIBRARY_DOCS, tmp_path, encoder=encoder)
    question = "When does the earliest locomotive depart for the seaside?"
    assert Library.open(tmp_path).search(question, 3) == []  # BM25 alone: no shared term
    hits = Library.open(tmp_path, encoder).search(question, 3)
    assert hits[0].passage.file == "trains.html"
    assert hits[0].score >= hits[1].score >= hits[2].score
    assert hits[0].cosine > hits[-1].cosine


def test_fusion_mixes_scaled_bm25_and_cosine() -> None:
    bm25 = np.array([10.0, 5.0, 0.0])
    cosine = np.array([0.1, 0.6, 0.9])
    assert fuse(bm25, cosine).tolist() == pytest.approx([0.55, 0.55, 0.45])
    assert fuse(np.zeros(3), cosine).tolist() == pytest.approx((cosine / 2).tolist())


def test_retrieval_sees_the_document_title() -> None:
    passage = Passage("notes/Super_Bowl-50.txt", 2, "The game was played in February.")
    assert index_text(passage) == "Super Bowl 50. The game was played in February."
