"""Short generated tones that frame a turn: "listening" (rising), "done" (falling), "failed" (low).

Each tone is a few sine notes with 10 ms fades (no clicks), 16-bit mono, written once as WAV
files so they play through the same `AudioOutput.play` as speech (volume included). No asset
files ship with the project.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 22050
FADE_SECONDS = 0.01
LEVEL = 0.25  # of full scale: audible, well below speech peaks

# name -> notes (frequency in Hz, seconds)
TONES: dict[str, tuple[tuple[float, float], ...]] = {
    "listening": ((660.0, 0.07), (990.0, 0.09)),
    "done": ((880.0, 0.07), (660.0, 0.09)),
    "failed": ((330.0, 0.12), (247.0, 0.2)),
}


def tone_samples(name: str) -> np.ndarray:
    """The int16 samples of tone `name` (KeyError for an unknown name)."""
    parts = []
    fade = int(FADE_SECONDS * RATE)
    for frequency, seconds in TONES[name]:
        t = np.arange(int(seconds * RATE)) / RATE
        note = np.sin(2 * np.pi * frequency * t)
        envelope = np.ones_like(note)
        envelope[:fade] = np.linspace(0.0, 1.0, fade)
        envelope[-fade:] = np.linspace(1.0, 0.0, fade)
        parts.append(note * envelope)
    return (np.concatenate(parts) * LEVEL * 32767).astype(np.int16)


def write_tones(folder: Path) -> dict[str, Path]:
    """Every tone as `<folder>/<name>.wav`; returns name -> path."""
    paths = {}
    for name in TONES:
        path = folder / f"{name}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(tone_samples(name).tobytes())
        paths[name] = path
    return paths
