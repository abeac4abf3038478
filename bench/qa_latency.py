"""Latency of one QA model in every form we ship or used to ship, on the same questions.

Builds DistilBERT-base-distilled-squad's exact architecture from its config with random
weights (no weights exist offline: the figures are speed and size, not accuracy), then times,
per question over the same SQuAD questions and 2 threads:

  seed          transformers TF model, eager, padded to 384, argmax(start)/argmax(end)
  pytorch-fp32  PyTorch through the QA engine (windows at real length)
  tflite-fp32   TFLite float32, padded to 384
  tflite-fp16   TFLite float16 weights, padded to 384
  int8-padded   TFLite dynamic-range int8, padded to 384
  int8-dynamic  TFLite dynamic-range int8 at real length (rounded up to 32) - what the Pi runs

Usage: .venv/bin/python bench/qa_latency.py [--questions 40] [--threads 2] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CONFIG_DIR = SHARED / "models" / "distilbert-base-uncased-distilled-squad"
SQUAD = SHARED / "data" / "squad-v1.1" / "dev-public.json"
PAD = 384


def build_checkpoint(folder: Path) -> Path:
    import torch
    from transformers import DistilBertConfig, DistilBertForQuestionAnswering

    torch.manual_seed(0)
    config = DistilBertConfig.from_pretrained(CONFIG_DIR)
    DistilBertForQuestionAnswering(config).save_pretrained(folder)
    for name in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        (folder / name).write_bytes((CONFIG_DIR / name).read_bytes())
    return folder


def time_per_question(answer: Callable[[str, str], object], examples) -> list[float]:
    answer(examples[0].question, examples[0].context)  # warm-up (allocations, caches)
    times = []
    for ex in examples:
        t0 = time.perf_counter()
        answer(ex.question, ex.context)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def seed_method(folder: Path, tokenizer, threads: int) -> Callable[[str, str], object]:
    """The naive baseline: TF eager, every window padded to 384, argmax start and end."""
    import tensorflow as tf
    from transformers import TFAutoModelForQuestionAnswering

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    model = TFAutoModelForQuestionAnswering.from_pretrained(folder, from_pt=True)

    def answer(question: str, context: str) -> str:
        best = ""
        for w in tokenizer.windows(question, context):
            ids = np.zeros((1, PAD), np.int32)
            mask = np.zeros((1, PAD), np.int32)
            ids[0, : len(w)] = w.input_ids
            mask[0, : len(w)] = 1
            out = model(input_ids=ids, attention_mask=mask, training=False)
            s, e = int(np.argmax(out.start_logits[0])), int(np.argmax(out.end_logits[0]))
            best = context[w.offsets[s, 0] : w.offsets[e, 1]] if s < len(w) and e < len(w) else ""
        return best

    return answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "qa_latency.json")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import torch

    from assistant.qa.engine import QAEngine
    from assistant.qa.runner import TFLiteRunner
    from assistant.qa.squad import load_examples
    from converter.export import export_tflite, tensor_names
    from converter.source import checkpoint_tokenizer, resolve_source
    from converter.torch_runner import TorchQARunner, load_torch_model

    torch.set_num_threads(args.threads)
    examples = load_examples(SQUAD, limit=args.questions)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = build_checkpoint(Path(tmp) / "distilbert")
        source = resolve_source(str(folder))
        tokenizer = checkpoint_tokenizer(source)
        windows = sum(len(tokenizer.windows(e.question, e.context)) for e in examples)

        def add(name: str, answer, size_bytes: int) -> None:
            times = np.asarray(time_per_question(answer, examples))
            rows.append(
                {
                    "variant": name,
                    "size_mb": round(size_bytes / 1e6, 1),
                    "ms_mean": round(float(times.mean()), 1),
                    "ms_p50": round(float(np.percentile(times, 50)), 1),
                    "ms_p90": round(float(np.percentile(times, 90)), 1),
                    "ms_per_window": round(float(times.sum() / windows), 1),
                }
            )
            print(f"  {name}: {rows[-1]['ms_mean']} ms/question", flush=True)

        weights = (folder / source.weights).stat().st_size
        add(
            "seed (TF eager, pad 384, argmax)",
            seed_method(folder, tokenizer, args.threads),
            weights,
        )
        torch_engine = QAEngine(tokenizer, TorchQARunner(load_torch_model(source)))
        add("pytorch-fp32 (real length)", torch_engine.answer, weights)

        for quantization, pad_to, label in (
            ("none", PAD, "tflite-fp32 (pad 384)"),
            ("float16", PAD, "tflite-fp16 (pad 384)"),
            ("dynamic", PAD, "tflite-int8-dynamic (pad 384)"),
            ("dynamic", None, "tflite-int8-dynamic (real length)"),
        ):
            model = Path(tmp) / f"{quantization}.tflite"
            if not model.exists():
                print(f"  converting {quantization} ...", flush=True)
                model.write_bytes(export_tflite(source, quantization=quantization))
            inputs, outputs = tensor_names(source.architecture)
            runner = TFLiteRunner(
                model,
                inputs=inputs,
                outputs=outputs,
                threads=args.threads,
                pad_to=pad_to,
            )
            add(label, QAEngine(tokenizer, runner).answer, model.stat().st_size)

    print_table(rows, args, windows, len(examples))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "model": "distilbert-base-uncased-distilled-squad architecture, random weights",
        "questions": len(examples),
        "windows": windows,
        "threads": args.threads,
        "machine": f"{platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()}",
        "rows": rows,
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {args.json}")
    return 0


def print_table(rows: list[dict], args: argparse.Namespace, windows: int, questions: int) -> None:
    print(f"\n{questions} SQuAD dev questions ({windows} windows), {args.threads} threads")
    header = f"{'variant':36} {'MB':>7} {'ms/q mean':>10} {'p50':>8} {'p90':>8} {'ms/window':>10}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['variant']:36} {r['size_mb']:7.1f} {r['ms_mean']:10.1f} {r['ms_p50']:8.1f} "
            f"{r['ms_p90']:8.1f} {r['ms_per_window']:10.1f}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
