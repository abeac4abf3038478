"""The voice loop: idle -> listening -> thinking -> speaking -> idle, one state at a time.

Everything happens in the main thread's loop (the wyoming-satellite pattern: explicit states,
an event queue); other threads only produce events (button, keyboard) or audio blocks (the
PortAudio callback), and USB sticks are loaded by the live shelf's worker
(`assistant.service.live_shelf`). Each state handler takes the current `Turn`, returns the
next state and the turn as it now stands, and calls `_tick()` at least every 100 ms, which sends
WATCHDOG=1 (so the watchdog proves the *loop* is alive) and lets the shelf look for new USB
mounts.

- idle: a finished USB load is applied (the library swap happens only here, between turns)
  and announced; a press starts listening (or says that no documents are loaded); a double
  press repeats the last answer, holding the button says where it was found; a triple press
  enters the volume mode, and the keys "+" / "-" (PC mode) make it louder or quieter at once.
- listening: a short tone, then the microphone is open (only here); the question ends on
  silence, the maximum duration, a second press, or (hold-to-talk) the release; holding the
  button (or "s") stops listening without a word. As soon as the
  speaker has paused briefly, the audio so far is transcribed and answered in a worker
  (`SpokenQuestion.answer_so_far`); when the pause turns out to be the end of the question,
  that answer is used, so recognition and reading overlap the end-of-speech wait instead of
  following it.
- thinking: retrieval + the QA engine (unless the early answer stands), with the second
  opinion of `asr.engine = "pocketsphinx+whisper"` on a weak turn; the watchdog is fed
  and SIGTERM honoured between model windows. When the recognizer's confidence in the
  question is below `asr.say_heard_below`, the reply starts with "I heard: <question>." so a
  misheard question is noticed.
  A press, a hold or "s" while thinking drops the question: quiet, back to idle.
- speaking: the reply is rendered sentence by sentence while it plays (`tts.render_ahead`),
  then a "done" or "failed" tone ends the turn; a press, a hold or "s" stops it (the plain
  stop: quiet, back to idle, no tone), a double press repeats it. With
  `audio.follow_up_seconds` the loop then listens once more without a press.
- volume: says how to use it; each press makes it louder, each double press quieter, said at
  the new volume; a hold or 5 s without a press ends it. The volume is kept across restarts
  (`assistant.service.volume`).

Every failure a user can cause is spoken: nothing heard, no documents, no answer, a microphone
that is gone. SIGTERM/SIGINT (and the end of keyboard input in PC mode) stop the loop within
one tick (plus at most one model window). Every turn is logged on one line: heard, answer,
source, stage timings.
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
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.answering.answerer import Answer, Source
from assistant.answering.replies import where_text
from assistant.answering.reply import reply_text
from assistant.config import Config
from assistant.errors import SetupError
from assistant.service.live_shelf import LiveShelf
from assistant.service.notify import Notifier
from assistant.service.volume import louder, quieter, remember_volume, remembered_volume
from assistant.speech.recognizer import Heard, Recognizer
from assistant.speech.spoken import SpokenQuestion, answer_heard
from assistant.voice.audio import FRAME_BYTES, AudioError, AudioInput, AudioOutput
from assistant.voice.button import Event, GpioButton, KeyboardButton, StatusLed
from assistant.voice.endpointing import Endpointer
from assistant.voice.spoken_text import speakable
from assistant.voice.synthesis import Synthesizer
from assistant.voice.tones import write_tones
from assistant.voice.tts import render_ahead

log = logging.getLogger(__name__)

TICK = 0.1
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0

NOTHING_HEARD = "Sorry, I didn't hear a question. Press the button and try again."
NO_DOCUMENTS = "No documents are loaded. Plug in a USB stick with your documents."
MIC_PROBLEM = "I can't use the microphone. Please check that it is plugged in."
NOTHING_YET = "I haven't answered a question yet."
NOT_FROM_DOCUMENTS = "I didn't find that answer in your documents."
VOLUME_PROMPT = "Volume. Press for louder, double press for quieter."
LOUDER_SAID, QUIETER_SAID = "Louder.", "Quieter."
LOUDEST, QUIETEST = "This is the loudest.", "This is the quietest."
VOLUME_MODE_SECONDS = 5.0  # the volume mode ends this long after its last press
# what stops a turn in progress, quietly (the plain stop)
STOPPING_GESTURES = (Event.PRESS, Event.HOLD, Event.CANCEL)
# a pause this long (or half the end-of-question silence, if shorter) starts the early answer
EARLY_ANSWER_PAUSE = 0.2


class State(enum.Enum):
    STARTING = "starting"  # until READY=1; never entered again
    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
    VOLUME = "volume"  # the volume mode (a triple press)


@dataclass(frozen=True)
class Turn:
    """One turn as it passes from state to state: the transcript `heard`, the `question`
    asked, the `answer` said back (an answer, or a message such as NOTHING_HEARD), its
    `source`, and the stage timings (`*_ms` milliseconds, `*_s` seconds)."""

    heard: str = ""
    confidence: float | None = None  # the recognizer's, in `heard` (None: it gave none)
    question: str = ""
    answer: str = ""
    source: Source | None = None
    sentence: str = ""  # the sentence of the source that holds the answer
    tone: str = ""  # played after the reply: "done", "failed" or none
    follow_up: bool = False  # listening without a press, right after an answer
    prepared: Answer | None = None  # the early answer to `question`, when it stands
    timings: dict[str, float] = field(default_factory=dict)

    def timed(self, **timings: float) -> Turn:
        return replace(self, timings={**self.timings, **timings})


Step = tuple[State, Turn]


@dataclass
class Parts:
    """Everything the loop drives; built by `assistant.service.assembly`, or by tests."""

    shelf: LiveShelf
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
        self.last_answer: Turn | None = None  # the last question answered (repeat / where)
        self._stopping = threading.Event()
        self._mic_failed = False  # the LED keeps showing the error until a turn works
        self._last_watchdog = 0.0
        self._tmp = tempfile.TemporaryDirectory(prefix="qa-assistant-")
        folder = Path(self._tmp.name)
        self._tones = write_tones(folder) if config.audio.tones else {}
        self._early = ThreadPoolExecutor(max_workers=1, thread_name_prefix="early-answer")
        self._turn_cancelled = False  # a stop gesture came while thinking
        # the hold that follows a press which stopped a turn is part of that stop
        self._swallow_hold = False
        self._released = False  # the press that opened listening is no longer down
        self.volume = remembered_volume(config.state_dir, config.audio.volume)
        parts.speaker.volume = self.volume

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
            State.VOLUME: self._volume_mode,
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
        self._early.shutdown(wait=True, cancel_futures=True)
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
                self._next_event()  # ticks; only a STOP (Ctrl-D in PC mode) matters here
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
            if event is Event.HOLD and self._swallow_hold:
                self._swallow_hold = False
                continue
            if event is Event.PRESS:
                self._swallow_hold = False
                if self.parts.shelf.answerer is None:
                    return State.SPEAKING, Turn(answer=NO_DOCUMENTS, tone="failed")
                return State.LISTENING, Turn()
            if event is Event.HOLD:  # nothing to stop: where the last answer was found
                event = Event.WHERE
            if event in (Event.REPEAT, Event.WHERE):
                return State.SPEAKING, self._recall(event)
            if event is Event.VOLUME:
                return State.VOLUME, Turn()
            if event in (Event.LOUDER, Event.QUIETER):
                return State.SPEAKING, Turn(answer=self._step_volume(event is Event.LOUDER))
        return State.IDLE, turn

    def _recall(self, gesture: Event) -> Turn:
        """The turn that answers a gesture: the last answer again (REPEAT), or where it was
        found with its whole sentence (WHERE)."""
        last = self.last_answer
        if last is None:
            return Turn(answer=NOTHING_YET, tone="failed")
        if gesture is Event.REPEAT:
            return Turn(answer=last.answer, source=last.source, tone=last.tone)
        if last.source is None or last.tone != "done":
            return Turn(answer=NOT_FROM_DOCUMENTS, tone="failed")
        return Turn(
            answer=where_text(last.source.file, last.source.collection, last.sentence),
            source=last.source,
            tone="done",
        )

    def _listening(self, turn: Turn) -> Step:
        self._drain_events()
        self._released = turn.follow_up  # no press opened a follow-up
        self._play_tone("listening")
        audio = self.config.audio
        if turn.follow_up:
            audio = replace(audio, start_timeout_seconds=audio.follow_up_seconds)
        endpointer = Endpointer(audio)
        early_pause = min(EARLY_ANSWER_PAUSE, audio.silence_seconds / 2)
        early: Future[tuple[Heard, Answer | None]] | None = None
        early_stale = False  # speech went on after the early answer started
        partial = ""
        reason = None
        started = time.monotonic()
        try:
            with self.parts.microphone.open() as stream:
                question = SpokenQuestion(self.parts.recognizer)
                while reason is None and not self._stopping.is_set():
                    self._tick()
                    reason = self._listening_event()
                    if reason == "cancel":  # the plain stop: no question, no reply
                        self._settle(early)
                        log.info("listening stopped by the button")
                        return State.IDLE, Turn()
                    if reason is Event.VOLUME:
                        self._settle(early)
                        return State.VOLUME, Turn()
                    if isinstance(reason, Event):  # a gesture instead of a question
                        self._settle(early)
                        return State.SPEAKING, self._recall(reason)
                    block = stream.read(TICK)
                    if block is None:
                        continue
                    for pos in range(0, len(block) - FRAME_BYTES + 1, FRAME_BYTES):
                        reason = reason or endpointer.push(block[pos : pos + FRAME_BYTES])
                    text = question.feed(block)
                    if text != partial:
                        partial = text
                        log.debug("partial: %s", text)
                    pause = endpointer.trailing_silence
                    if early is not None and pause < early_pause:
                        early_stale = True
                    if pause >= early_pause and (early is None or (early_stale and early.done())):
                        self._settle(early)
                        early = self._early.submit(self._early_answer, question)
                        early_stale = False
                listened = time.monotonic()
                prepared = self._settle(early)
                if prepared is not None and not early_stale:
                    heard, answer = prepared
                else:
                    heard, answer = question.heard(), None
                turn = replace(
                    turn, heard=heard.text, confidence=heard.confidence, prepared=answer
                ).timed(
                    listen_s=round(listened - started, 2),
                    asr_final_ms=round((time.monotonic() - listened) * 1000),
                )
        except AudioError as err:
            log.error("%s", err)
            self._mic_failed = True
            return State.SPEAKING, replace(turn, answer=MIC_PROBLEM, tone="failed")
        self._mic_failed = False
        if self._stopping.is_set():
            return State.IDLE, turn
        log.info(
            "heard: %s (confidence %s, end: %s, %.1f s)",
            turn.heard,
            _rounded(turn.confidence),
            reason,
            time.monotonic() - started,
        )
        if not endpointer.heard_speech or not turn.heard.strip():
            if turn.follow_up:
                return State.IDLE, Turn()
            return State.SPEAKING, replace(turn, answer=NOTHING_HEARD, tone="failed")
        return State.THINKING, replace(turn, question=turn.heard.strip())

    def _early_answer(self, question: SpokenQuestion) -> tuple[Heard, Answer | None]:
        """In the worker: the transcript so far and its answer (None without a question)."""
        return question.answer_so_far(self.parts.shelf.answerer, self._stopping.is_set)

    def _settle(
        self, early: Future[tuple[Heard, Answer | None]] | None
    ) -> tuple[Heard, Answer | None] | None:
        """Wait for an early answer, ticking meanwhile (the recognizer is free again
        afterwards); its result, or None when there was none or it failed."""
        if early is None:
            return None
        while not early.done():
            self._tick()
            wait([early], timeout=TICK)
        try:
            return early.result()
        except Exception:
            log.exception("early answer failed; answering after the question instead")
            return None

    def _listening_event(self) -> str | Event | None:
        """A press ends the question early; in hold-to-talk mode so does the release. Holding
        the press that opened listening is the idle gesture "where was it found" (WHERE; not
        in hold-to-talk mode, where holding is talking); CANCEL stops listening ("cancel"). A
        double press (REPEAT), WHERE or VOLUME is returned as the gesture; louder and quieter
        change the volume at once."""
        hold_to_talk = self.config.audio.hold_to_talk
        while True:
            event = self._poll_event()
            if event is None:
                return None
            if event is Event.PRESS:
                return "press"
            if event is Event.RELEASE:
                self._released = True
                if hold_to_talk:
                    return "release"
            if event is Event.STOP:
                return "stop"
            if event is Event.CANCEL:
                return "cancel"
            if event is Event.HOLD and not hold_to_talk:
                return "cancel" if self._released else Event.WHERE
            if event in (Event.LOUDER, Event.QUIETER):
                self._set_volume((louder if event is Event.LOUDER else quieter)(self.volume))
            if event in (Event.REPEAT, Event.WHERE, Event.VOLUME):
                return event

    def _thinking(self, turn: Turn) -> Step:
        answerer = self.parts.shelf.answerer
        assert answerer is not None  # listening is only entered with a library
        started = time.monotonic()
        self._turn_cancelled = False
        kept: list[Event] = []
        # a prepared (early) answer was made for exactly this question: listening sets both
        if turn.prepared is not None:
            answer = turn.prepared
        else:  # the recognizer still holds the question's audio for a second opinion
            heard, answer = answer_heard(
                self.parts.recognizer,
                answerer,
                Heard(turn.question, turn.confidence),
                cancelled=lambda: self._thinking_cancelled(kept),
            )
            turn = replace(turn, heard=heard.text, question=heard.text, confidence=heard.confidence)
        for event in kept:
            self.events.put(event)
        if self._turn_cancelled:
            log.info("question dropped by the button")
            self._swallow_hold = True
            return State.IDLE, Turn()
        source = answer.source
        where = f"{source.collection}:{source.file}#{source.passage}" if source else "-"
        log.info(
            "answer %r (score %s, source %s, %s)", answer.text, answer.score, where, answer.timings
        )
        unsure = turn.confidence is not None and turn.confidence < self.config.asr.say_heard_below
        reply = reply_text(answer, self.config.answer.speak, turn.question if unsure else None)
        turn = replace(
            turn,
            answer=reply,
            source=source,
            sentence=answer.sentence,
            tone="done" if answer.found else "failed",
            prepared=None,
        )
        # a second opinion's seconds of ASR, in the turn's log line
        second = {k: v for k, v in answer.timings.items() if k == "second_asr_ms"}
        answer_ms = round((time.monotonic() - started) * 1000)
        return State.SPEAKING, turn.timed(answer_ms=answer_ms, **second)

    def _thinking_cancelled(self, kept: list[Event]) -> bool:
        """Polled before each passage and model window: feeds the watchdog; True when stopping
        or when a stop gesture came (other events are put in `kept`, for after the answer)."""
        self._tick()
        while (event := self._poll_event()) is not None:
            if event in STOPPING_GESTURES:
                self._turn_cancelled = True
            elif event is not Event.RELEASE:
                kept.append(event)
        return self._stopping.is_set() or self._turn_cancelled

    def _speaking(self, turn: Turn) -> Step:
        self._drain_events()
        gesture: Event | None = None

        def interrupted() -> bool:
            nonlocal gesture
            self._tick()
            while (event := self._poll_event()) is not None:
                if event in (Event.LOUDER, Event.QUIETER):  # from the next sentence on
                    self._set_volume((louder if event is Event.LOUDER else quieter)(self.volume))
                elif event is not Event.RELEASE:
                    gesture = event
                    return True
            return self._stopping.is_set()

        try:
            completed, timings = self._say_now(turn.answer, interrupted)
        except SetupError as err:
            log.error("cannot speak: %s", err)
            self._show("error")
            return State.IDLE, turn
        if completed and turn.tone:
            self._play_tone(turn.tone)
        turn = turn.timed(**timings)
        self.turns += 1
        self.last_turn = turn
        if turn.question:
            self.last_answer = turn
        source = turn.source
        log.info(
            "turn %d: heard %r (confidence %s), answer %r, source %s, timings %s",
            self.turns,
            turn.heard,
            _rounded(turn.confidence),
            turn.answer,
            f"{source.collection}:{source.file}#{source.passage}" if source else "-",
            turn.timings,
        )
        if gesture in STOPPING_GESTURES:
            log.info("speech stopped by the button")
            self._swallow_hold = gesture is Event.PRESS
            return State.IDLE, turn
        if gesture in (Event.REPEAT, Event.WHERE):
            return State.SPEAKING, self._recall(gesture)
        if gesture is Event.VOLUME:
            return State.VOLUME, Turn()
        if completed and turn.question and self.config.audio.follow_up_seconds and not self.once:
            return State.LISTENING, Turn(follow_up=True)
        return State.IDLE, turn

    def _volume_mode(self, turn: Turn) -> Step:
        """Louder on each press, quieter on each double press, each said at the new volume;
        a hold (or "s") or VOLUME_MODE_SECONDS without a press ends it."""
        self._drain_events()
        with contextlib.suppress(SetupError):
            self._say_now(VOLUME_PROMPT)
        deadline = time.monotonic() + VOLUME_MODE_SECONDS
        while not self._stopping.is_set() and time.monotonic() < deadline:
            event = self._next_event()
            if event in (Event.HOLD, Event.CANCEL):
                break
            if event in (Event.PRESS, Event.VOLUME):  # VOLUME: a third quick press
                event = self._press_or_double_press()
            if event in (Event.LOUDER, Event.QUIETER, Event.REPEAT):
                with contextlib.suppress(SetupError):
                    self._say_now(self._step_volume(event is Event.LOUDER))
                deadline = time.monotonic() + VOLUME_MODE_SECONDS
        self._play_tone("done")
        return State.IDLE, Turn()

    def _press_or_double_press(self) -> Event:
        """After a press in the volume mode: QUIETER when the button's REPEAT (a second quick
        press) follows within the double-press window, else LOUDER."""
        until = time.monotonic() + self.config.button.double_press_seconds + TICK
        while time.monotonic() < until and not self._stopping.is_set():
            if self._next_event() is Event.REPEAT:
                return Event.QUIETER
        return Event.LOUDER

    def _step_volume(self, up: bool) -> str:
        """One step louder (`up`) or quieter; what to say about it."""
        volume = louder(self.volume) if up else quieter(self.volume)
        if volume == self.volume:
            return LOUDEST if up else QUIETEST
        self._set_volume(volume)
        return LOUDER_SAID if up else QUIETER_SAID

    def _set_volume(self, volume: float) -> None:
        """Play everything from now on at `volume`, and keep it for the next start."""
        log.info("volume %.3g (was %.3g)", volume, self.volume)
        self.volume = volume
        self.parts.speaker.volume = volume
        remember_volume(self.config.state_dir, volume, self.config.audio.volume)

    # --- helpers --------------------------------------------------------------------------------

    def _say_now(
        self, text: str, interrupted: Callable[[], bool] | None = None
    ) -> tuple[bool, dict[str, float]]:
        """Render and play `text` sentence by sentence, each played as soon as it is rendered:
        (False when `interrupted()` cut it short, the timings: first sentence rendered, and
        speaking in all). `text` is said as people say it (`speakable`). Raises SetupError."""
        text = speakable(text)
        log.info("saying: %s", text)
        started = time.monotonic()
        timings: dict[str, float] = {}
        completed = True
        for wav in render_ahead(self.parts.synthesizer, text, Path(self._tmp.name)):
            timings.setdefault("tts_first_ms", round((time.monotonic() - started) * 1000))
            if not self.parts.speaker.play(wav, interrupted or self._stopping.is_set):
                completed = False
                break
        timings["speak_s"] = round(time.monotonic() - started, 2)
        return completed, timings

    def _play_tone(self, name: str) -> None:
        """A short tone (when tones are on); a speaker failure here is only logged: the
        reply that follows reports it."""
        if name in self._tones:
            try:
                self.parts.speaker.play(self._tones[name], self._stopping.is_set)
            except AudioError as err:
                log.warning("cannot play the %s tone: %s", name, err)

    def _next_event(self) -> Event | None:
        """The next event within one tick; STOP (also the end of keyboard input) stops."""
        self._tick()
        try:
            event = self.events.get(timeout=TICK)
        except queue.Empty:
            return None
        if event is Event.STOP:
            self._stopping.set()
        return event

    def _poll_event(self) -> Event | None:
        """A queued event or None, without waiting; STOP stops."""
        try:
            event = self.events.get_nowait()
        except queue.Empty:
            return None
        if event is Event.STOP:
            self._stopping.set()
        return event

    def _drain_events(self) -> None:
        """Drop presses, holds and stops made while busy; the other gestures (repeat, where,
        volume) are kept, STOP stops."""
        kept = []
        while (event := self._poll_event()) is not None:
            if event in (Event.REPEAT, Event.WHERE, Event.VOLUME, Event.LOUDER, Event.QUIETER):
                kept.append(event)
        for event in kept:
            self.events.put(event)

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


def _rounded(confidence: float | None) -> str:
    return "-" if confidence is None else f"{confidence:.2f}"
