"""State that heals (issue 36): a damaged shelf.json is one clear message for the commands that
read it and is rebuilt by the next change; a damaged collection is skipped and named while the
others keep answering; leftovers of killed loads go at the next load; a reader never sees a
half-switched shelf."""

from __future__ import annotations

import json
import logging
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from support.library import LIBRARY_DOCS, load_stick
from support.oracle import oracle_engine

import assistant.answering.answerer as answering
from assistant.cli.main import main
from assistant.config import DEFAULT_RETRIEVER, LibraryConfig
from assistant.config_file import config_from_dict
from assistant.errors import LibraryError
from assistant.retrieval.encoder import SentenceEncoder
from assistant.service.live_shelf import LiveShelf
from assistant.shelf import catalog
from assistant.shelf.shelf import Shelf
from assistant.shelf.store import (
    EMBEDDINGS,
    MANIFEST,
    PASSAGES,
    forget,
    load_folder,
    open_shelf,
)

PETS = "Guinea pigs eat fresh hay and vegetables every day.\n"


@pytest.fixture(autouse=True)
def _no_stale_log_handler() -> None:
    """`main` logs to the stderr of the test that called it (captured, closed since): a later
    test's log must not go there."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if type(h) is logging.StreamHandler]:
        root.removeHandler(handler)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """A state folder of two collections: "library" (the test documents), then "pets"."""
    pets = tmp_path / "pets"
    pets.mkdir()
    (pets / "pets.txt").write_text(PETS)
    state = tmp_path / "state"
    load_stick(LIBRARY_DOCS, state)
    load_stick(pets, state)
    return state


@pytest.fixture
def config(tmp_path: Path, state: Path) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(f'[library]\nstate_dir = "{state}"\n[answer]\nretriever = ""\n')
    return path


def folder_of(state: Path, name: str) -> Path:
    (folder,) = [e.folder for e in catalog.read_catalog(state) if e.name == name]
    return state / folder


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err


def one_error_line(err: str) -> str:
    (line,) = [line for line in err.splitlines() if line.startswith("error: ")]
    return line


# --- shelf.json ---------------------------------------------------------------------------------

GOOD = {"collections": [{"name": "library", "folder": "libraries/x"}]}
DAMAGED_CATALOGS: dict[str, bytes] = {
    "folder null": json.dumps({"collections": [{"name": "library", "folder": None}]}).encode(),
    "number for a name": json.dumps(
        {"collections": [{"name": 5, "folder": "libraries/x"}]}
    ).encode(),
    "100,000 nested brackets": b"[" * 100_000 + b"]" * 100_000,
    "truncated": json.dumps(GOOD).encode()[:30],
    "empty": b"",
    "not an object": b"[]",
    "collections not a list": b'{"collections": {}}',
    "entry not an object": b'{"collections": ["library"]}',
    "folder outside": json.dumps({"collections": [{"name": "a", "folder": "../../etc"}]}).encode(),
    "absolute folder": json.dumps({"collections": [{"name": "a", "folder": "/etc"}]}).encode(),
    "listed twice": json.dumps({"collections": GOOD["collections"] * 2}).encode(),
    "not UTF-8": b'{"collections": [{"name": "caf\xe9", "folder": "libraries/x"}]}',
    "two megabytes": b" " * (2 << 20) + b"{}",
}


@pytest.mark.parametrize("case", sorted(DAMAGED_CATALOGS))
def test_a_damaged_catalog_is_one_clear_message(
    state: Path, config: Path, capsys, monkeypatch, case: str
) -> None:
    monkeypatch.setattr(answering, "load_reader", lambda model, threads: None)
    (state / catalog.CATALOG).write_bytes(DAMAGED_CATALOGS[case])
    for argv in (["library"], ["ask", "--library", str(state), "--model", "m", "when?"]):
        status, _, err = run(capsys, *argv, "--config", str(config))
        assert status == 2
        line = one_error_line(err)
        assert f"{state / catalog.CATALOG}: damaged catalog (" in line
        assert line.endswith("`qa-assistant forget` rebuilds it from the stored collections")


def test_the_daemon_starts_on_a_damaged_catalog(state: Path, tmp_path, caplog) -> None:
    """`run` used to crash on it (and systemd to restart it, forever)."""
    (state / catalog.CATALOG).write_text('{"collections": [{"name": 5}]}')
    config = config_from_dict({"library": {"state_dir": str(state)}, "answer": {"retriever": ""}})
    live = LiveShelf(Shelf(config), oracle_engine(tmp_path, {}), recognizer=None)
    try:
        assert live.answerer is None  # "No documents are loaded" when pressed
    finally:
        live.close()
    assert "damaged catalog (collections[0].name: must be a non-empty text)" in caplog.text


@pytest.mark.parametrize(
    "repair",
    [
        ["forget", "pets"],
        ["load", "--replace-all", str(LIBRARY_DOCS)],
        ["load", "--name", "more", str(LIBRARY_DOCS)],
    ],
)
def test_a_change_rebuilds_a_damaged_catalog(
    state: Path, config: Path, capsys, repair: list[str]
) -> None:
    (state / catalog.CATALOG).write_bytes(DAMAGED_CATALOGS["truncated"])
    status, _, err = run(capsys, *repair, "--config", str(config))
    assert status == 0
    assert "damaged catalog" in err and "rebuilding it from the stored collections" in err
    expected = {
        "forget pets": ["library"],
        "load --replace-all": ["library"],
        "load --name": ["library", "pets", "more"],
    }[" ".join(repair[:2])]
    assert [c.name for c in open_shelf(state).collections] == expected
    folders = {(state / e.folder).resolve() for e in catalog.read_catalog(state)}
    assert set((state / catalog.LIBRARIES_DIR).iterdir()) == folders


def test_forget_of_an_unknown_name_still_rebuilds_a_damaged_catalog(
    state: Path, config: Path, capsys
) -> None:
    (state / catalog.CATALOG).write_text("{")
    status, _, err = run(capsys, "forget", "cats", "--config", str(config))
    assert status == 2
    assert one_error_line(err) == (
        "error: no collection named 'cats' (collections: 'library', 'pets'); "
        "the damaged catalog was rebuilt"
    )
    assert [e.name for e in catalog.read_catalog(state)] == ["library", "pets"]


# --- collections --------------------------------------------------------------------------------


def _json_edit(path: Path, change) -> None:
    path.write_text(json.dumps(change(json.loads(path.read_text()))))


DAMAGED_COLLECTIONS = {
    "manifest truncated": (MANIFEST, lambda p: p.write_text(p.read_text()[:20])),
    "manifest not an object": (MANIFEST, lambda p: p.write_text("[]")),
    "manifest refusals a number": (
        MANIFEST,
        lambda p: _json_edit(p, lambda m: {**m, "refusals": 5}),
    ),
    "manifest nested deeply": (MANIFEST, lambda p: p.write_text("[" * 100_000)),
    "manifest missing": (MANIFEST, Path.unlink),
    "passages missing": (PASSAGES, Path.unlink),
    "passage not JSON": (PASSAGES, lambda p: p.write_text(p.read_text() + "{\n")),
    "passage null": (PASSAGES, lambda p: p.write_text("null\n")),
    "passage position a text": (
        PASSAGES,
        lambda p: p.write_text('{"file": "a.txt", "position": "1", "text": "x"}\n'),
    ),
    "passage position true": (
        PASSAGES,
        lambda p: p.write_text('{"file": "a.txt", "position": true, "text": "x"}\n'),
    ),
    "passage unknown field": (
        PASSAGES,
        lambda p: p.write_text('{"file": "a.txt", "position": 1, "text": "x", "evil": 1}\n'),
    ),
    "passage without text": (
        PASSAGES,
        lambda p: p.write_text('{"file": "a.txt", "position": 1}\n'),
    ),
    "passages nested deeply": (PASSAGES, lambda p: p.write_text("[" * 100_000 + "\n")),
    "passages not UTF-8": (PASSAGES, lambda p: p.write_bytes(b'{"file": "\xff"}\n')),
}


@pytest.mark.parametrize("case", sorted(DAMAGED_COLLECTIONS))
def test_a_damaged_collection_is_skipped_and_named_while_the_others_answer(
    state: Path, config: Path, tmp_path, capsys, monkeypatch, case: str
) -> None:
    file, damage = DAMAGED_COLLECTIONS[case]
    pets = folder_of(state, "pets")
    damage(pets / file)
    status, out, err = run(capsys, "library", "--config", str(config))
    assert status == 0
    rows = out.splitlines()
    assert rows[1].startswith("library ") and rows[2].split() == ["pets", "damaged", "-", "-", "-"]
    assert rows[3].startswith(f"pets is skipped: {pets}: ")
    assert rows[3].endswith("load it again, or remove it with: qa-assistant forget pets")
    assert f"collection 'pets' skipped: {pets}: " in err  # the log (the journal) names it

    engine = oracle_engine(tmp_path, {"nine in the morning": "open"})
    monkeypatch.setattr(answering, "load_reader", lambda model, threads: engine)
    argv = ["ask", "--config", str(config), "--model", "m", "when does the library open"]
    status, out, _ = run(capsys, *argv)
    assert status == 0
    assert out.splitlines()[0] == "nine in the morning"

    status, out, _ = run(capsys, "forget", "pets", "--config", str(config))  # removes it
    assert status == 0
    assert [c.name for c in open_shelf(state).collections] == ["library"]


def test_every_collection_damaged_is_one_message(state: Path, config: Path, capsys) -> None:
    for name in ("library", "pets"):
        (folder_of(state, name) / PASSAGES).write_text("{\n")
    status, _, err = run(capsys, "ask", "--config", str(config), "--model", "m", "when?")
    assert status == 2
    line = one_error_line(err)
    assert line.startswith(f"error: {state}: every collection is damaged ('library', 'pets'; ")
    assert line.endswith("load them again with: qa-assistant load PATH")


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder(DEFAULT_RETRIEVER, threads=1)


def test_an_embeddings_header_that_asks_for_terabytes_allocates_nothing(
    tmp_path: Path, encoder: SentenceEncoder
) -> None:
    state = tmp_path / "state"
    load_stick(LIBRARY_DOCS, state, encoder=encoder)
    path = folder_of(state, "library") / EMBEDDINGS
    header = np.lib.format.header_data_from_array_1_0(np.zeros((1, 384), np.float32))
    header["shape"] = (10**11, 384)
    with path.open("wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
    tracemalloc.start()
    try:
        (collection,) = open_shelf(state, encoder).collections
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert collection.embeddings is None  # embedded again when the library is made
    assert peak < 50 << 20


def test_embeddings_that_are_not_numbers_are_made_again(
    tmp_path: Path, encoder: SentenceEncoder, caplog
) -> None:
    """All-NaN embeddings made the collection never match; now it is embedded again."""
    pets = tmp_path / "pets"
    pets.mkdir()
    (pets / "pets.txt").write_text(PETS)
    state = tmp_path / "state"
    load_stick(LIBRARY_DOCS, state, encoder=encoder)
    load_stick(pets, state, encoder=encoder)
    path = folder_of(state, "pets") / EMBEDDINGS
    np.save(path, np.full_like(np.load(path), np.nan))
    library = Shelf(config_from_dict({}), state, encoder=encoder).library()
    assert np.isfinite(library.embeddings).all()
    assert library.search("What do guinea pigs eat?", 1)[0].collection == "pets"
    assert "damaged (not finite numbers); embedding the passages again" in caplog.text


# --- changes and readers ------------------------------------------------------------------------


def test_leftovers_of_killed_loads_go_at_the_next_load(state: Path, tmp_path: Path) -> None:
    """A killed load leaves its folder; twelve kills left thirteen. The next load removes
    them when it starts, even one that then fails."""
    libraries = state / catalog.LIBRARIES_DIR
    for _ in range(12):
        (catalog.new_folder(state) / PASSAGES).write_text("half written")
    assert len(list(libraries.iterdir())) == 14
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(LibraryError, match="no readable document"):
        load_folder(empty, state, LibraryConfig())
    assert len(list(libraries.iterdir())) == 2
    assert [c.name for c in open_shelf(state).collections] == ["library", "pets"]


def test_a_reader_never_sees_a_half_switched_shelf(state: Path, tmp_path: Path) -> None:
    """One of 3,901 reads during reloads saw "no document library there": the folder it had
    just read in the catalog was deleted by the switch. Reloads run while a reader opens the
    shelf again and again; every read sees both collections whole."""
    versions = {}
    for n in range(2):
        folder = tmp_path / f"pets{n}"
        folder.mkdir()
        (folder / "pets.txt").write_text(PETS.replace("hay", f"hay number {n}"))
        versions[n] = folder
    done = threading.Event()
    failures: list[BaseException] = []

    def reload() -> None:
        try:
            for n in range(40):
                load_folder(versions[n % 2], state, LibraryConfig(), name="pets")
        except BaseException as err:
            failures.append(err)
        finally:
            done.set()

    loader = threading.Thread(target=reload)
    loader.start()
    reads = 0
    try:
        while not done.is_set() or reads < 50:
            opened = open_shelf(state)
            assert opened.damaged == []
            assert [c.name for c in opened.collections] == ["library", "pets"]
            assert len(opened.collections[1].passages) == 1
            reads += 1
    finally:
        loader.join()
    assert not failures, failures


def test_forget_on_a_missing_state_folder_does_not_create_it(tmp_path: Path, capsys) -> None:
    state = tmp_path / "nothing-here"
    status, _, err = run(capsys, "forget", "pets", "--state-dir", str(state))
    assert status == 2
    assert (
        one_error_line(err) == f"error: no collection named 'pets' (nothing is loaded in {state})"
    )
    assert not state.exists()


def test_the_load_summary_time_includes_embedding(tmp_path: Path, monkeypatch) -> None:
    class SlowEncoder:
        model_id, dim = "slow", 4

        def embed_all(self, texts, progress=False):
            threading.Event().wait(0.5)
            return np.ones((len(texts), 4), np.float32) / 2

    summary = load_folder(LIBRARY_DOCS, tmp_path, LibraryConfig(), encoder=SlowEncoder())
    assert summary.seconds >= 0.5
    assert f"in {summary.seconds:.1f} s" in summary.lines()[0]


# --- names --------------------------------------------------------------------------------------


def test_a_name_in_nfc_and_nfd_is_one_collection(state: Path, tmp_path: Path) -> None:
    """ "café" typed in NFC and read in NFD became two identical-looking collections."""
    nfc, nfd = "caf\u00e9", "cafe\u0301"
    load_folder(tmp_path / "pets", state, LibraryConfig(), name=nfd)
    summary = load_folder(tmp_path / "pets", state, LibraryConfig(), name=nfc)
    assert summary.replaced
    assert [c.name for c in open_shelf(state).collections] == ["library", "pets", nfc]
    forget(state, nfd)
    assert [c.name for c in open_shelf(state).collections] == ["library", "pets"]


def test_names_that_forge_rows_or_move_the_cursor_are_shown_escaped(
    state: Path, config: Path, tmp_path: Path, capsys
) -> None:
    forged = "evil\nfake  99  99  0  2026\x1b[2J"
    load_folder(tmp_path / "pets", state, LibraryConfig(), name=forged)
    status, out, _ = run(capsys, "library", "--config", str(config))
    assert status == 0
    rows = out.splitlines()
    assert len(rows) == 4 and "\x1b" not in out
    assert rows[3].startswith("evil\\nfake  99  99  0  2026\\x1b[2J ")


def test_control_characters_in_a_question_are_not_echoed(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    engine = oracle_engine(tmp_path, {"nine in the morning": "open"})
    monkeypatch.setattr(answering, "load_reader", lambda model, threads: engine)
    question = "does the library keep zebras\x1b[2J\x1b]0;owned\x07\n?"
    status, out, _ = run(capsys, "ask", "--docs", str(LIBRARY_DOCS), "--model", "m", question)
    assert status == 0
    assert out.splitlines()[0].startswith("Your documents don't mention ")
    assert "\x1b" not in out and "\x07" not in out
