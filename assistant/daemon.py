"""The voice loop: idle -> listening -> thinking -> speaking -> idle, one state at a time.

Everything happens in the main thread's loop (the wyoming-satellite pattern: explicit states,
an event queue); other threads only produce events (button, keyboard) or audio blocks (the
PortAudio callback), and USB sticks are loaded by the shelf's worker (`assistant.shelf`). Each
state handler takes the current `Turn`, returns the next state and the turn as it now stands,
and calls `_tick()` at least every 100 ms, which sends WATCHDOG=1 (so the watchdog proves the
*loop* is alive) and lets the shelf look for new USB mounts.

- idle: a finished USB load is applied (the library swap happens only here, between turns)
  and announced; a press starts listening (or says that no documents are loaded).
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
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.answering import Source
from assistant.asr import Recognizer
from assistant.audio import FRAME_BYTES, AudioError, AudioInput, AudioOutput, Endpointer
from assistant.button import Event, GpioButton, KeyboardButton, StatusLed
from assistant.config import Config
from assistant.errors import SetupError
from assistant.notify import Notifier
from assistant.shelf import StickShelf
from assistant.tts import Synthesizer, render

log = logging.getLogger(__name__)

TICK = 0.1
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


@dataclass(frozen=True)
class Turn:
    """One turn as it passes from state to state: the transcript `heard`, the `question`
    asked, the `answer` said back (an answer, or a message such as NOTHING_HEARD), its
    `source`, and the stage timings (`*_ms` milliseconds, `*_s` seconds)."""

    heard: str = ""
    question: str = ""
    answer: str = ""
    source: Source | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def timed(self, **timings: float) -> Turn:
        return replace(self, timings={**self.timings, **timings})


Step = tuple[State, Turn]


@dataclass
class Parts:
    """Everything the loop drives; built by `assistant.assembly`, or by tests."""

    shelf: StickShelf
    microphone: AudioInput
    recognizer: Recognizer
    synthesizer: Synthesizer
    speaker: AudioOutput
    button: GpioButton | KeyboardButton | None = None
    led: StatusLed | None = None


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
        self.last_turn: Turn | None = None  # the last turn spoken
        self._stopping = threading.Event()
        self._mic_failed = False  # the LED keeps showing the error until a turn works
        self._last_watchdog = 0.0
        self._tmp = tempfile.TemporaryDirectory(prefix="qa-assistant-")

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
        handlers: dict[State, Callable[[Turn], Step]] = {
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
            state, turn = State.IDLE, Turn()
            while not self._stopping.is_set():
                self._enter(state)
                state, turn = handlers[state](turn)
                if self.once and state is State.IDLE:
                    break
        finally:
            self.notifier.stopping()
            self._shutdown()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def _shutdown(self) -> None:
        self.parts.shelf.close()
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

    def _idle(self, turn: Turn) -> Step:
        while not self._stopping.is_set():
            news = self.parts.shelf.between_turns()
            if news:
                return State.SPEAKING, Turn(answer=" ".join(news))
            event = self._next_event()
            if event is Event.PRESS:
                if self.parts.shelf.answerer is None:
                    return State.SPEAKING, Turn(answer=NO_DOCUMENTS)
                return State.LISTENING, Turn()
        return State.IDLE, turn

    def _listening(self, turn: Turn) -> Step:
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
                heard = recognizer.finish()
                turn = replace(turn, heard=heard).timed(
                    listen_s=round(listened - started, 2),
                    asr_final_ms=round((time.monotonic() - listened) * 1000),
                )
        except AudioError as err:
            log.error("%s", err)
            self._mic_failed = True
            return State.SPEAKING, replace(turn, answer=MIC_PROBLEM)
        self._mic_failed = False
        if self._stopping.is_set():
            return State.IDLE, turn
        log.info("heard %r (end: %s, %.1f s)", heard, reason, time.monotonic() - started)
        if not endpointer.heard_speech or not heard.strip():
            return State.SPEAKING, replace(turn, answer=NOTHING_HEARD)
        return State.THINKING, replace(turn, question=heard.strip())

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

    def _thinking(self, turn: Turn) -> Step:
        answerer = self.parts.shelf.answerer
        assert answerer is not None  # listening is only entered with a library
        started = time.monotonic()
        answer = answerer.answer(turn.question, cancelled=self._stopping.is_set)
        source = answer.source
        where = f"{source.collection}:{source.file}#{source.passage}" if source else "-"
        log.info(
            "answer %r (score %s, source %s, %s)", answer.text, answer.score, where, answer.timings
        )
        turn = replace(turn, answer=answer.text, source=source)
        return State.SPEAKING, turn.timed(answer_ms=round((time.monotonic() - started) * 1000))

    def _speaking(self, turn: Turn) -> Step:
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
            completed, timings = self._say_now(turn.answer, interrupted)
        except SetupError as err:
            log.error("cannot speak: %s", err)
            self._show("error")
            return State.IDLE, turn
        turn = turn.timed(**timings)
        self.turns += 1
        self.last_turn = turn
        log.info("turn timings: %s", turn.timings)
        if not completed and barged_in and self.parts.shelf.answerer is not None:
            log.info("speech interrupted by the button")
            return State.LISTENING, Turn()
        return State.IDLE, turn

    # --- helpers --------------------------------------------------------------------------------

    def _say_now(
        self, text: str, interrupted: Callable[[], bool] | None = None
    ) -> tuple[bool, dict[str, float]]:
        """Render and play `text`: (False when `interrupted()` cut it short, the TTS and
        playback timings). Raises SetupError."""
        log.info("saying: %s", text)
        wav = Path(self._tmp.name) / "reply.wav"
        started = time.monotonic()
        render(self.parts.synthesizer, text, wav)
        rendered = time.monotonic()
        completed = self.parts.speaker.play(wav, interrupted or self._stopping.is_set)
        return completed, {
            "tts_ms": round((rendered - started) * 1000),
            "play_s": round(time.monotonic() - rendered, 2),
        }

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
        self.parts.shelf.watch()

    def _status_text(self, state: State) -> str:
        answerer = self.parts.shelf.answerer
        docs = "no documents" if answerer is None else f"{len(answerer.library.files)} documents"
        return f"{state.value}; {docs}; {self.turns} turns"

    def _show(self, state: str) -> None:
        if self.parts.led is not None:
            self.parts.led.show(state)
