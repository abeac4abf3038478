"""Audio in and out: the microphone (sounddevice), WAV playback, and the PC-mode file
stand-ins (when a question ends: `assistant.voice.endpointing`).

Capture follows the Vosk microphone example: a PortAudio callback thread puts raw 16 kHz mono
int16 blocks of `FRAME_SAMPLES` (30 ms) into a queue that the daemon's main loop reads. The
input stream only exists inside `Microphone.open()`, which the daemon enters only while
listening - so nothing is ever recorded while the assistant speaks.

Playback writes the WAV in small blocks so the caller can stop it between blocks (a button
press while speaking); a PortAudio error raises `AudioError` instead of passing silently.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Protocol

import numpy as np

from assistant.errors import SetupError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
FRAME_SAMPLES = 480  # 30 ms: a frame size webrtcvad accepts
FRAME_BYTES = FRAME_SAMPLES * 2
STALL_SECONDS = 2.0  # no audio for this long from an open stream = the microphone is gone
# what a WAV file of a question may be (`read_wav_16k`)
QUESTION_SECONDS = 30.0
MIN_RATE, MAX_RATE = 8_000, 192_000
MAX_CHANNELS = 8


class AudioError(SetupError):
    """The microphone or speaker is missing, busy, or stopped working."""


def _sounddevice() -> ModuleType:
    try:
        import sounddevice
    except OSError as err:  # libportaudio2 missing
        raise AudioError(f"PortAudio is not available ({err}); install libportaudio2") from None
    return sounddevice


def rescan_devices() -> None:
    """Re-enumerate audio devices (PortAudio only sees devices present at initialization)."""
    sd = _sounddevice()
    with contextlib.suppress(Exception):
        sd._terminate()
    sd._initialize()


def resolve_device(name: str, kind: str) -> int:
    """The PortAudio index of the `kind` ("input"/"output") device whose name contains `name`."""
    sd = _sounddevice()
    try:
        info = sd.query_devices(name, kind)
    except (ValueError, sd.PortAudioError) as err:
        names = [d["name"] for d in sd.query_devices() if d[f"max_{kind}_channels"] > 0]
        tool = "arecord" if kind == "input" else "aplay"
        raise AudioError(
            f"{kind} device {name!r} not usable ({err}); {kind} devices here: "
            f"{', '.join(names) or 'none'}. Set audio.{kind}_device to a unique part of one "
            f"name (`{tool} -l`)"
        ) from None
    return int(info["index"])


class AudioInput(Protocol):
    def check(self) -> None: ...
    def open(self) -> contextlib.AbstractContextManager[AudioStream]: ...


class AudioStream(Protocol):
    def read(self, timeout: float) -> bytes | None: ...


class Microphone:
    """A named ALSA/PortAudio input device at 16 kHz mono int16."""

    def __init__(self, device: str) -> None:
        self.device = device

    def check(self) -> None:
        """Open and close the device once; raises `AudioError` naming the device."""
        rescan_devices()
        with self.open():
            pass

    @contextlib.contextmanager
    def open(self) -> Iterator[_QueueStream]:
        sd = _sounddevice()
        index = resolve_device(self.device, "input")
        blocks: queue.Queue[bytes] = queue.Queue()

        def callback(indata, frames, time_info, status) -> None:
            if status:
                log.debug("input status: %s", status)
            blocks.put(bytes(indata))

        try:
            stream = sd.RawInputStream(
                samplerate=SAMPLE_RATE,
                blocksize=FRAME_SAMPLES,
                device=index,
                dtype="int16",
                channels=1,
                callback=callback,
            )
            stream.start()
        except sd.PortAudioError as err:
            raise AudioError(f"microphone {self.device!r} cannot be opened ({err})") from None
        try:
            yield _QueueStream(blocks, stream)
        finally:
            with contextlib.suppress(sd.PortAudioError):
                stream.close()


class _QueueStream:
    def __init__(self, blocks: queue.Queue[bytes], stream) -> None:
        self._blocks = blocks
        self._stream = stream
        self._last = time.monotonic()

    def read(self, timeout: float) -> bytes | None:
        """The next 30 ms block, or None after `timeout`; AudioError when the device died."""
        try:
            block = self._blocks.get(timeout=timeout)
        except queue.Empty:
            if not self._stream.active or time.monotonic() - self._last > STALL_SECONDS:
                raise AudioError("the microphone stopped delivering audio (unplugged?)") from None
            return None
        self._last = time.monotonic()
        return block


class WavInput:
    """PC mode: a WAV file played as the microphone once (then silence), resampled to 16 kHz."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._pcm = b""

    def check(self) -> None:
        self._pcm = read_wav_16k(self.path)

    @contextlib.contextmanager
    def open(self) -> Iterator[_BufferStream]:
        yield _BufferStream(self._pcm)


class _BufferStream:
    def __init__(self, pcm: bytes) -> None:
        self._pcm = pcm
        self._pos = 0

    def read(self, timeout: float) -> bytes | None:
        block = self._pcm[self._pos : self._pos + FRAME_BYTES]
        self._pos += FRAME_BYTES
        return block.ljust(FRAME_BYTES, b"\0")


def read_wav_16k(path: Path, max_seconds: float | None = QUESTION_SECONDS) -> bytes:
    """A PCM WAV file as 16 kHz mono int16 bytes (channels averaged, linear resampling).

    The header is checked before anything is allocated: 16-bit samples, MIN_RATE..MAX_RATE Hz,
    1..MAX_CHANNELS channels, at least one frame, and no more than `max_seconds` of audio (None:
    no limit, for the assistant's own recordings). The frames read are those the header
    declares, but never more than the file's size can hold. Raises `AudioError` naming the
    file and what is wrong."""
    try:
        size = os.stat(path).st_size
        if not path.is_file():
            raise AudioError(f"{path}: not a regular file")
        with wave.open(str(path), "rb") as w:
            rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            if width != 2:
                raise AudioError(f"{path}: needs 16-bit PCM, has {8 * width}-bit samples")
            if not MIN_RATE <= rate <= MAX_RATE:
                raise AudioError(
                    f"{path}: a sample rate of {rate} Hz (a recording has {MIN_RATE} to "
                    f"{MAX_RATE} Hz)"
                )
            if not 1 <= channels <= MAX_CHANNELS:
                raise AudioError(f"{path}: {channels} channels (at most {MAX_CHANNELS})")
            frames = min(w.getnframes(), size // (channels * width))
            if frames == 0:
                raise AudioError(f"{path}: holds no audio (0 samples)")
            if max_seconds is not None and frames > max_seconds * rate:
                raise AudioError(
                    f"{path}: {frames / rate:.0f} s of audio; a question may be at most "
                    f"{max_seconds:.0f} s"
                )
            data = w.readframes(frames)
    except (OSError, EOFError, wave.Error) as err:
        raise AudioError(f"{path}: not a readable WAV file ({err})") from None
    data = data[: len(data) // (channels * width) * channels * width]  # whole frames only
    if not data:
        raise AudioError(f"{path}: holds no audio (0 samples)")
    samples = np.frombuffer(data, dtype=np.int16).reshape(-1, channels).mean(axis=1)
    if rate != SAMPLE_RATE:
        n = round(len(samples) * SAMPLE_RATE / rate)
        samples = np.interp(np.arange(n) * rate / SAMPLE_RATE, np.arange(len(samples)), samples)
    return np.clip(samples, -32768, 32767).astype(np.int16).tobytes()


def with_volume(pcm: bytes, volume: float) -> bytes:
    """16-bit PCM scaled by `volume` (software gain), clipped to the sample range."""
    if volume == 1.0:
        return pcm
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) * volume
    return np.clip(samples, -32768, 32767).astype(np.int16).tobytes()


class AudioOutput(Protocol):
    volume: float  # software gain of what is played from now on

    def play(self, wav: Path, interrupted: Callable[[], bool]) -> bool: ...


class Speaker:
    """Plays WAV files on a named output device at `volume` (software gain); `play` can be
    interrupted between blocks."""

    BLOCK_SECONDS = 0.05

    def __init__(self, device: str, volume: float = 1.0) -> None:
        self.device = device
        self.volume = volume

    def play(self, wav: Path, interrupted: Callable[[], bool]) -> bool:
        """Play `wav` to the end (True) or until `interrupted()` (False); AudioError on failure."""
        sd = _sounddevice()
        with wave.open(str(wav), "rb") as w:
            rate, channels = w.getframerate(), w.getnchannels()
            if w.getsampwidth() != 2:
                raise AudioError(f"{wav}: only 16-bit PCM can be played")
            data = with_volume(w.readframes(w.getnframes()), self.volume)
        block = max(1, int(rate * self.BLOCK_SECONDS)) * 2 * channels
        try:
            index = resolve_device(self.device, "output")
            # high latency: larger device buffers, so a busy CPU does not starve playback into
            # underruns (gaps in the answer); abort() still stops it at once on a press
            with sd.RawOutputStream(
                samplerate=rate, channels=channels, dtype="int16", device=index, latency="high"
            ) as stream:
                for pos in range(0, len(data), block):
                    if interrupted():
                        stream.abort()
                        return False
                    stream.write(data[pos : pos + block])
                # leaving the block stops the stream, which plays what is still buffered
        except sd.PortAudioError as err:
            raise AudioError(f"speaker {self.device!r} failed ({err})") from None
        return True


class WavOutput:
    """PC mode: everything the assistant says (tones included) is written, in order and at
    `volume`, to one 16 kHz mono WAV file instead of being played."""

    def __init__(self, path: str | Path, volume: float = 1.0) -> None:
        self.path = Path(path)
        self.volume = volume
        self._said = bytearray()

    def play(self, wav: Path, interrupted: Callable[[], bool]) -> bool:
        self._said += with_volume(read_wav_16k(wav, max_seconds=None), self.volume)
        try:
            with wave.open(str(self.path), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(SAMPLE_RATE)
                out.writeframes(self._said)
        except OSError as err:
            raise AudioError(f"{self.path}: cannot write ({err.strerror})") from None
        log.debug("written to %s", self.path)
        return True
