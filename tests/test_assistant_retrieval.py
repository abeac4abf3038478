"""Dense retrieval with the shipped sentence encoder: embeddings, their storage, hybrid search."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from support.library import LIBRARY_DOCS, load_stick

from assistant.config import DEFAULT_MODEL, DEFAULT_RETRIEVER
from assistant.documents.passages import Passage
from assistant.qa.bundle import BundleError
from assistant.retrieval.encoder import SentenceEncoder
from assistant.retrieval.fusion import fuse
from assistant.retrieval.index import index_text
from assistant.shelf.store import EMBEDDINGS, MANIFEST, open_collections, open_library


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
    load_stick(LIBRARY_DOCS, tmp_path, encoder=encoder)
    (collection,) = open_collections(tmp_path, encoder)
    assert collection.folder is not None
    stored = np.load(collection.folder / EMBEDDINGS)
    manifest = json.loads((collection.folder / MANIFEST).read_text())
    assert manifest["encoder"] == encoder.model_id
    assert stored.shape == (manifest["passages"], encoder.dim)
    assert collection.embeddings is not None
    assert np.array_equal(collection.embeddings, stored)

    library = open_library(tmp_path, encoder)
    assert np.array_equal(library.embeddings, stored)
    first = library.passages[0]
    assert np.allclose(stored[0], encoder.embed(index_text(first)), atol=1e-6)


def test_embeddings_of_another_encoder_are_recomputed(
    encoder: SentenceEncoder, tmp_path: Path
) -> None:
    load_stick(LIBRARY_DOCS, tmp_path, encoder=encoder)
    (folder,) = [c.folder for c in open_collections(tmp_path)]
    assert folder is not None
    manifest_path = folder / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "encoder": "another model"}))
    np.save(folder / EMBEDDINGS, np.zeros((manifest["passages"], encoder.dim)))
    assert open_collections(tmp_path, encoder)[0].embeddings is None
    library = open_library(tmp_path, encoder)
    assert np.allclose(np.linalg.norm(library.embeddings, axis=1), 1.0, atol=1e-3)


def test_collections_stack_their_embeddings_and_missing_ones_are_computed(
    encoder: SentenceEncoder, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "pets.txt").write_text("Guinea pigs eat fresh hay and vegetables every day.\n")
    state = tmp_path / "state"
    load_stick(LIBRARY_DOCS, state, name="docs", encoder=encoder)
    load_stick(other, state, name="pets")  # stored without embeddings
    docs, pets = open_collections(state, encoder)
    assert docs.embeddings is not None and pets.embeddings is None
    library = open_library(state, encoder)
    assert library.embeddings is not None
    assert library.embeddings.shape == (len(library.passages), encoder.dim)
    assert np.array_equal(library.embeddings[: len(docs.passages)], docs.embeddings)
    last = library.passages[-1]
    assert np.allclose(library.embeddings[-1], encoder.embed(index_text(last)), atol=1e-6)
    hits = library.search("What do guinea pigs eat?", 3)
    assert (hits[0].collection, hits[0].passage.file) == ("pets", "pets.txt")
    assert {h.collection for h in hits} <= {"docs", "pets"}


def test_hybrid_search_finds_a_paraphrase_that_shares_no_term(
    encoder: SentenceEncoder, tmp_path: Path
) -> None:
    load_stick(LIBRARY_DOCS, tmp_path, encoder=encoder)
    question = "When does the earliest locomotive depart for the seaside?"
    assert open_library(tmp_path).search(question, 3) == []  # BM25 alone: no shared term
    hits = open_library(tmp_path, encoder).search(question, 3)
    assert hits[0].passage.file == "trains.html"
    assert hits[0].score >= hits[1].score >= hits[2].score
    assert hits[0].cosine > hits[-1].cosine


def test_fusion_mixes_scaled_bm25_and_cosine() -> None:
    bm25 = np.array([10.0, 5.0, 0.0])
    cosine = np.array([0.1, 0.6, 0.9])
    assert fuse(bm25, cosine).tolist() == pytest.approx([0.55, 0.55, 0.45])
    assert fuse(np.zeros(3), cosine).tolist() == pytest.approx((cosine / 2).tolist())


def test_retrieval_sees_the_document_title_and_section() -> None:
    passage = Passage(
        "notes/Super_Bowl-50.txt", 2, "The game was played in February.", "Super Bowl 50", "Date"
    )
    assert index_text(passage) == "Super Bowl 50\nDate\nThe game was played in February."
