"""Piper: a neural voice file (`tts.piper_voice`, an .onnx with its .onnx.json next to it)."""

from __future__ import annotations

import wave
from pathlib import Path

from assistant.voice.synthesis import TtsError, check_wav


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
