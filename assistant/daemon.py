"""The voice loop: idle -> listening -> thinking -> speaking -> idle, one state at a time.

Everything happens in the main thread's loop (the wyoming-satellite pattern: explicit states,
an event queue); other threads only produce events (button, keyboard) or audio blocks (the
PortAudio callback), and the USB load runs in one worker whose result the loop picks up. Each
state handler returns the next state and calls `_tick()` at least every 100 ms, which sends
WATCHDOG=1 (so the watchdog proves the *loop* is alive) and watches for new USB mounts.

- idle: a press starts listening (or says that no documents are loaded).
- listening: the microphone is open only here; the question ends on silence, the maximum
  duration, a second press, or (hold-to-talk) the release; partial transcripts are logged.
- thinking: BM25 + the QA engine; SIGTERM is honoured between passages.
- speaking: the text is rendered to a WAV and played in 50 ms blocks; a press stops it and
  listens again.

Every failure a user can cause is spoken: nothing heard, no documents, no answer, a microphone
that is gone. SIGTERM/SIGINT stop the loop within one tick (plus at most one passage read).
"""

from __future__ import annotations

import contextlib
import enum
import logging
import queue
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from assistant.answering import Answerer, Reader
from assistant.asr import Recognizer, make_recognizer
from assistant.audio import (
    FRAME_BYTES,
    AudioError,
    AudioInput,
    AudioOutput,
    Endpointer,
    Microphone,
    Speaker,
    WavInput,
    WavOutput,
)
from assistant.button import Event, GpioButton, KeyboardButton, StatusLed
from assistant.config import Config
from assistant.documents import Limits
from assistant.encoder import SentenceEncoder, load_encoder
from assistant.errors import SetupError
from assistant.library import Library, LibraryError, LoadSummary, has_library, load_folder
from assistant.mounts import MountWatcher
from assistant.notify import Notifier
from assistant.tts import Synthesizer, make_synthesizer, render

log = logging.getLogger(__name__)

TICK = 0.1
MOUNT_POLL_SECONDS = 2.0
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0

NOTHING_HEARD = "Sorry, I didn't hear a question. Press the button and try again."
NO_DOCUMENTS = "No documents are loaded. Plug in a USB stick with your documents."
MIC_PROBLEM = "I can't use the microphone. Please check that it is plugged in."


class State(enum.Enum):
    STARTING = "starting"  # until READY=1; never entered again
    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"


@dataclass
class Parts:
    """Everything the loop drives; built by `build_daemon`, or by tests with real/mock parts."""

    reader: Reader
    microphone: AudioInput
    recognizer: Recognizer
    synthesizer: Synthesizer
    speaker: AudioOutput
    button: GpioButton | KeyboardButton | None = None
    led: StatusLed | None = None
    mounts: MountWatcher | None = None
    encoder: SentenceEncoder | None = None  # dense retrieval; None = BM25 only


class Daemon:
    def __init__(
        self,
        config: Config,
        parts: Parts,
        events: queue.Queue[Event],
        *,
        notifier: Notifier | None = None,
        once: bool = False,
    ) -> None:
        """`once`: answer one question (PC mode --input) then return from `run`."""
        self.config = config
        self.parts = parts
        self.events = events
        self.notifier = notifier or Notifier()
        self.once = once
        self.state = State.STARTING
        self.turns = 0
        self._stopping = threading.Event()
        self._question = ""
        self._reply = ""
        self._pending: list[str] = []  # things to say once idle (USB load results)
        self._mic_failed = False  # the LED keeps showing the error until a turn works
        self._timings: dict[str, float] = {}  # per-stage timings of the current turn
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usb-load")
        self._load: Future[LoadSummary] | None = None
        self._last_watchdog = 0.0
        self._last_mount_poll = time.monotonic()
        self._tmp = tempfile.TemporaryDirectory(prefix="qa-assistant-")
        self.answerer: Answerer | None = None
        self._open_library()

    # --- lifecycle ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the loop to end (thread- and signal-safe)."""
        self._stopping.set()
        self.events.put(Event.STOP)

    def run(self) -> int:
        """Start up (READY=1), loop until stopped, shut down; returns the exit status."""
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, lambda *_: self.stop())
        handlers = {
            State.IDLE: self._idle,
            State.LISTENING: self._listening,
            State.THINKING: self._thinking,
            State.SPEAKING: self._speaking,
        }
        try:
            if not self._wait_for_microphone():
                return 0
            self.notifier.ready(self._status_text(State.IDLE))
            log.info("ready")
            if self.once:
                self.events.put(Event.PRESS)
            state = State.IDLE
            while not self._stopping.is_set():
                self._enter(state)
                state = handlers[state]()
                if self.once and state is State.IDLE:
                    break
        finally:
            self.notifier.stopping()
            self._shutdown()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def _shutdown(self) -> None:
        self._loader.shutdown(wait=False, cancel_futures=True)
        for part in (self.parts.button, self.parts.led):
            if part is not None:
                part.close()
        self._tmp.cleanup()
        log.info("stopped after %d turn(s)", self.turns)

    def _wait_for_microphone(self) -> bool:
        """Probe the microphone, retrying with backoff (1 s doubling to 30 s) while missing."""
        delay = FIRST_BACKOFF
        told = False
        while not self._stopping.is_set():
            try:
                self.parts.microphone.check()
                return True
            except AudioError as err:
                log.error("%s; retrying in %.0f s", err, delay)
                self._show("error")
                self.notifier.status(f"waiting for the microphone: {err}")
                self.notifier.extend_startup(delay + 10)
                if not told:
                    told = True
                    with contextlib.suppress(SetupError):
                        self._say_now(MIC_PROBLEM)
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and not self._stopping.is_set():
                self._tick()
                time.sleep(TICK)
            delay = min(delay * 2, MAX_BACKOFF)
        return False

    # --- the states -----------------------------------------------------------------------------

    def _enter(self, state: State) -> None:
        """Log, report (STATUS=, LED) and then switch to `state`."""
        log.info("state: %s", state.value)
        self.notifier.status(self._status_text(state))
        self._show("error" if state is State.IDLE and self._mic_failed else state.value)
        self.state = state

    def _idle(self) -> State:
        if self._pending:
            self._reply = " ".join(self._pending)
            self._pending.clear()
            return State.SPEAKING
        while not self._stopping.is_set():
            event = self._next_event()
            if event is Event.PRESS:
                if self.answerer is None:
                    self._reply = NO_DOCUMENTS
                    return State.SPEAKING
                return State.LISTENING
            if self._pending:
                return State.IDLE
        return State.IDLE

    def _listening(self) -> State:
        self._drain_events()
        endpointer = Endpointer(self.config.audio)
        recognizer = self.parts.recognizer
        partial = ""
        reason = None
        started = time.monotonic()
        try:
            with self.parts.microphone.open() as stream:
                recognizer.start()
                while reason is None and not self._stopping.is_set():
                    self._tick()
                    reason = self._listening_event()
                    block = stream.read(TICK)
                    if block is None:
                        continue
                    for pos in range(0, len(block) - FRAME_BYTES + 1, FRAME_BYTES):
                        reason = reason or endpointer.push(block[pos : pos + FRAME_BYTES])
                    text = recognizer.feed(block)
                    if text != partial:
                        partial = text
                        log.debug("partial: %s", text)
                listened = time.monotonic()
                question = recognizer.finish()
                self._timings = {
                    "listen_s": round(listened - started, 2),
                    "asr_final_ms": round((time.monotonic() - listened) * 1000),
                }
        except AudioError as err:
            log.error("%s", err)
            self._mic_failed = True
            self._reply = MIC_PROBLEM
            return State.SPEAKING
        self._mic_failed = False
        if self._stopping.is_set():
            return State.IDLE
        log.info("heard %r (end: %s, %.1f s)", question, reason, time.monotonic() - started)
        if not endpointer.heard_speech or not question.strip():
            self._reply = NOTHING_HEARD
            return State.SPEAKING
        self._question = question
        return State.THINKING

    def _listening_event(self) -> str | None:
        """A press ends the question early; in hold-to-talk mode so does the release."""
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return None
            if event is Event.PRESS:
                return "press"
            if event is Event.RELEASE and self.config.audio.hold_to_talk:
                return "release"
            if event is Event.STOP:
                return "stop"

    def _thinking(self) -> State:
        assert self.answerer is not None  # listening is only entered with a library
        started = time.monotonic()
        answer = self.answerer.answer(self._question, cancelled=self._stopping.is_set)
        self._timings["answer_ms"] = round((time.monotonic() - started) * 1000)
        source = f"{answer.source.file}#{answer.source.passage}" if answer.source else "-"
        log.info(
            "answer %r (score %s, source %s, %s)", answer.text, answer.score, source, answer.timings
        )
        self._reply = answer.text
        return State.SPEAKING

    def _speaking(self) -> State:
        self._drain_events()
        barged_in = False

        def interrupted() -> bool:
            nonlocal barged_in
            self._tick()
            while True:
                try:
                    event = self.events.get_nowait()
                except queue.Empty:
                    return self._stopping.is_set()
                if event is Event.PRESS:
                    barged_in = True
                    return True
                if event is Event.STOP:
                    return True

        try:
            completed = self._say_now(self._reply, interrupted)
        except SetupError as err:
            log.error("cannot speak: %s", err)
            self._show("error")
            return State.IDLE
        self.turns += 1
        log.info("turn timings: %s", self._timings)
        self._timings = {}
        if not completed and barged_in and self.answerer is not None:
            log.info("speech interrupted by the button")
            return State.LISTENING
        return State.IDLE

    # --- helpers --------------------------------------------------------------------------------

    def _say_now(self, text: str, interrupted: Callable[[], bool] | None = None) -> bool:
        """Render and play `text`; False when `interrupted()` cut it short. Raises SetupError."""
        log.info("saying: %s", text)
        wav = Path(self._tmp.name) / "reply.wav"
        started = time.monotonic()
        render(self.parts.synthesizer, text, wav)
        rendered = time.monotonic()
        completed = self.parts.speaker.play(wav, interrupted or self._stopping.is_set)
        self._timings.update(
            tts_ms=round((rendered - started) * 1000), play_s=round(time.monotonic() - rendered, 2)
        )
        return completed

    def _next_event(self) -> Event | None:
        self._tick()
        try:
            return self.events.get(timeout=TICK)
        except queue.Empty:
            return None

    def _drain_events(self) -> None:
        """Drop presses made while busy (a STOP is kept by the stopping flag)."""
        with contextlib.suppress(queue.Empty):
            while True:
                self.events.get_nowait()

    def _tick(self) -> None:
        now = time.monotonic()
        interval = self.notifier.watchdog_interval
        if interval is not None and now - self._last_watchdog >= interval:
            self.notifier.watchdog()
            self._last_watchdog = now
        if self._load is not None and self._load.done():
            self._finish_load(self._load)
            self._load = None
        if (
            self.parts.mounts is not None
            and self._load is None
            and now - self._last_mount_poll >= MOUNT_POLL_SECONDS
        ):
            self._last_mount_poll = now
            added = [e.path for e in self.parts.mounts.read_events() if e.kind == "added"]
            for folder in added[:1]:
                log.info("new mount %s: loading its documents", folder)
                self._load = self._loader.submit(self._load_folder, folder)

    def _load_folder(self, folder: Path) -> LoadSummary:
        lib = self.config.library
        return load_folder(
            folder,
            self.config.state_dir,
            Limits(int(lib.max_file_mb * 1024 * 1024), lib.max_files),
            lib.passage_min_words,
            lib.passage_max_words,
            self.parts.encoder,
        )

    def _finish_load(self, load: Future[LoadSummary]) -> None:
        try:
            summary = load.result()
        except LibraryError as err:
            log.error("automatic load failed: %s", err)
            self._pending.append("Loading the documents failed. The previous documents are kept.")
            return
        except Exception:
            log.exception("automatic load crashed")
            self._pending.append("Loading the documents failed. The previous documents are kept.")
            return
        self._open_library()
        n = len(summary.documents)
        self._pending.append(f"Loaded {n} document{'s' if n != 1 else ''}.")

    def _open_library(self) -> None:
        state_dir = self.config.state_dir
        if not has_library(state_dir):
            log.warning("no documents are loaded (nothing in %s)", state_dir)
            return
        try:
            library = Library.open(state_dir, self.parts.encoder)
        except LibraryError as err:
            log.error("%s", err)
            return
        answer = self.config.answer
        self.answerer = Answerer(
            library, self.parts.reader, top_k=answer.top_k, threshold=answer.threshold
        )
        self.parts.recognizer.set_vocabulary(library.vocabulary())
        log.info("library: %d passage(s) from %d file(s)", len(library), len(library.files))

    def _status_text(self, state: State) -> str:
        docs = (
            "no documents"
            if self.answerer is None
            else (f"{len(self.answerer.library.files)} documents")
        )
        return f"{state.value}; {docs}; {self.turns} turns"

    def _show(self, state: str) -> None:
        if self.parts.led is not None:
            self.parts.led.show(state)


def build_daemon(
    config: Config,
    *,
    model: str,
    button: str = "gpio",
    input_wav: str | None = None,
    output_wav: str | None = None,
) -> Daemon:
    """The daemon with the configured parts, all loaded now: a missing model, Vosk model,
    voice or GPIO raises (SetupError/BundleError) before anything reports READY."""
    from assistant.answering import load_reader

    events: queue.Queue[Event] = queue.Queue()
    reader = load_reader(model, config.answer.threads)
    recognizer = make_recognizer(config.asr)
    synthesizer = make_synthesizer(config.tts)
    microphone = WavInput(input_wav) if input_wav else Microphone(config.audio.input_device)
    speaker = WavOutput(output_wav) if output_wav else Speaker(config.audio.output_device)
    once = input_wav is not None
    button_part: GpioButton | KeyboardButton | None = None
    if not once:
        button_part = (
            KeyboardButton(events) if button == "keyboard" else GpioButton(config.button, events)
        )
    parts = Parts(
        reader=reader,
        microphone=microphone,
        recognizer=recognizer,
        synthesizer=synthesizer,
        speaker=speaker,
        button=button_part,
        led=StatusLed(config.led) if config.led.pin else None,
        mounts=MountWatcher(config.usb.watch) if config.usb.auto_load and not once else None,
        encoder=load_encoder(config.answer.retriever, config.answer.threads),
    )
    return Daemon(config, parts, events, once=once)
