"""pyttsx3 (espeak-ng), the default voice: pyttsx3 starts espeak-ng and selects the voice and
rate. Its own ways of producing sound are not used, because neither is reliable:
- its playback returns before the sound ends and hides player failures;
- its `save_to_file` writes the WAV when espeak-ng reports the end of the *message*, an event
  that can arrive before the last (or, for a short answer, the only) block of samples has been
  handed over, so the file sometimes lacks the end of the speech or holds no audio at all.
So rendering takes the samples itself through pyttsx3's binding of libespeak-ng: it collects
every block and waits for espeak-ng's end-of-data marker (a callback with no samples and an
empty event list, sent by the synthesis thread after its last block), then writes the file.
"""

from __future__ import annotations

import ctypes
import threading
import wave
from pathlib import Path

from assistant.config import TtsConfig
from assistant.voice.synthesis import TtsError, check_wav

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
    """espeak-ng through pyttsx3, with the [tts] `voice` and `rate`."""

    def __init__(self, settings: TtsConfig) -> None:
        global _capture
        voice, rate = settings.voice, settings.rate
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
        check_wav(wav)
