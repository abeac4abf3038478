"""The model card's table: one row per evaluated variant, from `qa-eval --json` reports.

Usage: .venv/bin/python bench/model_table.py LABEL=REPORT.json[,CHECKPOINT] ... [--json OUT]

CHECKPOINT (a folder with model.safetensors) gives the parameter count; bundle size is the
report's model size. Prints a Markdown table: variant, params, MB, EM, F1, ms/question.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def parameter_count(checkpoint: Path) -> int:
    from safetensors import safe_open

    total = 0
    with safe_open(str(checkpoint / "model.safetensors"), framework="numpy") as f:
        for name in f.keys():  # noqa: SIM118 - safe_open is not a mapping
            shape = f.get_slice(name).get_shape()
            count = 1
            for dim in shape:
                count *= dim
            total += count
    return total


def row(spec: str) -> dict:
    label, _, rest = spec.partition("=")
    report_path, _, checkpoint = rest.partition(",")
    report = json.loads(Path(report_path).read_text())
    return {
        "variant": label,
        "params_m": round(parameter_count(Path(checkpoint)) / 1e6, 1) if checkpoint else None,
        "mb": round(report["model_bytes"] / 1e6, 1),
        "exact_match": round(report["exact_match"], 2),
        "f1": round(report["f1"], 2),
        "ms_per_question": round(report["latency_ms_mean"], 1),
        "questions": report["count"],
        "threads": report["threads"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", metavar="LABEL=REPORT.json[,CHECKPOINT]")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = [row(spec) for spec in args.variants]
    print("| variant | params (M) | bundle MB | EM | F1 | ms/question (threads) |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        params = "" if r["params_m"] is None else f"{r['params_m']}"
        print(
            f"| {r['variant']} | {params} | {r['mb']} | {r['exact_match']:.2f} | {r['f1']:.2f} | "
            f"{r['ms_per_question']} ({r['threads']}) |"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
