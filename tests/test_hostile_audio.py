"""Hostile audio (issue 36): WAV headers that ask for gigabytes, files without samples or far
too long, and silence or noise, which must end as "I didn't hear a question", never as an
answer (`ask --audio` and the daemon)."""

from __future__ import annotations

import dataclasses
import re
import struct
import tracemalloc
import wave
from pathlib import Path

import numpy as np
import pytest
from pink_noise import pink_noise
from support.fakes import ScriptedMicrophone, make_daemon, press, running, wait_for
from support.library import LIBRARY_DOCS
from support.oracle import oracle_engine

import assistant.answering.answerer as answering
from assistant.cli.main import main
from assistant.service.daemon import NOTHING_HEARD
from assistant.voice.audio import QUESTION_SECONDS, SAMPLE_RATE, AudioError, read_wav_16k


def wav_header(rate: int, channels: int, width: int, data_bytes: int) -> bytes:
    """A canonical 44-byte PCM WAV header that declares `data_bytes` of samples."""
    byte_rate = rate * channels * width % 2**32
    fmt = struct.pack("<HHIIHH", 1, channels, rate, byte_rate, channels * width, 8 * width)
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", data_bytes)
    )


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.clip(samples, -32768, 32767).astype(np.int16).tobytes())
    return path


# name -> (the file's bytes, the start of the refusal)
BAD_WAVS = {
    # a 64 KB file at 1 Hz resampled to 16 kHz was 4 GB
    "one hertz": (wav_header(1, 1, 2, 65536) + bytes(65536), "a sample rate of 1 Hz"),
    "no samples": (wav_header(16000, 1, 2, 0), "holds no audio (0 samples)"),
    "half a sample": (wav_header(16000, 1, 2, 1) + b"\0", "holds no audio (0 samples)"),
    "zero rate": (wav_header(0, 1, 2, 3200) + bytes(3200), "a sample rate of 0 Hz"),
    "huge rate": (wav_header(4_000_000_000, 1, 2, 3200) + bytes(3200), "a sample rate of"),
    "hundreds of channels": (wav_header(16000, 300, 2, 6000) + bytes(6000), "300 channels"),
    "8-bit": (wav_header(16000, 1, 1, 3200) + bytes(3200), "needs 16-bit PCM, has 8-bit"),
    "ten minutes": (
        wav_header(16000, 1, 2, 600 * 32000) + bytes(600 * 32000),
        f"600 s of audio; a question may be at most {QUESTION_SECONDS:.0f} s",
    ),
    "not a wav": (b"not audio at all", "not a readable WAV file"),
}


@pytest.mark.parametrize("name", sorted(BAD_WAVS))
def test_a_bad_wav_is_refused_before_anything_is_allocated(tmp_path: Path, name: str) -> None:
    data, message = BAD_WAVS[name]
    path = tmp_path / "q.wav"
    path.write_bytes(data)
    tracemalloc.start()
    try:
        with pytest.raises(AudioError, match=f"^{re.escape(f'{path}: {message}')}"):
            read_wav_16k(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * len(data) + (1 << 20)


def test_a_header_that_declares_more_than_the_file_holds_reads_what_is_there(
    tmp_path: Path,
) -> None:
    """A recording cut short (its header still declares 2 GB): the samples it holds, read
    without allocating what the header declares."""
    path = tmp_path / "q.wav"
    path.write_bytes(wav_header(16000, 1, 2, 2**31) + bytes(3201))
    tracemalloc.start()
    try:
        pcm = read_wav_16k(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(pcm) == 3200
    assert peak < 1 << 20


def test_a_stereo_44k_file_is_resampled(tmp_path: Path) -> None:
    path = tmp_path / "q.wav"
    samples = np.zeros((44100, 2), dtype=np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(samples.tobytes())
    assert len(read_wav_16k(path)) == 2 * SAMPLE_RATE


@pytest.mark.parametrize("name", ["no samples", "ten minutes", "one hertz"])
def test_ask_audio_refuses_a_bad_wav_in_one_line(tmp_path: Path, capsys, name: str) -> None:
    data, message = BAD_WAVS[name]
    path = tmp_path / "q.wav"
    path.write_bytes(data)
    with pytest.raises(SystemExit) as exited:  # refused when the arguments are parsed
        main(["ask", "--docs", str(LIBRARY_DOCS), "--audio", str(path)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def noise(seconds: float) -> np.ndarray:
    return 3000 * pink_noise(int(seconds * SAMPLE_RATE), np.random.default_rng(36))


QUIET = {
    "silence": lambda: np.zeros(5 * SAMPLE_RATE),  # heard as "dog", confidence 1.00
    "noise": lambda: noise(5),  # heard as "what whoa"
    "hiss": lambda: np.random.default_rng(36).standard_normal(5 * SAMPLE_RATE) * 30,
}


@pytest.mark.parametrize("name", sorted(QUIET))
def test_ask_audio_of_silence_or_noise_hears_no_question(
    tmp_path: Path, monkeypatch, capsys, name: str
) -> None:
    monkeypatch.setattr(
        answering, "load_reader", lambda model, threads: oracle_engine(tmp_path, {"x": "y"})
    )
    wav = write_wav(tmp_path / "q.wav", QUIET[name]())
    config = tmp_path / "c.toml"
    config.write_text('[asr]\nengine = "pocketsphinx"\n')  # the shipped Silero endpointing
    argv = ["ask", "--config", str(config), "--model", "m", "--docs", str(LIBRARY_DOCS)]
    assert main([*argv, "--audio", str(wav)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"error: I didn't hear a question in {wav}" in captured.err
    assert "Traceback" not in captured.err


def test_the_daemon_hears_no_question_in_noise(config, engine, pins, notify_socket) -> None:
    """Silero (the shipped endpointing) hears no speech in noise: no question, whatever the
    recognizer would have made of it."""
    config = dataclasses.replace(
        config, audio=dataclasses.replace(config.audio, endpointing="silero")
    )
    mic = ScriptedMicrophone(noise(3).astype(np.int16).tobytes())
    daemon, voice = make_daemon(
        config, engine, pins, notify_socket, microphone=mic, transcripts=["what whoa"]
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
    assert daemon.last_turn.answer == NOTHING_HEARD
    assert "what whoa" not in " ".join(voice.said)
