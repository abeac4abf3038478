"""The stored library: named collections replaced atomically (also under kill -9), survival of
the source, migration of the single-library format, BM25 ranking over all collections."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from support.library import LIBRARY_DOCS, load_stick

import assistant.shelf.catalog as catalog_mod
from assistant.config import LibraryConfig
from assistant.errors import LibraryError
from assistant.shelf.store import forget, has_library, load_folder, open_library
from assistant.text import tokenize

ROOT = Path(__file__).resolve().parents[1]


def _copy_docs(tmp_path: Path) -> Path:
    return Path(shutil.copytree(LIBRARY_DOCS, tmp_path / "stick"))


def _folder(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text)
    return folder


def _contents(state: Path) -> dict[str, list[str]]:
    """Collection name -> its files, as a reader of the state folder sees them."""
    return {c.name: c.files for c in open_library(state).collections}


def test_load_copies_text_so_the_library_survives_removal(tmp_path: Path) -> None:
    stick, state = _copy_docs(tmp_path), tmp_path / "state"
    summary = load_stick(stick, state)
    assert summary.name == "stick"
    assert sorted(summary.documents) == ["garden.md", "opening_hours.txt", "trains.html"]
    assert summary.refusals == []
    shutil.rmtree(stick)  # the stick is pulled out
    library = open_library(state)
    assert library.files == ["garden.md", "opening_hours.txt", "trains.html"]
    assert len(library) == summary.passages
    (collection,) = library.collections
    assert collection.manifest["passages"] == summary.passages
    folder = state / json.loads((state / "shelf.json").read_text())["collections"][0]["folder"]
    stored = folder / collection.manifest["files"][0]["text"]
    assert "tomatoes" in stored.read_text().lower()


def test_two_folders_are_two_collections_and_a_reload_replaces_only_its_own(tmp_path) -> None:
    state = tmp_path / "state"
    first = _folder(tmp_path, "a", {"old.txt": "The old document talks about llamas."})
    second = _folder(tmp_path, "b", {"new.txt": "The new document talks about alpacas."})
    load_stick(first, state, name="KINGSTON")
    assert not load_stick(second, state, name="SANDISK").replaced
    assert _contents(state) == {"KINGSTON": ["old.txt"], "SANDISK": ["new.txt"]}
    hits = open_library(state).search("llamas alpacas", k=5)
    assert {h.collection for h in hits} == {"KINGSTON", "SANDISK"}

    (first / "old.txt").unlink()
    (first / "newer.txt").write_text("A newer document about vicunas.")
    assert load_stick(first, state, name="KINGSTON").replaced
    assert _contents(state) == {"KINGSTON": ["newer.txt"], "SANDISK": ["new.txt"]}
    assert len(list((state / "libraries").iterdir())) == 2  # the replaced folder is gone


def test_replace_all_leaves_one_collection(tmp_path: Path) -> None:
    state = tmp_path / "state"
    load_stick(_folder(tmp_path, "a", {"a.txt": "Llamas."}), state)
    load_stick(_folder(tmp_path, "b", {"b.txt": "Alpacas."}), state, replace_all=True)
    assert _contents(state) == {"b": ["b.txt"]}
    assert len(list((state / "libraries").iterdir())) == 1


def test_forget_removes_one_collection(tmp_path: Path) -> None:
    state = tmp_path / "state"
    load_stick(_folder(tmp_path, "a", {"a.txt": "Llamas graze."}), state)
    load_stick(_folder(tmp_path, "b", {"b.txt": "Alpacas graze."}), state)
    forget(state, "a")
    assert _contents(state) == {"b": ["b.txt"]}
    assert [h.collection for h in open_library(state).search("graze", k=5)] == ["b"]
    with pytest.raises(LibraryError, match=r"no collection named 'a' \(collections: 'b'\)"):
        forget(state, "a")
    forget(state, "b")
    assert not has_library(state)
    assert list((state / "libraries").iterdir()) == []


def _fail_midway(monkeypatch: pytest.MonkeyPatch) -> None:
    real = catalog_mod.write_synced
    calls = []

    def flaky(path: Path, text: str) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(path, text)

    monkeypatch.setattr(catalog_mod, "write_synced", flaky)


def test_a_failed_load_leaves_the_previous_library_intact(tmp_path, monkeypatch) -> None:
    stick, state = _copy_docs(tmp_path), tmp_path / "state"
    load_stick(stick, state)
    before = open_library(state).passages
    other = _folder(tmp_path, "other", {"x.txt": "Something else.", "y.txt": "And more of it."})
    _fail_midway(monkeypatch)
    with pytest.raises(LibraryError, match="No space left"):
        load_stick(other, state)
    assert open_library(state).passages == before
    assert len(list((state / "libraries").iterdir())) == 1  # the half-written one is gone


def test_a_stick_pulled_out_mid_load_leaves_the_previous_library(tmp_path, monkeypatch) -> None:
    stick, state = _copy_docs(tmp_path), tmp_path / "state"
    load_stick(stick, state)
    before = open_library(state).passages
    real_read = load_folder.__globals__["scan_folder"].__globals__["read_document"]

    def pulled(path, real_root, max_bytes):
        if path.name == "trains.html":
            raise OSError(5, "Input/output error")
        return real_read(path, real_root, max_bytes)

    monkeypatch.setitem(load_folder.__globals__["scan_folder"].__globals__, "read_document", pulled)
    with pytest.raises(LibraryError, match="Input/output error"):
        load_stick(stick, state)
    assert open_library(state).passages == before


# The child process loads collection "beta" again and waits forever at one point of the load
# (after writing `marker`); the test then kills it with SIGKILL.
CHILD = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    import assistant.shelf.catalog as catalog
    from assistant.config import LibraryConfig
    from assistant.shelf.store import load_folder
    from assistant.speech.document_speech import store_document_speech

    point, marker, source, state = sys.argv[1:]
    calls = []

    def hang(*args):
        Path(marker).write_text("here")
        threading.Event().wait()

    real_write = catalog.write_synced

    def write_then_hang(path, text):
        calls.append(path)
        if point == "writing" and len(calls) == 2:
            hang()
        real_write(path, text)
        if point == "switching" and path.name.startswith(".shelf.json.tmp"):
            hang()

    real_remove = catalog.remove_unlisted

    def remove_then_hang(state, entries):
        if point == "cleaning" and any(p.name.startswith(".shelf.json.tmp") for p in calls):
            hang()  # after the switch, not when the load starts
        real_remove(state, entries)

    catalog.write_synced = write_then_hang
    catalog.remove_unlisted = remove_then_hang
    load_folder(source, state, LibraryConfig(), name="beta", extra=store_document_speech)
    """
)


@pytest.mark.parametrize("point", ["writing", "switching", "cleaning"])
def test_a_load_killed_at_any_point_leaves_every_collection_intact(tmp_path, point) -> None:
    state = tmp_path / "state"
    load_stick(_folder(tmp_path, "a", {"a.txt": "Llamas graze in the hills."}), state, name="alpha")
    beta = _folder(tmp_path, "b", {"b.txt": "Alpacas graze.", "c.txt": "Vicunas run."})
    load_stick(beta, state, name="beta")
    before = _contents(state)
    new_beta = _folder(tmp_path, "b2", {"d.txt": "Guanacos sleep.", "e.txt": "Camels walk."})
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, point, str(marker), str(new_beta), str(state)], env=env
    )
    try:
        for _ in range(6000):  # a generous cap: only a hang fails
            if marker.exists() or child.poll() is not None:
                break
            threading.Event().wait(0.01)
        assert marker.exists(), f"the child never reached {point!r} (exit {child.poll()})"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    after = _contents(state)
    new = {"alpha": ["a.txt"], "beta": ["d.txt", "e.txt"]}
    assert after == (new if point == "cleaning" else before)
    load_stick(new_beta, state, name="beta")  # the lock died with the child
    assert _contents(state) == new
    listed = json.loads((state / "shelf.json").read_text())["collections"]
    assert sorted(p.name for p in (state / "libraries").iterdir()) == sorted(
        Path(e["folder"]).name for e in listed
    )  # the killed load's leftovers are gone


def test_a_library_of_the_single_library_format_is_read_as_one_collection(tmp_path) -> None:
    """The format before collections: `library` -> libraries/<id>, no shelf.json."""
    state = tmp_path / "state"
    old = state / "libraries" / "20260101-120000-abc"
    (old / "text").mkdir(parents=True)
    (old / "text" / "0001.txt").write_text("Members may borrow eight books at a time.")
    passage = {"file": "rules.txt", "position": 1, "text": "Members may borrow eight books."}
    (old / "passages.jsonl").write_text(json.dumps(passage) + "\n")
    manifest = {
        "source": "/run/media/qa-usb/sda1",
        "loaded_at": "2026-01-01T12:00:00+0000",
        "files": [{"name": "rules.txt", "text": "text/0001.txt", "characters": 41}],
        "refusals": [],
        "passages": 1,
    }
    (old / "manifest.json").write_text(json.dumps(manifest))
    (state / "library").symlink_to(Path("libraries") / old.name)

    assert has_library(state)
    assert _contents(state) == {"sda1": ["rules.txt"]}
    assert open_library(state).search("borrow books", k=1)[0].collection == "sda1"

    load_stick(_folder(tmp_path, "b", {"b.txt": "Alpacas graze."}), state, name="SANDISK")
    assert _contents(state) == {"sda1": ["rules.txt"], "SANDISK": ["b.txt"]}
    assert not (state / "library").exists()  # the old link is replaced by shelf.json
    assert (old / "text" / "0001.txt").is_file()  # no data lost


def test_a_folder_without_documents_does_not_replace_the_library(tmp_path: Path) -> None:
    stick, state = _copy_docs(tmp_path), tmp_path / "state"
    load_stick(stick, state)
    junk = _folder(tmp_path, "junk", {})
    (junk / "a.exe").write_bytes(b"MZ")
    with pytest.raises(LibraryError, match=r"no readable document \(.txt .md .html .htm .pdf"):
        load_stick(junk, state, name="stick")
    assert open_library(state).files == ["garden.md", "opening_hours.txt", "trains.html"]


def test_limits_are_reported_in_the_summary(tmp_path: Path) -> None:
    stick, state = _copy_docs(tmp_path), tmp_path / "state"
    summary = load_stick(stick, state, LibraryConfig(max_file_mb=600 / 2**20, max_files=10))
    assert summary.documents == ["garden.md", "trains.html"]
    assert summary.refusals[0].name == "opening_hours.txt"
    assert "refused opening_hours.txt: too large" in "\n".join(summary.lines())


def test_no_library(tmp_path: Path) -> None:
    assert not has_library(tmp_path)
    with pytest.raises(LibraryError, match="no document library"):
        open_library(tmp_path)


def test_bm25_ranks_the_relevant_passage_first(tmp_path: Path) -> None:
    load_stick(LIBRARY_DOCS, tmp_path)
    library = open_library(tmp_path)
    top = library.search("when does the library open", k=3)
    assert top[0].passage.file == "opening_hours.txt"
    assert [h.score for h in top] == sorted((h.score for h in top), reverse=True)
    assert library.search("how often should I water tomatoes", k=1)[0].passage.file == "garden.md"
    assert library.search("bicycles on trains", k=1)[0].passage.file == "trains.html"
    assert library.search("the what is", k=3) == []  # stopwords only
    assert library.search("xylophone", k=3) == []  # no shared term


def test_tokenize_folds_plurals_and_drops_stopwords() -> None:
    assert tokenize("What are the Libraries' opening hours?") == ["library", "opening", "hour"]


def test_the_load_summary_times_the_whole_load(tmp_path: Path, monkeypatch) -> None:
    """The summary's seconds include what happens after the documents are read (here an extra
    that writes the speech model), on a clock that only moves when the extra runs."""
    import time
    import types

    import assistant.shelf.store as store_mod

    clock = [100.0]
    fake_time = types.SimpleNamespace(monotonic=lambda: clock[0], strftime=time.strftime)
    monkeypatch.setattr(store_mod, "time", fake_time)

    def slow_extra(documents, folder: Path) -> Path:
        clock[0] += 2.5
        (folder / "speech").mkdir()
        return folder / "speech"

    summary = load_folder(
        _copy_docs(tmp_path), tmp_path / "state", LibraryConfig(), extra=slow_extra
    )
    assert summary.seconds == 2.5
    assert summary.lines()[0].endswith("in 2.5 s")
