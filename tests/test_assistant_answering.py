"""BM25 + reader ranking on a small library and over two collections, the threshold, and
`qa-assistant ask`/`load`/`library`/`forget`."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from support.library import LIBRARY_DOCS, load_stick
from support.oracle import oracle_engine

import assistant.answering.answerer as answering
import assistant.answering.selection as selection
from assistant.answering.answerer import NOT_FOUND, Answerer
from assistant.answering.selection import answer_score
from assistant.answering.subject import Subject
from assistant.answering.unmentioned import Vocabulary
from assistant.cli.main import main
from assistant.config import DEFAULT_RETRIEVER, AnswerConfig, Config, LibraryConfig
from assistant.documents.scan import scan_folder
from assistant.retrieval.index import Library
from assistant.shelf.shelf import Shelf
from assistant.shelf.store import open_library

GOLD = {
    "nine in the morning": "open",
    "half past six": "train",
    "six hours of direct sunlight": "sun",
}


@pytest.fixture
def library(tmp_path: Path) -> Library:
    load_stick(LIBRARY_DOCS, tmp_path / "state", name="state")
    return open_library(tmp_path / "state")


@pytest.fixture
def engine(tmp_path: Path):
    return oracle_engine(tmp_path, GOLD)


@pytest.mark.parametrize(
    ("question", "answer", "file"),
    [
        ("When does the library open?", "nine in the morning", "opening_hours.txt"),
        ("When does the first train leave for the coast?", "half past six", "trains.html"),
        ("How much sun do tomatoes need?", "six hours of direct sunlight", "garden.md"),
    ],
)
def test_answers_with_source(library, engine, question, answer, file) -> None:
    result = Answerer(library, engine, top_k=3, threshold=0.0).answer(question)
    assert result.found
    assert result.text == answer
    assert result.source is not None and result.source.file == file
    assert result.source.passage == 1
    assert result.source.collection == "state"
    assert result.score is not None and result.score > 0
    assert set(result.timings) == {"retrieve_ms", "read_ms", "total_ms"}


def test_the_answer_score_adds_the_passage_retrieval_score(library, tmp_path) -> None:
    # Two passages hold an answer; the reader scores the train one 1.0 higher, but the
    # question matches the library's passage far better, and that decides.
    engine = oracle_engine(tmp_path, {"half past six": "train", "nine in the morning": "open"})
    question = "Does the library open before the train?"
    result = Answerer(library, engine, top_k=3, threshold=0.0).answer(question)
    assert result.text == "nine in the morning"
    hits = {h.passage.file: h for h in library.search(question, 3)}
    assert hits["opening_hours.txt"].score == 1.0 > hits["trains.html"].score
    span = engine.answer(question, hits["opening_hours.txt"].passage.text)
    # "train" says what the railway page is about: the opening hours' answer pays for it
    subject = Subject.of(library, Vocabulary.of(library)).about(question)
    assert subject.subjects == {"open", "train"}
    hours = hits["opening_hours.txt"]
    expected = answer_score(selection.reader_score(span), hours, subject.penalty(hours))
    assert result.score == pytest.approx(expected, abs=1e-3)


def test_passages_that_cannot_change_the_answer_are_not_read(library, engine, monkeypatch):
    read: list[str] = []
    reader_answer = engine.answer

    def counting(question, context, stop=None):
        read.append(context)
        return reader_answer(question, context, stop)

    monkeypatch.setattr(engine, "answer", counting)
    question = "Does the library open before the train?"
    hits = library.search(question, 3)
    assert len(hits) > 1
    # even a span of MAX_READER_SCORE in the best passage stays below 100: nothing is read
    result = Answerer(library, engine, top_k=3, threshold=100.0).answer(question)
    assert (result.text, read) == (NOT_FOUND, [])
    # the first passage's answer outscores anything the others could reach
    pruned = Answerer(library, engine, top_k=3, threshold=0.0).answer(question)
    assert len(read) == 1
    read.clear()
    monkeypatch.setattr(selection, "MAX_READER_SCORE", math.inf)  # read every passage
    every = Answerer(library, engine, top_k=3, threshold=0.0).answer(question)
    assert len(read) == len(hits)
    assert (pruned.text, pruned.score, pruned.source) == (every.text, every.score, every.source)


def test_below_threshold_is_not_found(library, engine) -> None:
    result = Answerer(library, engine, top_k=3, threshold=100.0).answer("When does it open?")
    assert (result.found, result.text) == (False, NOT_FOUND)
    shipped = AnswerConfig().bm25_threshold  # the library has no embeddings
    result = Answerer(library, engine, top_k=3, threshold=shipped).answer(
        "Where are the power sockets?"
    )
    assert result.text == NOT_FOUND  # retrieved, but the reader finds no answer there


@pytest.mark.parametrize("retriever", ["", DEFAULT_RETRIEVER])
def test_the_threshold_follows_the_retriever_setting(library, engine, tmp_path, retriever) -> None:
    # BM25-only answer scores have no cosine term: they get their own threshold
    answer = AnswerConfig(retriever=retriever, threshold=1e6, bm25_threshold=-1e6)
    shelf = Shelf(Config(answer=answer), tmp_path / "state")
    result = Answerer.from_config(shelf.library(), engine, answer).answer(
        "When does the library open?"
    )
    assert result.found is (retriever == "")


def test_no_matching_passage_is_not_found(library, engine) -> None:
    result = Answerer(library, engine, top_k=3, threshold=0.0).answer("xylophone quartet")
    assert (result.found, result.text, result.source) == (False, NOT_FOUND, None)


@pytest.mark.parametrize("question", ["open", " ".join(["when does the library open"] * 40)])
def test_one_word_and_two_hundred_word_questions(library, engine, question) -> None:
    result = Answerer(library, engine, top_k=3, threshold=0.0).answer(question)
    assert result.text == "nine in the morning"


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli_engine(monkeypatch, engine):
    monkeypatch.setattr(answering, "load_reader", lambda model, threads: engine)


def test_ask_json(tmp_path, cli_engine, capsys) -> None:
    state = tmp_path / "state"
    assert main(["load", "--state-dir", str(state), str(LIBRARY_DOCS)]) == 0
    assert "loaded 3 document(s)" in capsys.readouterr().out
    code = main(
        ["ask", "--library", str(state), "--model", "m", "--json", "When does the library open?"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["answer"] == "nine in the morning"
    assert out["source"] == {"collection": "library", "file": "opening_hours.txt", "passage": 1}
    assert set(out["timings_ms"]) == {"retrieve_ms", "read_ms", "total_ms"}


def test_ask_docs_plain_text(cli_engine, capsys) -> None:
    assert main(["ask", "--docs", str(LIBRARY_DOCS), "--model", "m", "first train?"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "half past six"
    assert out[1].startswith("says: ") and "half past six" in out[1]  # its short sentence
    assert out[3] == "source: trains.html, passage 1 (library)"


def test_ask_without_library_says_so(tmp_path, capsys) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[library]\nstate_dir = "{tmp_path / "empty"}"\n')
    assert main(["ask", "--config", str(config), "--model", "m", "anything?"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no documents are loaded")
    assert "Traceback" not in err


def test_ask_with_a_bad_bundle_is_a_clear_error(tmp_path, capsys) -> None:
    code = main(["ask", "--docs", str(LIBRARY_DOCS), "--model", str(tmp_path), "q?"])
    assert code == 2
    assert "bundle.json: missing" in capsys.readouterr().err


def _two_sticks(tmp_path: Path) -> tuple[Path, Path]:
    """The test library split over two sticks: trains on one, the rest on the other."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for doc in LIBRARY_DOCS.iterdir():
        shutil.copy(doc, (second if doc.name == "trains.html" else first) / doc.name)
    return first, second


def test_two_sticks_answer_together(tmp_path, engine) -> None:
    state = tmp_path / "state"
    first, second = _two_sticks(tmp_path)
    load_stick(first, state, name="KINGSTON")
    load_stick(second, state, name="SANDISK")
    answerer = Answerer(open_library(state), engine, top_k=3, threshold=0.0)
    opening = answerer.answer("When does the library open?")
    train = answerer.answer("When does the first train leave for the coast?")
    assert (opening.text, opening.source.collection) == ("nine in the morning", "KINGSTON")
    assert (train.text, train.source.collection) == ("half past six", "SANDISK")
    assert train.source.file == "trains.html"


def test_load_library_and_forget_commands(tmp_path, cli_engine, capsys) -> None:
    state = tmp_path / "state"
    first, second = _two_sticks(tmp_path)
    assert main(["load", "--state-dir", str(state), "--name", "KINGSTON", str(first)]) == 0
    assert "as collection 'KINGSTON'" in capsys.readouterr().out
    assert main(["load", "--state-dir", str(state), str(second)]) == 0
    assert main(["load", "--state-dir", str(state), str(second)]) == 0
    assert "reloaded 1 document(s)" in capsys.readouterr().out.splitlines()[-1]
    assert main(["library", "--state-dir", str(state)]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["name", "documents", "passages", "refusals", "loaded", "at"]
    assert [row[:4] for row in rows[1:]] == [["KINGSTON", "2", "3", "0"], ["second", "1", "1", "0"]]
    question = ["ask", "--library", str(state), "--model", "m", "--json", "first train?"]
    assert main(question) == 0
    assert json.loads(capsys.readouterr().out)["source"]["collection"] == "second"
    assert main(["forget", "--state-dir", str(state), "second"]) == 0
    assert capsys.readouterr().out == "forgot 'second'\n"
    assert main(question) == 0
    assert json.loads(capsys.readouterr().out)["found"] is False
    assert main(["forget", "--state-dir", str(state), "second"]) == 2
    assert "no collection named 'second' (collections: 'KINGSTON')" in capsys.readouterr().err
    assert main(["load", "--state-dir", str(state), "--replace-all", str(second)]) == 0
    capsys.readouterr()
    assert main(["library", "--state-dir", str(state)]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ["name", "second"]


def test_library_command_with_nothing_loaded(tmp_path, capsys) -> None:
    assert main(["library", "--state-dir", str(tmp_path / "none")]) == 0
    assert capsys.readouterr().out.startswith("no documents are loaded")


def test_load_refusals_are_listed(tmp_path, capsys) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "a.txt").write_text("Alpha beta.")
    (stick / "b.bin").write_bytes(b"\x00\x01")
    assert main(["load", "--state-dir", str(tmp_path / "s"), str(stick)]) == 0
    assert "refused b.bin: unsupported file type .bin" in capsys.readouterr().out


def test_load_of_a_missing_folder(tmp_path, capsys) -> None:
    assert main(["load", "--state-dir", str(tmp_path / "s"), str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'none'} does not exist")
    assert not (tmp_path / "s").exists()  # no state folder (nor its lock) for a typo


@pytest.mark.slow
def test_ask_with_a_real_converted_bundle(tiny_bundle, capsys) -> None:
    """The whole path with the tiny random TFLite bundle: the answer is a span of the
    library (or "not found"), with its source, score and timings."""
    code = main(
        [
            "ask",
            "--docs",
            str(LIBRARY_DOCS),
            "--model",
            str(tiny_bundle),
            "--threshold",
            "-1000",
            "--json",
            "When does the library open?",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["found"] is True
    passages = {
        (p.file, p.position): p.text
        for p in Library.from_documents(
            "docs", scan_folder(LIBRARY_DOCS).documents, LibraryConfig()
        ).passages
    }
    assert out["answer"] in passages[out["source"]["file"], out["source"]["passage"]]
    assert isinstance(out["score"], float)
