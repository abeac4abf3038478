"""Test doubles for the voice loop: a scripted microphone, recognizer, voice and speaker, a
recording LED, a NOTIFY_SOCKET like systemd's, and the daemon built from them (`make_daemon`)
over the real endpointer, library, answerer and QA engine (oracle model)."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import socket
import tempfile
import threading
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from gpiozero.pins.mock import MockFactory

from assistant.config import ButtonConfig, LedConfig
from assistant.service.assembly import build_shelf
from assistant.service.daemon import Daemon, Parts
from assistant.service.live_shelf import LiveShelf
from assistant.service.notify import Notifier
from assistant.speech.recognizer import Heard
from assistant.voice.audio import SAMPLE_RATE, AudioError
from assistant.voice.button import Event, GpioButton, StatusLed
from assistant.voice.spoken_text import speakable
from assistant.voice.tts import sentences
from support.library import LIBRARY_DOCS, load_stick

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

    fallback_reason = None

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
    """What the voice renders when `texts` are said one after another: said as people say
    them (`speakable`), one render per sentence (the daemon plays each as soon as it is
    rendered)."""
    return [piece for text in texts for piece in sentences(speakable(text))]


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
    """ "Plays" in `blocks` steps, calling `during(play, block)` before each and `after(play)`
    once a play is complete; checks the mic is off."""

    def __init__(
        self,
        microphone: ScriptedMicrophone,
        blocks: int = 5,
        during: Callable[[int, int], None] = lambda play, block: None,
        after: Callable[[int], None] = lambda play: None,
    ) -> None:
        self.microphone = microphone
        self.blocks = blocks
        self.during = during
        self.after = after
        self.plays = 0
        self.volume = 1.0  # set by the daemon

    def play(self, wav: Path, interrupted: Callable[[], bool]) -> bool:
        assert not self.microphone.open_now, "recording while speaking"
        self.plays += 1
        for block in range(self.blocks):
            self.during(self.plays, block)
            if interrupted():
                return False
        self.after(self.plays)
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
    after=lambda play: None,
    with_library=True,
    mounts=None,
    recognizer=None,
    button=None,
):
    """The daemon and its recording voice; `recognizer` replaces the scripted one, `button`
    (a ButtonConfig for BUTTON_PIN) the button without a double-press window."""
    if with_library:
        load_stick(LIBRARY_DOCS, config.state_dir)
    events: queue.Queue[Event] = queue.Queue()
    voice = RecordingVoice()
    recognizer = recognizer or ScriptedRecognizer(transcripts)
    parts = Parts(
        shelf=LiveShelf(build_shelf(config), engine, recognizer, mounts),
        microphone=microphone,
        recognizer=recognizer,
        synthesizer=voice,
        speaker=ScriptedSpeaker(microphone, blocks, during, after),
        button=GpioButton(
            button or ButtonConfig(pin=BUTTON_PIN, bounce_time=0, double_press_seconds=0), events
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


MOUNT_BASE = "27 1 8:2 / / rw,relatime shared:1 - ext4 /dev/mmcblk0p2 rw\n"


def mount_line(n: int, stick: Path) -> str:
    return f"{60 + n} 27 8:{n} / {stick} ro,nosuid,nodev,noexec - vfat /dev/sd{n} ro\n"
