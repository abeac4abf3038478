"""`qa-eval TARGET --squad FILE`: EM/F1, latency and memory of a bundle or a checkpoint.

With `--open`, the open-document benchmark (`converter.open_eval`): the file's articles are
loaded as documents and each question is answered without its paragraph.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from assistant.config import DEFAULT_RETRIEVER, AnswerConfig
from assistant.errors import LibraryError
from assistant.qa.bundle import BUNDLE_JSON, MODEL_FILE, BundleError
from assistant.qa.engine import QAEngine
from assistant.qa.evaluation import evaluate
from assistant.qa.squad import SquadFormatError, load_examples
from assistant.retrieval.encoder import SentenceEncoder
from converter.errors import ConvertError
from converter.open_eval import evaluate_open

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
    p.add_argument("--open", action="store_true", help="answer from the articles, not paragraphs")
    p.add_argument(
        "--held-out-articles",
        type=int,
        default=0,
        metavar="N",
        help="--open: do not load N articles, ask their questions too (false-answer rate)",
    )
    p.add_argument("--top-k", type=int, default=AnswerConfig.top_k, help="--open: passages read")
    p.add_argument(
        "--threshold",
        type=float,
        help="--open: not-found score (default: answer.threshold, or answer.bm25_threshold "
        "for BM25 only)",
    )
    p.add_argument(
        "--retriever",
        default=DEFAULT_RETRIEVER,
        metavar="BUNDLE",
        help='--open: sentence-encoder bundle ("" = BM25 only)',
    )
    return p


def _threshold(args: argparse.Namespace) -> float:
    """--threshold, else the shipped default for the retriever given (none: BM25 only)."""
    if args.threshold is not None:
        return args.threshold
    return AnswerConfig().not_found_threshold(bool(args.retriever))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ INFO/WARNING lines
    try:
        engine, kind, size = _load(args)
        if args.open:
            report = evaluate_open(
                engine,
                SentenceEncoder(args.retriever, threads=args.threads) if args.retriever else None,
                args.squad,
                held_out=args.held_out_articles,
                top_k=args.top_k,
                threshold=_threshold(args),
                limit=args.limit,
                progress=not args.no_progress,
            )
        else:
            examples = load_examples(args.squad, limit=args.limit)
            report = evaluate(engine, examples, progress=not args.no_progress, desc=kind)
    except (BundleError, ConvertError, SquadFormatError, LibraryError, ValueError) as err:
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
