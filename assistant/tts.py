"""Text to speech, always rendered to a WAV file that `audio.Speaker` then plays.

pyttsx3 (espeak-ng) is the default voice: pyttsx3 starts espeak-ng and selects the voice and
rate. Its own ways of producing sound are not used, because neither is reliable:
- its playback returns before the sound ends and hides player failures;
- its `save_to_file` writes the WAV when espeak-ng reports the end of the *message*, an event
  that can arrive before the last (or, for a short answer, the only) block of samples has been
  handed over, so the file sometimes lacks the end of the speech or holds no audio at all.
So rendering takes the samples itself through pyttsx3's binding of libespeak-ng: it collects
every block and waits for espeak-ng's end-of-data marker (a callback with no samples and an
empty event list, sent by the synthesis thread after its last block), then writes the file.

Piper is used when `tts.engine = "piper"` with a voice file (`tts.piper_voice`, an .onnx with
its .onnx.json next to it).

`render` retries a failed synthesis once before raising `TtsError`, so a passing glitch never
makes a silent turn and a lasting one is reported.
"""

from __future__ import annotations

import ctypes
import logging
import queue
import re
import threading
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from assistant.config import TtsConfig
from assistant.engines import Engine, pick
from assistant.errors import SetupError

log = logging.getLogger(__name__)


class TtsError(SetupError):
    """The voice cannot be loaded or produced no audio."""


class Synthesizer(Protocol):
    def render(self, text: str, wav: Path) -> None: ...


SYNTHESIS_TIMEOUT_S = 60.0
ESPEAK_SAMPLE_RATE = 22050  # espeak-ng's own voices (pyttsx3 assumes the same)


class _EspeakCapture:
    """The samples of one espeak-ng synthesis at a time.

    libespeak-ng is one synthesizer per process with one callback, which its threads may call
    at any moment (late event notifications included): the callback is therefore one object
    made once and kept for the life of the process, and renders take turns.
    """

    def __init__(self, espeak) -> None:  # espeak: pyttsx3's ctypes binding module
        self._espeak = espeak
        self._callback = espeak.t_espeak_callback(self._on_audio)
        self._blocks: list[bytes] = []
        self._end_of_data = threading.Event()
        self._lock = threading.Lock()

    def synthesize(self, text: str) -> bytes:
        """16-bit mono samples of `text` at espeak-ng's rate, once all have been produced."""
        espeak = self._espeak
        with self._lock:
            self._blocks = []
            self._end_of_data.clear()
            espeak.cSetSynthCallback(self._callback)  # pyttsx3 sets its own at start-up
            status = espeak.Synth(text.encode("utf-8"), flags=espeak.ENDPAUSE | espeak.CHARS_UTF8)
            if status != espeak.EE_OK:
                raise TtsError(f"espeak-ng refused the text (status {status})")
            if not self._end_of_data.wait(SYNTHESIS_TIMEOUT_S):
                espeak.Cancel()
                raise TtsError(f"espeak-ng did not finish within {SYNTHESIS_TIMEOUT_S:.0f} s")
            return b"".join(self._blocks)

    def _on_audio(self, samples, count: int, events) -> int:
        """A block of samples, or the end-of-data marker (no samples, empty event list, sent
        by the synthesis thread after its last block); event notifications are ignored."""
        if samples:
            self._blocks.append(ctypes.string_at(samples, count * 2))
        elif events[0].type == self._espeak.EVENT_LIST_TERMINATED:
            self._end_of_data.set()
        return 0


_capture: _EspeakCapture | None = None


class Pyttsx3Synthesizer:
    def __init__(self, voice: str = "", rate: int = 160) -> None:
        global _capture
        try:
            import pyttsx3
            from pyttsx3.drivers import _espeak

            self._engine = pyttsx3.init()
            if voice:
                self._engine.setProperty("voice", voice)
            self._engine.setProperty("rate", rate)
        except Exception as err:  # pyttsx3 raises whatever its driver raises
            raise TtsError(
                f"pyttsx3 cannot start ({err}); is espeak-ng installed (apt-get install espeak-ng)?"
            ) from None
        if _capture is None:
            _capture = _EspeakCapture(_espeak)
        self._capture = _capture

    def render(self, text: str, wav: Path) -> None:
        """Write `text` as speech to `wav`; return only once the file is complete."""
        audio = self._capture.synthesize(text)
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(ESPEAK_SAMPLE_RATE)
            w.writeframes(audio)
        _check_wav(wav)


class PiperSynthesizer:
    def __init__(self, voice: str | Path) -> None:
        voice = Path(voice)
        if not voice.is_file() or not Path(f"{voice}.json").is_file():
            raise TtsError(f"tts.piper_voice: {voice} (and {voice}.json) must exist")
        try:
            from piper import PiperVoice

            self._voice = PiperVoice.load(str(voice))
        except Exception as err:  # onnxruntime/json errors of a broken voice
            raise TtsError(f"tts.piper_voice: {voice} cannot be loaded ({err})") from None

    def render(self, text: str, wav: Path) -> None:
        with wave.open(str(wav), "wb") as w:
            self._voice.synthesize_wav(text, w)
        _check_wav(wav)


def _check_wav(wav: Path) -> None:
    try:
        with wave.open(str(wav), "rb") as w:
            frames = w.getnframes()
    except (OSError, EOFError, wave.Error) as err:
        raise TtsError(f"speech synthesis produced no usable WAV ({err})") from None
    if frames == 0:
        raise TtsError("speech synthesis produced no audio")


def render(synthesizer: Synthesizer, text: str, wav: Path) -> None:
    """`synthesizer.render`, tried a second time when the first attempt fails."""
    try:
        synthesizer.render(text, wav)
    except TtsError as err:
        log.warning("speech synthesis failed (%s); trying once more", err)
        synthesizer.render(text, wav)


_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=\S)")


def sentences(text: str) -> list[str]:
    """`text` cut after sentence punctuation followed by a space (never empty pieces)."""
    return [piece for piece in _SENTENCE_END.split(text.strip()) if piece] or [text]


def render_ahead(synthesizer: Synthesizer, text: str, folder: Path) -> Iterator[Path]:
    """The WAVs of `text`'s sentences, in order, each yielded as soon as it is rendered while a
    worker thread renders the next ones: playback of the first sentence starts before the
    rest exists. Raises `TtsError` (at the sentence that failed twice)."""
    results: queue.Queue[Path | TtsError | None] = queue.Queue()
    cancelled = threading.Event()

    def work() -> None:
        for i, sentence in enumerate(sentences(text)):
            if cancelled.is_set():
                break
            wav = folder / f"sentence-{i}.wav"
            try:
                render(synthesizer, sentence, wav)
            except TtsError as err:
                results.put(err)
                return
            results.put(wav)
        results.put(None)

    worker = threading.Thread(target=work, name="tts", daemon=True)
    worker.start()
    try:
        while (item := results.get()) is not None:
            if isinstance(item, TtsError):
                raise item
            yield item
    finally:
        cancelled.set()
        worker.join()


ENGINES: dict[str, Engine[TtsConfig, Synthesizer]] = {
    "pyttsx3": Engine(
        lambda c: Pyttsx3Synthesizer(c.voice, c.rate), lambda c: "espeak-ng voice (pyttsx3)"
    ),
    "piper": Engine(
        lambda c: PiperSynthesizer(c.piper_voice), lambda c: f"Piper voice {c.piper_voice}"
    ),
}


def make_synthesizer(config: TtsConfig) -> Synthesizer:
    """The configured voice, loaded now (errors surface before the daemon reports READY)."""
    return pick(ENGINES, "tts.engine", config.engine).make(config)
