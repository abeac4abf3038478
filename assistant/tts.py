"""Text to speech, always rendered to a WAV file that `audio.Speaker` then plays.

pyttsx3 (espeak-ng) is the default; its own playback returns before the sound ends and hides
player failures, so only its `save_to_file` is used. Its `runAndWait` also returns before
espeak-ng's synthesis thread has written that file, so rendering waits for the engine's
"finished-utterance" notification. Piper is used when `tts.engine = "piper"`
with a voice file (`tts.piper_voice`, an .onnx with its .onnx.json next to it).
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
import wave
from pathlib import Path
from typing import Protocol

from assistant.config import TtsConfig
from assistant.errors import SetupError

log = logging.getLogger(__name__)


class TtsError(SetupError):
    """The voice cannot be loaded or produced no audio."""


class Synthesizer(Protocol):
    def render(self, text: str, wav: Path) -> None: ...


SYNTHESIS_TIMEOUT_S = 60.0


class Pyttsx3Synthesizer:
    def __init__(self, voice: str = "", rate: int = 160) -> None:
        try:
            import pyttsx3

            self._engine = pyttsx3.init()
            if voice:
                self._engine.setProperty("voice", voice)
            self._engine.setProperty("rate", rate)
        except Exception as err:  # pyttsx3 raises whatever its driver raises
            raise TtsError(
                f"pyttsx3 cannot start ({err}); is espeak-ng installed (apt-get install espeak-ng)?"
            ) from None

    def render(self, text: str, wav: Path) -> None:
        """Write `text` as speech to `wav`; return only once the file is complete."""
        wav.unlink(missing_ok=True)
        finished = threading.Event()
        token = self._engine.connect("finished-utterance", lambda **_: finished.set())
        try:
            self._engine.save_to_file(text, str(wav))
            with contextlib.redirect_stdout(io.StringIO()):  # its driver prints "Audio saved to"
                self._engine.runAndWait()
                done = finished.wait(SYNTHESIS_TIMEOUT_S)
        finally:
            self._engine.disconnect(token)
        if not done:
            raise TtsError(f"espeak-ng did not finish speaking within {SYNTHESIS_TIMEOUT_S:.0f} s")
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


def make_synthesizer(config: TtsConfig) -> Synthesizer:
    if config.engine == "piper":
        return PiperSynthesizer(config.piper_voice)
    return Pyttsx3Synthesizer(config.voice, config.rate)
