"""Speech to text behind one small streaming interface, with Vosk and PocketSphinx engines.

    recognizer.start()            a new utterance
    recognizer.feed(pcm) -> str   16 kHz mono int16 audio in; the partial transcript so far
    recognizer.finish() -> str    the final transcript ("" when nothing was recognized)

Vosk is the default (a model folder from alphacephei.com in `asr.vosk_model`); with
`asr.vocabulary_hints` its recognizer is limited to the loaded documents' words plus common
question words (Vosk grammars only work with the small, dynamic-graph models). PocketSphinx uses
the US English model that ships with its PyPI package. When the Vosk model is missing or
unusable (a first boot before it is copied over), `make_recognizer` falls back to PocketSphinx
with a warning, and the recognizer's `fallback_reason` says why (the daemon speaks
`VOSK_FALLBACK_SPOKEN`), so the assistant still answers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from assistant.audio import SAMPLE_RATE
from assistant.config import AsrConfig
from assistant.engines import Engine, pick
from assistant.errors import SetupError

log = logging.getLogger(__name__)

QUESTION_WORDS = (
    "what when where who whom whose which why how is are was were do does did can could "
    "would should will the a an of in on at to for from by with about and or not many much "
    "long time there their it its this that these those i you we me my your our tell me please"
).split()


VOSK_FALLBACK_SPOKEN = (
    "The Vosk speech model is not installed, so I am using a simpler speech recognizer."
)


class AsrError(SetupError):
    """The speech recognizer cannot start (missing or broken model)."""


class Recognizer(Protocol):
    """One utterance at a time: `start`, `feed` blocks of 16 kHz mono PCM (each returns the
    partial transcript so far, "" when the engine gives none), `finish` (the final transcript).
    `peek` is the transcript `finish` would give if the utterance ended now; it may run in
    another thread while `feed` goes on, and `finish` is called only after it returned."""

    def start(self) -> None: ...
    def feed(self, pcm: bytes) -> str: ...
    def peek(self) -> str: ...
    def finish(self) -> str: ...
    def set_vocabulary(self, words: Iterable[str]) -> None: ...


class VoskRecognizer:
    def __init__(self, model_dir: str | Path, *, hints: bool = False) -> None:
        folder = Path(model_dir)
        if not folder.is_dir():
            raise AsrError(
                f"asr.vosk_model: the Vosk model folder {folder} does not exist: unzip a model "
                "from https://alphacephei.com/vosk/models (e.g. vosk-model-small-en-us-0.15) there"
            )
        if not any((folder / sub).exists() for sub in ("am", "conf", "graph")):
            raise AsrError(
                f"asr.vosk_model: {folder} does not look like a Vosk model folder: it must be "
                "the unzipped model folder, with am/, conf/ and graph/ inside"
            )
        try:
            import vosk
        except ImportError:
            raise AsrError("the vosk package is not installed (the 'pi' extra)") from None

        vosk.SetLogLevel(-1)
        try:
            self._model = vosk.Model(str(folder))
        except Exception as err:  # vosk raises a bare Exception for a broken model
            raise AsrError(f"asr.vosk_model: {folder} is broken ({err})") from None
        self._vosk = vosk
        self._hints = hints
        self._grammar: str | None = None
        self._rec = None
        self._final: list[str] = []
        self._partial = ""

    def set_vocabulary(self, words: Iterable[str]) -> None:
        if self._hints:
            vocabulary = sorted({w.lower() for w in words} | set(QUESTION_WORDS))
            self._grammar = json.dumps([*vocabulary, "[unk]"])

    def start(self) -> None:
        args = (self._model, SAMPLE_RATE) + ((self._grammar,) if self._grammar else ())
        self._rec = self._vosk.KaldiRecognizer(*args)
        self._final = []
        self._partial = ""

    def feed(self, pcm: bytes) -> str:
        if self._rec.AcceptWaveform(pcm):
            self._final.append(json.loads(self._rec.Result()).get("text", ""))
            self._partial = " ".join(self._final).strip()
        else:
            partial = json.loads(self._rec.PartialResult()).get("partial", "")
            self._partial = " ".join([*self._final, partial]).strip()
        return self._partial

    def peek(self) -> str:
        """The latest partial transcript (Vosk's recognizer is not touched from here)."""
        return _clean(self._partial)

    def finish(self) -> str:
        self._final.append(json.loads(self._rec.FinalResult()).get("text", ""))
        return _clean(" ".join(self._final))


class PocketSphinxRecognizer:
    """Buffers the utterance and decodes it whole in `finish` (`feed` returns no partials):
    PocketSphinx's live cepstral-mean estimate makes block-by-block decoding of a short
    question clearly worse than one full-utterance pass, which takes a fraction of real time."""

    def __init__(self, fallback_reason: str | None = None) -> None:
        """`fallback_reason`: why this replaces the configured Vosk engine (None: configured)."""
        self.fallback_reason = fallback_reason
        try:
            from pocketsphinx import Decoder

            self._decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
        except (ImportError, RuntimeError, ValueError) as err:
            raise AsrError(f"PocketSphinx cannot start ({err})") from None

    def set_vocabulary(self, words: Iterable[str]) -> None:
        """PocketSphinx keeps its full English dictionary (no hints)."""

    def start(self) -> None:
        self._audio = bytearray()

    def feed(self, pcm: bytes) -> str:
        self._audio += pcm
        return ""

    def peek(self) -> str:
        """A full decode of the audio fed so far (feed only appends meanwhile)."""
        return self._decode(bytes(self._audio))

    def finish(self) -> str:
        text = self._decode(bytes(self._audio))
        self._audio = bytearray()
        return text

    def _decode(self, audio: bytes) -> str:
        self._decoder.start_utt()
        self._decoder.process_raw(audio, False, True)
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        return _clean(hyp.hypstr if hyp is not None else "")


def _clean(text: str) -> str:
    words = [w for w in text.split() if w not in ("[unk]", "<unk>")]
    return " ".join(words)


def _vosk_or_pocketsphinx(config: AsrConfig) -> Recognizer:
    """Vosk; PocketSphinx, with a warning, when the Vosk model cannot be used (first boot)."""
    try:
        return VoskRecognizer(config.vosk_model, hints=config.vocabulary_hints)
    except AsrError as err:
        log.warning("%s; using PocketSphinx until a Vosk model is installed", err)
        return PocketSphinxRecognizer(fallback_reason=str(err))


ENGINES: dict[str, Engine[AsrConfig, Recognizer]] = {
    "vosk": Engine(_vosk_or_pocketsphinx, lambda c: f"Vosk model {c.vosk_model}"),
    "pocketsphinx": Engine(
        lambda c: PocketSphinxRecognizer(), lambda c: "pocketsphinx's built-in US English model"
    ),
}


def make_recognizer(config: AsrConfig) -> Recognizer:
    """The configured engine, loaded now (errors surface before the daemon reports READY)."""
    return pick(ENGINES, "asr.engine", config.engine).make(config)
