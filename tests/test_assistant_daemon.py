"""The voice loop's state machine: MockFactory button and LED, a real sd_notify socket, the real
endpointer, library, answerer and QA engine (oracle model); scripted microphone, recognizer,
voice and speaker so that every turn is deterministic."""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import shutil
import signal
import socket
import tempfile
import threading
import tracemalloc
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPWMPin
from test_assistant_support import LIBRARY_DOCS, oracle_engine

import assistant.daemon as daemon_mod
import assistant.shelf as shelf_mod
from assistant.asr import Heard
from assistant.audio import SAMPLE_RATE, AudioError
from assistant.button import Event, GpioButton, StatusLed
from assistant.config import ButtonConfig, Config, LedConfig, config_from_dict
from assistant.daemon import MIC_PROBLEM, NO_DOCUMENTS, NOTHING_HEARD, Daemon, Parts
from assistant.library import load_folder
from assistant.mounts import MountWatcher
from assistant.notify import Notifier
from assistant.shelf import NOTHING_LEFT, Shelf, StickShelf
from assistant.tts import sentences

BUTTON_PIN, LED_PIN = 17, 18


def speech(seconds: float = 0.6) -> bytes:
    """A loud tone (speech for the energy endpointer) followed by 1 s of silence."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    tone = (8000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)
    return tone.tobytes() + bytes(2 * SAMPLE_RATE)


class ScriptedMicrophone:
    """Plays `pcm` per listening turn; `check_failures`/`open_failures` raise AudioError first."""

    def __init__(self, pcm: bytes, check_failures: int = 0, open_failures: int = 0) -> None:
        self.pcm = pcm
        self.check_failures = check_failures
        self.open_failures = open_failures
        self.open_now = False
        self.opened = 0

    def check(self) -> None:
        if self.check_failures:
            self.check_failures -= 1
            raise AudioError("input device 'mic' not usable (unplugged)")

    @contextlib.contextmanager
    def open(self) -> Iterator[ScriptedMicrophone]:
        if self.open_failures:
            self.open_failures -= 1
            raise AudioError("microphone 'mic' cannot be opened (busy)")
        self.opened += 1
        self._pos = 0
        self.open_now = True
        try:
            yield self
        finally:
            self.open_now = False

    def read(self, timeout: float) -> bytes:
        block = self.pcm[self._pos : self._pos + 960].ljust(960, b"\0")
        self._pos += 960
        return block


class ScriptedRecognizer:
    """Hears `transcripts[n]` in the n-th utterance (the last one again after the end); a
    plain string is heard without a confidence."""

    def __init__(self, transcripts: list[str | Heard]) -> None:
        self.transcripts = transcripts
        self.turn = -1

    def use_documents(self, speech) -> None:
        self.vocabulary = speech.vocabulary

    def start(self) -> None:
        self.turn += 1

    def feed(self, pcm: bytes) -> str:
        return ""

    def peek(self) -> Heard:
        said = self.transcripts[min(self.turn, len(self.transcripts) - 1)]
        return said if isinstance(said, Heard) else Heard(said)

    def finish(self) -> Heard:
        return self.peek()


def spoken(*texts: str) -> list[str]:
    """What the voice renders when `texts` are said one after another: one render per
    sentence (the daemon plays each sentence as soon as it is rendered)."""
    return [piece for text in texts for piece in sentences(text)]


class RecordingVoice:
    """Writes a 0.1 s silent WAV and remembers the text."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def render(self, text: str, wav: Path) -> None:
        self.said.append(text)
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            w.writeframes(bytes(3200))


class ScriptedSpeaker:
    """ "Plays" in `blocks` steps, calling `during(index)` before each; checks the mic is off."""

    def __init__(
        self,
        microphone: ScriptedMicrophone,
        blocks: int = 5,
        during: Callable[[int, int], None] = lambda play, block: None,
    ) -> None:
        self.microphone = microphone
        self.blocks = blocks
        self.during = during
        self.plays = 0

    def play(self, wav: Path, interrupted: Callable[[], bool]) -> bool:
        assert not self.microphone.open_now, "recording while speaking"
        self.plays += 1
        for block in range(self.blocks):
            self.during(self.plays, block)
            if interrupted():
                return False
        return True


class RecordingLed(StatusLed):
    def __init__(self, config: LedConfig) -> None:
        super().__init__(config)
        self.shown: list[str] = []

    def show(self, state: str) -> None:
        self.shown.append(state)
        super().show(state)


class NotifySocket:
    """A NOTIFY_SOCKET like systemd's: a reader thread collects every datagram the daemon
    sends as it arrives (the kernel queues only a few, and a busy test would lose some)."""

    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="n", dir="/tmp")
        self.path = os.path.join(self._dir, "s")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.01)
        self._received: list[str] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._read, name="notify-socket", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._closing.is_set():
            try:
                message = self.sock.recv(4096).decode()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._received.append(message)

    def messages(self) -> list[str]:
        """Everything received since the last call (after a moment for datagrams in flight)."""
        threading.Event().wait(0.05)
        with self._lock:
            out, self._received = self._received, []
        return out

    def close(self) -> None:
        self._closing.set()
        self._reader.join(timeout=5)
        self.sock.close()
        shutil.rmtree(self._dir)


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    factory = MockFactory(pin_class=MockPWMPin)
    Device.pin_factory = factory
    yield factory
    factory.reset()
    Device.pin_factory = None


@pytest.fixture
def notify_socket() -> Iterator[NotifySocket]:
    sock = NotifySocket()
    yield sock
    sock.close()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return config_from_dict(
        {
            "library": {"state_dir": str(tmp_path / "state")},
            # the test microphone plays a tone: speech for the energy endpointer, not Silero
            "audio": {
                "endpointing": "energy",
                "silence_seconds": 0.3,
                "start_timeout_seconds": 1.0,
                "tones": False,
            },
        }
    )


@pytest.fixture
def engine(tmp_path: Path):
    return oracle_engine(tmp_path, {"nine in the morning": "open"})


def make_daemon(
    config,
    engine,
    pins,
    notify_socket,
    *,
    microphone,
    transcripts,
    blocks=5,
    during=lambda play, block: None,
    with_library=True,
    mounts=None,
    recognizer=None,
):
    """The daemon and its recording voice; `recognizer` replaces the scripted one."""
    if with_library:
        load_folder(LIBRARY_DOCS, config.state_dir)
    events: queue.Queue[Event] = queue.Queue()
    voice = RecordingVoice()
    recognizer = recognizer or ScriptedRecognizer(transcripts)
    parts = Parts(
        shelf=StickShelf(Shelf(config), engine, recognizer, mounts),
        microphone=microphone,
        recognizer=recognizer,
        synthesizer=voice,
        speaker=ScriptedSpeaker(microphone, blocks, during),
        button=GpioButton(
            ButtonConfig(pin=BUTTON_PIN, bounce_time=0, double_press_seconds=0), events
        ),
        led=RecordingLed(LedConfig(pin=LED_PIN, pwm=True)),
    )
    notifier = Notifier({"NOTIFY_SOCKET": notify_socket.path, "WATCHDOG_USEC": "100000"})
    return Daemon(config, parts, events, notifier=notifier), voice


def press(pins: MockFactory) -> None:
    pin = pins.pin(BUTTON_PIN)
    pin.drive_low()
    pin.drive_high()


@contextlib.contextmanager
def running(daemon: Daemon) -> Iterator[threading.Thread]:
    thread = threading.Thread(target=daemon.run)
    thread.start()
    try:
        yield thread
    finally:
        daemon.stop()
        thread.join(timeout=10)
        assert not thread.is_alive()


def wait_for(condition: Callable[[], bool]) -> None:
    """Poll `condition` until true (generous cap: a hang fails, slowness never does)."""
    for _ in range(3000):
        if condition():
            return
        threading.Event().wait(0.01)
    raise AssertionError("condition never became true")


def states(messages: list[str]) -> list[str]:
    return [m.split("STATUS=")[1].split(";")[0] for m in messages if "STATUS=" in m]


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


def test_a_press_while_speaking_stops_the_speech_and_listens(
    config, engine, pins, notify_socket
) -> None:
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
        transcripts=["when does the library open", "what about the tomatoes"],
        during=press_during_first_answer,
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 2 and daemon.state.value == "idle")
    assert states(notify_socket.messages())[1:9] == [
        "idle",
        "listening",
        "thinking",
        "speaking",
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

    def next_turn(play: int, block: int) -> None:
        if block == 0:
            pins.pin(LED_PIN).clear_states()  # the mock pin's own history of every LED change
            if play in (100, turns):
                marks[play] = tracemalloc.take_snapshot()
            if play == turns:
                daemon.stop()
            else:
                daemon.events.put(Event.PRESS)  # queued: read once idle again

    mic = ScriptedMicrophone(speech(0.15))
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=mic,
        transcripts=["when does the library open"],
        blocks=1,
        during=next_turn,
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


MOUNT_BASE = "27 1 8:2 / / rw,relatime shared:1 - ext4 /dev/mmcblk0p2 rw\n"


def mount_line(n: int, stick: Path) -> str:
    return f"{60 + n} 27 8:{n} / {stick} ro,nosuid,nodev,noexec - vfat /dev/sd{n} ro\n"


def test_usb_sticks_are_added_announced_and_answered_together(
    config, engine, pins, notify_socket, tmp_path, monkeypatch
) -> None:
    """Each stick appearing in the mount table is loaded as its own collection and announced;
    answers come from both; pulling a stick out keeps its documents. The mount table is a file
    in mountinfo format (the real-mount test of the watcher itself is in test_deploy_mounts.py);
    the sticks have no label, so their collections are named after their mount folders."""
    monkeypatch.setattr(shelf_mod, "MOUNT_POLL_SECONDS", 0.02)
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
        "Loaded 2 documents from sda1.",
        "Loaded 1 document from sdb1.",
        "nine in the morning",
        "half past six",
    ]
    assert daemon.parts.recognizer.vocabulary >= {"tomatoes", "coast"}


def test_load_and_forget_by_another_process_are_applied_between_turns(
    config, engine, pins, notify_socket, tmp_path, monkeypatch
) -> None:
    """`qa-assistant load` / `forget` while the daemon runs (here: another process's `Shelf`
    on the same state folder) are noticed from shelf.json, announced and answered from."""
    monkeypatch.setattr(shelf_mod, "MOUNT_POLL_SECONDS", 0.02)
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
        for collection in other.collections():
            other.forget(collection.name)
        wait_for(lambda: daemon.turns == 2 and daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 3 and daemon.state.value == "idle")
    assert voice.said == spoken(
        "Your documents changed: 4 documents are loaded.", NOTHING_LEFT, NO_DOCUMENTS
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
    assert voice.said == ["nine in the morning", "Reloaded 3 documents from library."]


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
    load_folder(LIBRARY_DOCS, config.state_dir, name="old")
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
    load_folder(LIBRARY_DOCS, config.state_dir)
    said = said_after_loading(junk, config, engine, pins, notify_socket)
    assert said == spoken("Loading the documents from junk failed. The loaded documents are kept.")
    assert [c.name for c in Shelf(config).collections()] == ["library"]


def test_two_sticks_plugged_in_together_are_both_loaded(
    config, engine, pins, notify_socket, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(shelf_mod, "MOUNT_POLL_SECONDS", 0.02)
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
    assert " ".join(voice.said) == "Loaded 3 documents from sda1. Loaded 1 document from sdb1."
    assert [c.name for c in Shelf(config).collections()] == ["sda1", "sdb1"]
