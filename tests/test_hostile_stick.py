"""A hostile USB stick: every case of the adversarial pass (issue 18) built for real.

Each stick holds one hostile file beside a good one and is loaded by `load_folder` in a child
process, over a state folder that already holds a collection (the test documents); the stick
becomes a collection of its own beside it. For each case: the load ends within `TIME_BOUND` (a
hang fails, speed is never asserted), the child's peak memory stays under `MEMORY_BOUND_MB`, the
hostile file gets the right refusal reason (or is read, when it is text after all), the stick's
collection holds exactly the good files, and the collection already there is unchanged. A stick
of nothing but hostile files keeps every collection. Then the mixed stick (all cases plus good
documents) is loaded, alone and under a running daemon that keeps answering.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hostile_files import CASES, GOOD, make_case, mixed_stick, write_bytes_name
from support.fakes import (
    MOUNT_BASE,
    ScriptedMicrophone,
    make_daemon,
    mount_line,
    press,
    running,
    speech,
    wait_for,
)
from support.library import LIBRARY_DOCS, load_stick
from support.oracle import oracle_engine

import assistant.answering.selection as selection
import assistant.service.live_shelf as live_shelf
from assistant.answering.answerer import MAX_WINDOWS_PER_PASSAGE, Answerer
from assistant.config import DEFAULT_MODEL, LibraryConfig
from assistant.documents.bounds import MAX_CHARS, MAX_TOKENS, Size
from assistant.documents.collection import Collection
from assistant.documents.passages import Passage, split_passages
from assistant.documents.scan import Document
from assistant.errors import LibraryError
from assistant.qa.engine import QAEngine
from assistant.retrieval.index import Library
from assistant.shelf import catalog
from assistant.shelf.mounts import MountWatcher
from assistant.shelf.store import open_library
from assistant.voice.audio import SAMPLE_RATE
from assistant.voice.spoken_text import speakable

REPO = Path(__file__).resolve().parents[1]
TIME_BOUND = 60  # seconds per load: generous, only proves that nothing hangs
MEMORY_BOUND_MB = 500
PREVIOUS = LIBRARY_DOCS.name  # the collection the state folder already holds ("library")
STICK = "stick"  # the collection a stick at tmp_path / "stick" becomes

# Peak memory is VmHWM, the high-water mark of this process's own memory since exec (ru_maxrss
# would also count the parent's, which Linux carries over into a child across fork and exec).
_CHILD_LOAD = """
import json, re, sys
from pathlib import Path
from assistant.config import LibraryConfig
from assistant.errors import LibraryError
from assistant.shelf.store import load_folder, open_library
from assistant.speech.document_speech import store_document_speech
try:
    summary = load_folder(sys.argv[1], sys.argv[2], LibraryConfig(), extra=store_document_speech)
    out = {"documents": summary.documents, "lines": summary.lines(),
           "refusals": {r.name: r.reason for r in summary.refusals}}
except LibraryError as err:
    out = {"error": str(err)}
status = Path("/proc/self/status").read_text()
out["peak_mb"] = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024
print(json.dumps(out))
"""


def without_file_permission_override() -> list[str]:
    """A command prefix under which permission bits hold even for root (setpriv drops the
    capabilities that let root read any file), or [] when we are not root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: unreadable files cannot be made")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]


def load_in_child(stick: Path, state: Path, prefix: list[str] | None = None) -> dict:
    """`load_folder(stick, state)` as `qa-assistant load` runs it, in a fresh Python: its
    summary (or error) and peak memory."""
    done = subprocess.run(
        [*(prefix or []), sys.executable, "-c", _CHILD_LOAD, str(stick), str(state)],
        capture_output=True,
        text=True,
        timeout=TIME_BOUND,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["peak_mb"] < MEMORY_BOUND_MB
    return result


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """A state folder that already holds a collection (the test documents)."""
    state = tmp_path / "state"
    load_stick(LIBRARY_DOCS, state)
    return state


def collections(state: Path) -> dict[str, Collection]:
    """The collections stored in `state`, by name (the catalog's order)."""
    return {c.name: c for c in open_library(state).collections}


def collection_folder(state: Path, name: str) -> Path:
    """The folder of collection `name` in `state`, as the catalog names it."""
    (folder,) = [e.folder for e in catalog.read_catalog(state) if e.name == name]
    return state / folder


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_hostile_file_is_refused_or_read_and_the_good_one_loaded(
    tmp_path: Path, state: Path, name: str
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "good.txt").write_text(GOOD)
    make_case(stick, name)
    before = collections(state)
    result = load_in_child(stick, state)
    assert "good.txt" in result["documents"]
    reason = CASES[name][1]
    if reason is None:
        assert name in result["documents"]
    else:
        assert result["refusals"][name].startswith(reason), result["refusals"]
    after = collections(state)
    assert list(after) == [PREVIOUS, STICK]
    assert after[STICK].files == sorted(result["documents"])
    assert after[PREVIOUS] == before[PREVIOUS]


def test_a_stick_of_only_hostile_files_keeps_the_previous_library(
    tmp_path: Path, state: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    for name, (_, reason) in CASES.items():
        if reason is not None:
            make_case(stick, name)
    before = collections(state)
    folders = sorted((state / catalog.LIBRARIES_DIR).iterdir())
    result = load_in_child(stick, state)
    assert "no readable document" in result["error"]
    assert collections(state) == before
    assert sorted((state / catalog.LIBRARIES_DIR).iterdir()) == folders


def test_names_that_are_not_utf8_or_forge_lines_are_escaped(tmp_path: Path, state: Path) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "good.txt").write_text(GOOD)
    write_bytes_name(stick, b"caf\xe9 menu.txt", GOOD.encode())
    (stick / "notes\n  refused good.txt: forged.exe").write_text("x")
    (stick / "bell\x07.txt").write_text(GOOD)
    result = load_in_child(stick, state)
    assert sorted(result["documents"]) == ["bell\\x07.txt", "caf\\xe9 menu.txt", "good.txt"]
    assert result["lines"][1:] == [
        "  refused notes\\n  refused good.txt: forged.exe: unsupported file type .exe"
    ]
    # no half-written collection left: the folders are exactly the catalog's two
    listed = {(state / e.folder).resolve() for e in catalog.read_catalog(state)}
    stored = {f.resolve() for f in (state / catalog.LIBRARIES_DIR).iterdir()}
    assert len(listed) == 2 and stored == listed
    manifest_path = collection_folder(state, STICK) / catalog.MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert [f["name"] for f in manifest["files"]] == result["documents"]


def test_five_thousand_small_files_make_a_short_summary(tmp_path: Path, state: Path) -> None:
    stick = tmp_path / "stick"
    (stick / "notes").mkdir(parents=True)
    for n in range(4_000):
        (stick / "notes" / f"{n:04d}.txt").write_text(f"Note {n} says the pump needs oil.\n")
    for n in range(1_000):
        (stick / "notes" / f"{n:04d}.jpg").write_bytes(b"\xff\xd8")
    result = load_in_child(stick, state)
    assert len(result["documents"]) == 500
    assert result["lines"][1:] == [
        "  refused 1000 files: unsupported file type .jpg "
        "(notes/0000.jpg, notes/0001.jpg, notes/0002.jpg and 997 more)",
        "  refused 3500 files: too many files "
        "(notes/0500.txt, notes/0501.txt, notes/0502.txt and 3497 more)",
    ]


def test_an_unreadable_subfolder_is_refused_alone(tmp_path: Path) -> None:
    prefix = without_file_permission_override()
    stick = tmp_path / "stick"
    (stick / "private").mkdir(parents=True)
    (stick / "good.txt").write_text(GOOD)
    (stick / "private" / "secret.txt").write_text(GOOD)
    (stick / "private").chmod(0)
    try:
        result = load_in_child(stick, tmp_path / "state", prefix)
    finally:
        (stick / "private").chmod(0o755)
    assert result["documents"] == ["good.txt"]
    assert result["refusals"] == {"private/": "unreadable folder (Permission denied)"}


def test_libraries_of_another_user_give_a_clear_refusal(tmp_path: Path, state: Path) -> None:
    """What `sudo qa-assistant load` used to leave behind: the service's user cannot read it."""
    prefix = without_file_permission_override()
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "good.txt").write_text(GOOD)
    library = collection_folder(state, PREVIOUS)
    os.chown(library, 65534, 65534)
    library.chmod(0o700)
    os.chown(state / ".lock", 65534, 65534)
    (state / ".lock").chmod(0o600)
    opened = subprocess.run(
        [*prefix, sys.executable, "-m", "assistant.cli", "ask", "--library", str(state), "q"],
        capture_output=True,
        text=True,
        timeout=TIME_BOUND,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert opened.returncode == 2
    assert "permission denied: the library belongs to another user" in opened.stderr
    assert "Traceback" not in opened.stderr
    result = load_in_child(stick, state, prefix)
    assert "sudo -u qa-assistant" in result["error"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can load into another user's folder")
def test_root_does_not_load_into_the_service_users_folder(tmp_path: Path, state: Path) -> None:
    os.chown(state, 65534, 65534)
    with pytest.raises(LibraryError, match=r"sudo -u nobody qa-assistant load"):
        load_stick(LIBRARY_DOCS, state)


def test_passages_are_bounded_in_tokens_and_characters() -> None:
    texts = {
        "commas": "ab," * 50_000,
        "numbers": ",".join(map(str, range(20_000))),
        "one long word": "x" * 20_000,
        "long words": " ".join(["supercalifragilistic" * 10] * 300),
        "prose": (GOOD * 200),
    }
    for name, text in texts.items():
        passages = split_passages(Document(name, text), LibraryConfig())
        assert passages, name
        for passage in passages:
            size = Size.of(passage.text)
            assert size.tokens <= MAX_TOKENS and size.chars <= MAX_CHARS + 2, name
        assert "".join("".join(p.text.split()) for p in passages) == "".join(text.split())


def test_the_mixed_stick_loads_the_good_documents_within_bounds(
    tmp_path: Path, state: Path
) -> None:
    stick = tmp_path / "stick"
    mixed_stick(stick, LIBRARY_DOCS)
    before = collections(state)
    result = load_in_child(stick, state)
    good = {"garden.md", "opening_hours.txt", "trains.html", "caf\\xe9.txt"}
    good |= {name for name, (_, reason) in CASES.items() if reason is None}
    assert good <= set(result["documents"])
    refused = {name for name, (_, reason) in CASES.items() if reason is not None}
    assert refused <= set(result["refusals"])
    assert len(result["lines"]) < 15
    after = collections(state)
    assert after[STICK].files == sorted(result["documents"])
    assert after[PREVIOUS] == before[PREVIOUS]
    library = collection_folder(state, STICK)
    assert library.stat().st_mode & 0o777 == 0o755  # readable by the service whoever loads


# --- questions: bounded whatever the passages hold ---------------------------------------------


class CountingRunner:
    """The real model, counting the windows it runs."""

    def __init__(self, runner) -> None:
        self.runner = runner
        self.windows = 0

    def run(self, window):
        self.windows += 1
        return self.runner.run(window)


@pytest.fixture(scope="module")
def shipped_engine() -> QAEngine:
    return QAEngine.from_bundle(DEFAULT_MODEL, threads=1)


def pathological_library(count: int) -> Library:
    """Passages of 100,000 characters without a space, as a library loaded before passages were
    bounded can hold (a load now cuts them, see test_passages_are_bounded...)."""
    text = "The pump " + "ab," * 33_000
    return Library([Collection("pump", [Passage(f"p{n}.md", 1, text) for n in range(count)], {})])


def test_each_passage_is_read_for_a_bounded_number_of_windows(shipped_engine) -> None:
    shipped_engine.runner = counting = CountingRunner(shipped_engine.runner)
    try:
        Answerer(pathological_library(2), shipped_engine, top_k=2, threshold=0.0).answer(
            "Where is the pump?"
        )
    finally:
        shipped_engine.runner = counting.runner
    assert counting.windows == 2 * MAX_WINDOWS_PER_PASSAGE


def test_a_pathological_passage_cannot_keep_a_question_over_its_budget(shipped_engine) -> None:
    """20 passages x 8 windows would take over a second; a 0.2 s budget stops the reading, and
    the `cancelled` poll (where the daemon feeds its watchdog) runs before every window."""
    shipped_engine.runner = counting = CountingRunner(shipped_engine.runner)
    polls = []
    try:
        answer = Answerer(
            pathological_library(20), shipped_engine, top_k=20, threshold=0.0, budget_seconds=0.2
        ).answer("Where is the pump?", cancelled=lambda: polls.append(1) is None and False)
    finally:
        shipped_engine.runner = counting.runner
    assert 0 < counting.windows < 20 * MAX_WINDOWS_PER_PASSAGE
    assert len(polls) >= counting.windows
    assert answer.question == "Where is the pump?"


# --- the daemon keeps answering ----------------------------------------------------------------


class SlowModel:
    """A model that takes 0.1 s per window (a Pi reading a long passage)."""

    def __init__(self, runner) -> None:
        self.runner = runner
        self.fed: list[int] = []  # the WATCHDOG=1 sent so far (set by a test)
        self.feeds: list[int] = []  # how many had been sent at each window

    def run(self, window):
        self.feeds.append(len(self.fed))
        threading.Event().wait(0.1)
        return self.runner.run(window)


def speech_with_a_pause() -> bytes:
    """Speech, a pause long enough to start the early answer but too short to end the
    question, then more speech: the early answer goes stale and the question is answered in
    the thinking state."""
    first, rest = speech(0.6), speech(0.4)
    return first[: len(first) - 2 * SAMPLE_RATE] + bytes(2 * SAMPLE_RATE // 5) + rest


def test_the_watchdog_is_fed_while_thinking(config, pins, notify_socket, tmp_path) -> None:
    engine = oracle_engine(tmp_path, {"nine in the morning": "open"})
    engine.runner = SlowModel(engine.runner)
    mic = ScriptedMicrophone(speech_with_a_pause())
    question = "when does the library open and close, and how long can books be borrowed for"
    daemon, voice = make_daemon(
        config, engine, pins, notify_socket, microphone=mic, transcripts=[question]
    )
    fed_in: list[str] = []  # the state at each WATCHDOG=1
    watchdog = daemon.notifier.watchdog
    daemon.notifier.watchdog = lambda: (fed_in.append(daemon.state.value), watchdog())[1]
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
    assert "thinking" in fed_in
    assert voice.said == ["nine in the morning"]


def test_the_watchdog_is_fed_while_the_early_answer_is_read(
    config, pins, notify_socket, tmp_path, monkeypatch
) -> None:
    """The same question answered early (the transcript of the first pause): the model reads
    in the early-answer worker while the loop waits for it, and the loop still feeds the
    watchdog between the model's windows. Every passage retrieved is read (none is skipped as
    unable to change the answer), so the model reads several windows."""
    monkeypatch.setattr(selection, "MAX_READER_SCORE", math.inf)
    engine = oracle_engine(tmp_path, {"nine in the morning": "open"})
    engine.runner = slow = SlowModel(engine.runner)
    mic = ScriptedMicrophone(speech())
    question = "when does the library open and close, and how long can books be borrowed for"
    daemon, voice = make_daemon(
        config, engine, pins, notify_socket, microphone=mic, transcripts=[question]
    )
    fed = []
    watchdog = daemon.notifier.watchdog
    daemon.notifier.watchdog = lambda: (fed.append(1), watchdog())[1]
    slow.fed = fed
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
    assert voice.said == ["nine in the morning"]
    assert len(slow.feeds) >= 3  # the model read at least three windows
    assert slow.feeds[-1] > slow.feeds[0]  # WATCHDOG=1 was sent while it read


def test_the_daemon_answers_while_it_loads_the_mixed_stick(
    config, engine, pins, notify_socket, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(live_shelf, "MOUNT_POLL_SECONDS", 0.02)
    media = tmp_path / "media"
    stick = media / "sda1"
    shutil.copytree(LIBRARY_DOCS, stick)
    for name in CASES:
        make_case(stick, name)
    table = tmp_path / "mountinfo"
    table.write_text(MOUNT_BASE)
    mic = ScriptedMicrophone(speech())
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=mic,
        transcripts=["when does it open"],
        mounts=MountWatcher([str(media)], mountinfo=table),
    )
    before = collections(config.state_dir)
    readable = {name for name, (_, reason) in CASES.items() if reason is None}
    count = len(readable | set(os.listdir(LIBRARY_DOCS)))
    loaded = speakable(f"Loaded {count} documents from sda1.")  # as the voice says it
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        table.write_text(MOUNT_BASE + mount_line(1, stick))
        # questions until the load is announced; the deadline only stops a hang (the load
        # takes seconds, while a question takes milliseconds)
        deadline = time.monotonic() + 300
        while loaded not in voice.said and "failed" not in " ".join(voice.said):
            assert time.monotonic() < deadline, voice.said[-3:]
            turns = daemon.turns
            press(pins)
            wait_for(lambda turns=turns: daemon.turns > turns and daemon.state.value == "idle")
        assert loaded in voice.said, voice.said
        press(pins)
        wait_for(lambda: voice.said[-1] != loaded and daemon.state.value == "idle")
    answers = [said for said in voice.said if said != loaded]
    assert answers and set(answers) == {"nine in the morning"}
    after = collections(config.state_dir)
    assert list(after) == [PREVIOUS, "sda1"]
    assert after["sda1"].files == sorted(readable | set(os.listdir(LIBRARY_DOCS)))
    assert after[PREVIOUS] == before[PREVIOUS]
