"""The voice loop's state machine: MockFactory button and LED, a real sd_notify socket, the real
endpointer, library, answerer and QA engine (oracle model); scripted microphone, recognizer,
voice and speaker so that every turn is deterministic."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import threading
import tracemalloc
from pathlib import Path

from support.fakes import (
    LED_PIN,
    MOUNT_BASE,
    ScriptedMicrophone,
    ScriptedRecognizer,
    make_daemon,
    mount_line,
    press,
    running,
    speech,
    spoken,
    states,
    wait_for,
)
from support.library import LIBRARY_DOCS, load_stick
from support.oracle import oracle_engine

import assistant.service.daemon as daemon_mod
import assistant.service.live_shelf as live_shelf
from assistant.config_file import config_from_dict
from assistant.service.daemon import MIC_PROBLEM, NO_DOCUMENTS, NOTHING_HEARD
from assistant.service.live_shelf import NOTHING_LEFT
from assistant.service.notify import Notifier
from assistant.shelf.mounts import MountWatcher
from assistant.shelf.shelf import Shelf
from assistant.speech.second_opinion import SecondOpinion
from assistant.voice.audio import SAMPLE_RATE
from assistant.voice.button import Event


def test_one_turn_through_all_states(config, engine, pins, notify_socket) -> None:
    mic = ScriptedMicrophone(speech())
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=mic,
        transcripts=["when does the library open"],
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
    messages = notify_socket.messages()
    assert messages[0].startswith("READY=1\nSTATUS=idle; 3 documents")
    assert states(messages)[1:6] == ["idle", "listening", "thinking", "speaking", "idle"]
    assert "WATCHDOG=1" in messages
    assert messages[-1] == "STOPPING=1\nSTATUS=stopping"
    assert voice.said == ["nine in the morning"]
    assert daemon.parts.led.shown[:5] == ["idle", "listening", "thinking", "speaking", "idle"]


def test_a_press_while_speaking_stops_the_speech_and_waits(
    config, engine, pins, notify_socket
) -> None:
    """The plain stop: quiet and idle, no listening and no "didn't hear" prompt; the next
    press asks again."""

    def press_during_first_answer(play: int, block: int) -> None:
        if play == 1 and block == 2:
            press(pins)

    mic = ScriptedMicrophone(speech())
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=mic,
        transcripts=["when does the library open", "what about the weather"],
        during=press_during_first_answer,
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
        assert mic.opened == 1
        press(pins)
        wait_for(lambda: daemon.turns == 2 and daemon.state.value == "idle")
    assert states(notify_socket.messages())[1:10] == [
        "idle",
        "listening",
        "thinking",
        "speaking",
        "idle",
        "listening",
        "thinking",
        "speaking",
        "idle",
    ]
    assert voice.said == ["nine in the morning", "I couldn't find that in your documents."]
    assert mic.opened == 2


def test_spoken_feedback_for_user_failures(config, engine, pins, notify_socket) -> None:
    mic = ScriptedMicrophone(bytes(SAMPLE_RATE * 4))  # silence only
    daemon, voice = make_daemon(
        config, engine, pins, notify_socket, microphone=mic, transcripts=[""], with_library=False
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)  # no documents
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
        daemon.parts.shelf.start_load(LIBRARY_DOCS)  # what a new USB mount does
        wait_for(lambda: daemon.turns == 2 and daemon.state.value == "idle")
        press(pins)  # nothing heard
        wait_for(lambda: daemon.turns == 3 and daemon.state.value == "idle")
    assert voice.said == spoken(NO_DOCUMENTS, "Loaded 3 documents from library.", NOTHING_HEARD)
    assert daemon.last_turn.heard == "" and daemon.last_turn.answer == NOTHING_HEARD


def test_microphone_missing_at_start_then_unplugged(
    config, engine, pins, notify_socket, monkeypatch
) -> None:
    monkeypatch.setattr(daemon_mod, "FIRST_BACKOFF", 0.05)
    mic = ScriptedMicrophone(speech(), check_failures=2, open_failures=1)
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=mic,
        transcripts=["when does the library open"],
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")  # told once at start, then READY
        press(pins)  # the microphone fails to open: said, LED error, no crash
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
        assert daemon.parts.led.shown[-1] == "error"
        press(pins)  # plugged back in
        wait_for(lambda: daemon.turns == 2 and daemon.state.value == "idle")
    messages = notify_socket.messages()
    waiting = [m for m in messages if m.startswith("STATUS=waiting for the microphone")]
    assert len(waiting) == 2
    ready = messages.index(next(m for m in messages if m.startswith("READY=1")))
    assert ready > messages.index(waiting[-1])
    assert voice.said == spoken(MIC_PROBLEM, MIC_PROBLEM, "nine in the morning")


def test_sigterm_stops_the_loop(config, engine, pins, notify_socket) -> None:
    mic = ScriptedMicrophone(speech())
    daemon, _ = make_daemon(config, engine, pins, notify_socket, microphone=mic, transcripts=["x"])
    before = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    assert daemon.run() == 0  # in the main thread: the daemon's own SIGTERM handler
    timer.join()
    assert notify_socket.messages()[-1].startswith("STOPPING=1")
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_thousand_turns_with_flat_memory(config, engine, pins, notify_socket, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="assistant")
    turns, marks = 1000, {}

    def next_turn(play: int) -> None:
        pins.pin(LED_PIN).clear_states()  # the mock pin's own history of every LED change
        if play in (100, turns):
            marks[play] = tracemalloc.take_snapshot()
        if play == turns:
            daemon.stop()
        else:
            daemon.events.put(Event.PRESS)  # after the answer: read once idle again

    mic = ScriptedMicrophone(speech(0.15))
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=mic,
        transcripts=["when does the library open"],
        blocks=1,
        after=next_turn,
    )
    daemon.notifier = Notifier({})  # no manager: every notification is a no-op
    voice.said = _Counter()
    daemon.parts.led.shown = _Counter()
    tracemalloc.start()
    try:
        daemon.events.put(Event.PRESS)
        daemon.run()
    finally:
        tracemalloc.stop()
    growth = sum(s.size_diff for s in marks[turns].compare_to(marks[100], "filename"))
    assert mic.opened == turns
    assert growth < 256 * 1024, f"memory grew by {growth} bytes over {turns - 100} turns"


class _Counter(list):
    """A `said`/`shown` list that only counts (so the test itself does not grow memory)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def append(self, item: str) -> None:
        self.count += 1


def test_usb_sticks_are_added_announced_and_answered_together(
    config, engine, pins, notify_socket, tmp_path, monkeypatch
) -> None:
    """Each stick appearing in the mount table is loaded as its own collection and announced;
    answers come from both; pulling a stick out keeps its documents. The mount table is a file
    in mountinfo format (the real-mount test of the watcher itself is in test_deploy_mounts.py);
    the sticks have no label, so their collections are named after their mount folders."""
    monkeypatch.setattr(live_shelf, "MOUNT_POLL_SECONDS", 0.02)
    media = tmp_path / "media"
    first, second = media / "sda1", media / "sdb1"
    shutil.copytree(LIBRARY_DOCS, first, ignore=shutil.ignore_patterns("trains.html"))
    second.mkdir()
    shutil.copy(LIBRARY_DOCS / "trains.html", second)
    table = tmp_path / "mountinfo"
    table.write_text(MOUNT_BASE)
    engine = oracle_engine(tmp_path, {"nine in the morning": "open", "half past six": "train"})
    mic = ScriptedMicrophone(speech())
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=mic,
        transcripts=["when does the library open", "when does the first train leave"],
        with_library=False,
        mounts=MountWatcher([str(media)], mountinfo=table),
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        table.write_text(MOUNT_BASE + mount_line(1, first))
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
        table.write_text(MOUNT_BASE + mount_line(2, second))  # the first one is pulled out
        shutil.rmtree(first)
        wait_for(lambda: daemon.turns == 2 and daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 3 and daemon.state.value == "idle")
        assert daemon.last_turn.source.collection == "sda1"
        press(pins)
        wait_for(lambda: daemon.turns == 4 and daemon.state.value == "idle")
        assert daemon.last_turn.source.collection == "sdb1"
    assert voice.said == [
        "Loaded two documents from sda1.",
        "Loaded one document from sdb1.",
        "nine in the morning",
        "half past six",
    ]
    assert daemon.parts.recognizer.vocabulary >= {"tomatoes", "coast"}


def test_load_and_forget_by_another_process_are_applied_between_turns(
    config, engine, pins, notify_socket, tmp_path, monkeypatch
) -> None:
    """`qa-assistant load` / `forget` while the daemon runs (here: another process's `Shelf`
    on the same state folder) are noticed from shelf.json, announced and answered from."""
    monkeypatch.setattr(live_shelf, "MOUNT_POLL_SECONDS", 0.02)
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(LIBRARY_DOCS / "trains.html", extra)
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=["when does the library open"],
    )
    other = Shelf(config)  # what the command line builds
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        other.load(extra, name="extra")
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
        collections = daemon.parts.shelf.answerer.library.collections
        assert {c.name for c in collections} == {"library", "extra"}
        other.forget("extra")
        wait_for(lambda: daemon.turns == 2 and daemon.state.value == "idle")
        other.forget("library")
        wait_for(lambda: daemon.turns == 3 and daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 4 and daemon.state.value == "idle")
    assert voice.said == spoken(
        "Your documents changed: 4 documents are loaded.",
        "Your documents changed: 3 documents are loaded.",
        NOTHING_LEFT,
        NO_DOCUMENTS,
    )


def test_a_load_finished_during_an_answer_is_applied_after_it(
    config, engine, pins, notify_socket, tmp_path
) -> None:
    """The library swap happens between turns: a stick loaded while the answer plays changes
    nothing until the loop is idle again; then the reload is announced."""
    stick = Path(shutil.copytree(LIBRARY_DOCS, tmp_path / "library"))
    seen = {}

    def load_while_speaking(play: int, block: int) -> None:
        if play == 1 and block == 1:
            seen["answerer"] = daemon.parts.shelf.answerer
            daemon.parts.shelf.start_load(stick).result()
        if play == 1 and block == 3:  # two more blocks played, and ticks between them
            seen["same answerer"] = daemon.parts.shelf.answerer is seen.pop("answerer")
            seen["state"] = daemon.state.value

    mic = ScriptedMicrophone(speech())
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=mic,
        transcripts=["when does the library open"],
        during=load_while_speaking,
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 2 and daemon.state.value == "idle")
    assert seen == {"same answerer": True, "state": "speaking"}
    assert voice.said == ["nine in the morning", "Reloaded three documents from library."]


def said_after_loading(folder: Path, config, engine, pins, notify_socket) -> list[str]:
    """What an idle daemon says when the shelf has loaded `folder` as a new stick."""
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=["x"],
        with_library=False,
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        daemon.parts.shelf.start_load(folder)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
    return voice.said


def test_replace_mode_says_the_other_documents_went(engine, pins, notify_socket, tmp_path) -> None:
    config = config_from_dict(
        {"library": {"state_dir": str(tmp_path / "state")}, "usb": {"mode": "replace"}}
    )
    load_stick(LIBRARY_DOCS, config.state_dir, name="old")
    stick = Path(shutil.copytree(LIBRARY_DOCS, tmp_path / "KINGSTON"))
    said = said_after_loading(stick, config, engine, pins, notify_socket)
    assert said == spoken("Loaded 3 documents from KINGSTON. The other documents were removed.")
    assert [c.name for c in Shelf(config).collections()] == ["KINGSTON"]


def test_a_failed_stick_load_is_said_and_keeps_the_documents(
    config, engine, pins, notify_socket, tmp_path
) -> None:
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.exe").write_bytes(b"MZ")
    load_stick(LIBRARY_DOCS, config.state_dir)
    said = said_after_loading(junk, config, engine, pins, notify_socket)
    assert said == spoken("Loading the documents from junk failed. The loaded documents are kept.")
    assert [c.name for c in Shelf(config).collections()] == ["library"]


def test_two_sticks_plugged_in_together_are_both_loaded(
    config, engine, pins, notify_socket, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(live_shelf, "MOUNT_POLL_SECONDS", 0.02)
    media = tmp_path / "media"
    first, second = media / "sda1", media / "sdb1"
    shutil.copytree(LIBRARY_DOCS, first)
    second.mkdir()
    (second / "notes.txt").write_text("The harbour ferry leaves at noon.")
    table = tmp_path / "mountinfo"
    table.write_text(MOUNT_BASE)
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=["x"],
        with_library=False,
        mounts=MountWatcher([str(media)], mountinfo=table),
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        table.write_text(MOUNT_BASE + mount_line(1, first) + mount_line(2, second))
        wait_for(lambda: "sdb1" in " ".join(voice.said) and daemon.state.value == "idle")
    assert (
        " ".join(voice.said) == "Loaded three documents from sda1. Loaded one document from sdb1."
    )
    assert [c.name for c in Shelf(config).collections()] == ["sda1", "sdb1"]


def test_a_not_found_turn_is_answered_from_the_second_opinion(
    config, engine, pins, notify_socket
) -> None:
    """With a second-opinion recognizer the daemon answers what the second engine heard when
    the first one's question finds nothing, and logs that transcript as the turn's."""
    first = ScriptedRecognizer(["what does the library hold"])  # misheard: not found
    paired = SecondOpinion(first, ScriptedRecognizer(["When does the library open?"]))
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=[],
        recognizer=paired,
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
    assert voice.said == ["nine in the morning"]
    assert daemon.last_turn.heard == "When does the library open?"
    assert daemon.last_turn.timings["second_asr_ms"] >= 0
