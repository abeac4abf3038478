"""What every voice shares: the `Synthesizer` interface, its error, and the check of what it
rendered."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Protocol

from assistant.errors import SetupError


class TtsError(SetupError):
    """The voice cannot be loaded or produced no audio."""


class Synthesizer(Protocol):
    def render(self, text: str, wav: Path) -> None: ...


def check_wav(wav: Path) -> None:
    """Raise `TtsError` unless `wav` is a readable WAV file with audio in it."""
    try:
        with wave.open(str(wav), "rb") as w:
            frames = w.getnframes()
    except (OSError, EOFError, wave.Error) as err:
        raise TtsError(f"speech synthesis produced no usable WAV ({err})") from None
    if frames == 0:
        raise TtsError("speech synthesis produced no audio")
