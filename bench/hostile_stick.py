"""How long and how much memory a load of the hostile mixed stick takes, and how long a question
over pathological passages takes with the shipped model.

The stick is `bench/hostile_files.mixed_stick`: every hostile file of issue 18 (a .docx zip bomb,
malformed .docx, PDFs with unsupported filters, random bytes, printable noise, a 1 MB paragraph
without spaces, a comma-separated megabyte of numbers, BOM-less UTF-16) and issue 36 (HTML
nested 200,000 deep, 100,000 unclosed tags, a tag of 20,000 attributes, Markdown of 120,000
unclosed emphasis and link openers, CP1251 HTML that declares it), the three test documents, a
latin-1 file name and 2,000 small notes. Each load runs `qa-assistant load` in a fresh process
(`assistant.cli.main`), as a user would; its wall time includes Python's start-up, its peak
memory is the child's VmHWM.

The question runs the shipped bundle (1 thread) over 20 passages of 100,000 characters without
a space (what a library loaded before passages were bounded can hold) with the default budget.

Usage: .venv/bin/python bench/hostile_stick.py [--runs 3] [--json bench/results/hostile_stick.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hostile_files import mixed_stick

ROOT = Path(__file__).resolve().parents[1]

# `qa-assistant load`, then its own peak memory: VmHWM (ru_maxrss would include the parent's,
# which Linux carries over into a child across fork and exec)
_CHILD = """
import re, sys
from pathlib import Path
from assistant.cli.main import main
code = main(sys.argv[1:])
status = Path("/proc/self/status").read_text()
print("peak_kb", re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1), file=sys.stderr)
sys.exit(code)
"""


def load_once(stick: Path, state: Path) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, "load", "--state-dir", str(state), str(stick)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    seconds = time.perf_counter() - started
    peak_kb = int(done.stderr.rsplit("peak_kb", 1)[1])
    lines = done.stdout.splitlines()
    return {"seconds": round(seconds, 2), "peak_mb": round(peak_kb / 1024, 1), "summary": lines}


def question_over_pathological_passages() -> dict:
    from assistant.answering.answerer import Answerer
    from assistant.config import DEFAULT_MODEL
    from assistant.documents.collection import Collection
    from assistant.documents.passages import Passage
    from assistant.qa.engine import QAEngine
    from assistant.retrieval.index import Library

    engine = QAEngine.from_bundle(DEFAULT_MODEL, threads=1)
    text = "The pump " + "ab," * 33_000
    passages = [Passage(f"p{n}.md", 1, text) for n in range(20)]
    library = Library([Collection("pump", passages, {})])
    answer = Answerer(library, engine, top_k=20, threshold=0.0).answer("Where is the pump?")
    return {"passages": 20, "characters_each": len(text), "timings_ms": answer.timings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=ROOT / "bench/results/hostile_stick.json")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        stick = Path(tmp) / "stick"
        mixed_stick(stick, ROOT / "tests/data/assistant/library")
        for n in range(args.runs):
            runs.append(load_once(stick, Path(tmp) / f"state{n}"))
    question = question_over_pathological_passages()
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_seconds_median": statistics.median(r["seconds"] for r in runs),
        "load_seconds_max": max(r["seconds"] for r in runs),
        "peak_mb_max": max(r["peak_mb"] for r in runs),
        "summary": runs[0]["summary"],
        "question": question,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print("| measure | value |\n|---|---|")
    print(f"| mixed stick load, median of {args.runs} (s) | {result['load_seconds_median']:.1f} |")
    print(f"| mixed stick load, slowest (s) | {result['load_seconds_max']:.1f} |")
    print(f"| peak memory of a load (MB) | {result['peak_mb_max']:.0f} |")
    total_ms = question["timings_ms"]["total_ms"]
    print(f"| question over 20 pathological passages (ms) | {total_ms:.0f} |")
    print("\n" + "\n".join(runs[0]["summary"]))


if __name__ == "__main__":
    main()
