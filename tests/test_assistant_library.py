"""The stored library: atomic replacement, survival of the source, BM25 ranking."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_assistant_support import LIBRARY_DOCS

import assistant.library as library_mod
from assistant.documents import Limits
from assistant.library import Library, LibraryError, has_library, load_folder, tokenize


def _copy_docs(tmp_path: Path) -> Path:
    return Path(shutil.copytree(LIBRARY_DOCS, tmp_path / "stick"))


def test_load_copies_text_so_the_library_survives_removal(tmp_path: Path) -> None:
    stick, state = _copy_docs(tmp_path), tmp_path / "state"
    summary = load_folder(stick, state)
    assert sorted(summary.documents) == ["garden.md", "opening_hours.txt", "trains.html"]
    assert summary.refusals == []
    shutil.rmtree(stick)  # the stick is pulled out
    library = Library.open(state)
    assert library.files == ["garden.md", "opening_hours.txt", "trains.html"]
    assert len(library) == summary.passages
    manifest = json.loads((state / "library" / "manifest.json").read_text())
    assert manifest["passages"] == summary.passages
    stored = state / "library" / manifest["files"][0]["text"]
    assert "tomatoes" in stored.read_text().lower()


def test_a_new_load_replaces_the_old_one_and_cleans_up(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "old.txt").write_text("The old document talks about llamas.")
    (second / "new.txt").write_text("The new document talks about alpacas.")
    load_folder(first, state)
    load_folder(second, state)
    library = Library.open(state)
    assert library.files == ["new.txt"]
    assert len(list((state / "libraries").iterdir())) == 1


def _fail_midway(monkeypatch: pytest.MonkeyPatch) -> None:
    real = library_mod._write_synced
    calls = []

    def flaky(path: Path, text: str) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(path, text)

    monkeypatch.setattr(library_mod, "_write_synced", flaky)


def test_a_failed_load_leaves_the_previous_library_intact(tmp_path, monkeypatch) -> None:
    stick, state = _copy_docs(tmp_path), tmp_path / "state"
    load_folder(stick, state)
    before = Library.open(state).passages
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text("Something else entirely.")
    (other / "y.txt").write_text("And more of it.")
    _fail_midway(monkeypatch)
    with pytest.raises(LibraryError, match="No space left"):
        load_folder(other, state)
    assert Library.open(state).passages == before
    assert len(list((state / "libraries").iterdir())) == 1  # the half-written one is gone


def test_a_stick_pulled_out_mid_load_leaves_the_previous_library(tmp_path, monkeypatch) -> None:
    stick, state = _copy_docs(tmp_path), tmp_path / "state"
    load_folder(stick, state)
    before = Library.open(state).passages
    real_read = library_mod.scan_folder.__globals__["read_document"]

    def pulled(path, real_root, max_bytes):
        if path.name == "trains.html":
            raise OSError(5, "Input/output error")
        return real_read(path, real_root, max_bytes)

    monkeypatch.setitem(library_mod.scan_folder.__globals__, "read_document", pulled)
    with pytest.raises(LibraryError, match="Input/output error"):
        load_folder(stick, state)
    assert Library.open(state).passages == before


def test_a_folder_without_documents_does_not_replace_the_library(tmp_path: Path) -> None:
    stick, state = _copy_docs(tmp_path), tmp_path / "state"
    load_folder(stick, state)
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.exe").write_bytes(b"MZ")
    with pytest.raises(LibraryError, match="no readable document"):
        load_folder(junk, state)
    assert Library.open(state).files == ["garden.md", "opening_hours.txt", "trains.html"]


def test_limits_are_reported_in_the_summary(tmp_path: Path) -> None:
    stick, state = _copy_docs(tmp_path), tmp_path / "state"
    summary = load_folder(stick, state, Limits(max_file_bytes=600, max_files=10))
    assert summary.documents == ["garden.md", "trains.html"]
    assert summary.refusals[0].name == "opening_hours.txt"
    assert "refused opening_hours.txt: too large" in "\n".join(summary.lines())


def test_no_library(tmp_path: Path) -> None:
    assert not has_library(tmp_path)
    with pytest.raises(LibraryError, match="no document library"):
        Library.open(tmp_path)


def test_bm25_ranks_the_relevant_passage_first(tmp_path: Path) -> None:
    library = Library.open(load_folder(LIBRARY_DOCS, tmp_path).source and tmp_path)
    top = library.search("when does the library open", k=3)
    assert top[0].passage.file == "opening_hours.txt"
    assert [h.score for h in top] == sorted((h.score for h in top), reverse=True)
    assert library.search("how often should I water tomatoes", k=1)[0].passage.file == "garden.md"
    assert library.search("bicycles on trains", k=1)[0].passage.file == "trains.html"
    assert library.search("the what is", k=3) == []  # stopwords only
    assert library.search("xylophone", k=3) == []  # no shared term


def test_tokenize_folds_plurals_and_drops_stopwords() -> None:
    assert tokenize("What are the Libraries' opening hours?") == ["library", "opening", "hour"]
