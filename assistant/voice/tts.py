"""Text to speech, always rendered to a WAV file that `audio.Speaker` then plays.

The voices are one module each (`assistant.voice.pyttsx3_voice`, the default;
`assistant.voice.piper_voice` with `tts.engine = "piper"`: the packaged voice unless
`tts.piper_voice` names another), listed by name in `ENGINES`.

`render` retries a failed synthesis once before raising `TtsError`, so a passing glitch never
makes a silent turn and a lasting one is reported; `render_ahead` renders a reply sentence by
sentence while the first ones play.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from collections.abc import Iterator
from pathlib import Path

from assistant.config import TtsConfig
from assistant.engines import Engine, pick
from assistant.voice.piper_voice import PiperSynthesizer, voice_file, voice_label
from assistant.voice.pyttsx3_voice import Pyttsx3Synthesizer
from assistant.voice.synthesis import Synthesizer, TtsError

log = logging.getLogger(__name__)


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
    "pyttsx3": Engine(Pyttsx3Synthesizer, lambda c: "espeak-ng voice (pyttsx3)"),
    "piper": Engine(
        lambda c: PiperSynthesizer(voice_file(c.piper_voice)), lambda c: voice_label(c.piper_voice)
    ),
}


def make_synthesizer(config: TtsConfig) -> Synthesizer:
    """The configured voice, loaded now (errors surface before the daemon reports READY)."""
    return pick(ENGINES, "tts.engine", config.engine).make(config)
