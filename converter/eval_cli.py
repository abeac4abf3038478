"""`qa-eval TARGET --squad FILE`: EM/F1, latency and memory of a bundle or a checkpoint."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from assistant.qa.bundle import BUNDLE_JSON, MODEL_FILE, BundleError
from assistant.qa.engine import QAEngine
from assistant.qa.evaluation import evaluate
from assistant.qa.squad import SquadFormatError, load_examples
from converter.errors import ConvertError

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="qa-eval",
        description="Evaluate a model bundle (TFLite) or a Hugging Face checkpoint (PyTorch) "
        "on a SQuAD 1.1/2.0 file with the official v1.1 EM/F1.",
    )
    p.add_argument("target", help="bundle folder (has bundle.json) or checkpoint folder/hub id")
    p.add_argument("--squad", required=True, type=Path, help="SQuAD-format JSON file")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-seq-len", type=int, default=384, help="checkpoints only")
    p.add_argument("--doc-stride", type=int, default=128, help="checkpoints only")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the full report here")
    p.add_argument("--no-progress", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ INFO/WARNING lines
    try:
        examples = load_examples(args.squad, limit=args.limit)
        engine, kind, size = _load(args)
        report = evaluate(engine, examples, progress=not args.no_progress, desc=kind)
    except (BundleError, ConvertError, SquadFormatError) as err:
        print(f"qa-eval: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    print(f"{args.target} [{kind}, {size / 1e6:.1f} MB, {args.threads} threads]")
    print(report.summary())
    if args.json:
        result = {
            "target": args.target,
            "kind": kind,
            "model_bytes": size,
            "threads": args.threads,
            "squad": str(args.squad),
            **report.to_dict(),
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def _load(args: argparse.Namespace) -> tuple[QAEngine, str, int]:
    """(engine, "tflite" | "pytorch", model size in bytes) for the target."""
    target = Path(args.target).expanduser()
    if (target / BUNDLE_JSON).is_file():
        engine = QAEngine.from_bundle(target, threads=args.threads)
        return engine, "tflite", (target / MODEL_FILE).stat().st_size
    from converter.source import resolve_source
    from converter.torch_runner import load_checkpoint_engine

    source = resolve_source(args.target)
    engine = load_checkpoint_engine(
        source.folder,
        max_seq_len=args.max_seq_len,
        doc_stride=args.doc_stride,
        threads=args.threads,
    )
    return engine, "pytorch", (source.folder / source.weights).stat().st_size


if __name__ == "__main__":
    sys.exit(main())
