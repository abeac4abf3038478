"""``qa-distill``: split, init-student, mlm, squad (task distillation), finetune, retriever.

Every training command takes the same run options (sequence length, epochs/steps, lr, batch,
seed, checkpoints, --resume, precision) and runs unchanged under ``torchrun`` or
``accelerate launch``. User errors print ``error: ...`` and exit with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from distill.errors import DistillError


def _run_options(
    p: argparse.ArgumentParser,
    *,
    max_seq_len: int,
    doc_stride: int | None,
    lr: float,
    batch_size: int,
    grad_accum: int,
    epochs: int,
    warmup: float,
    max_grad_norm: float,
    adam_eps: float,
) -> None:
    p.add_argument("--out", required=True, help="output folder (final model, logs, checkpoints)")
    p.add_argument("--max-seq-len", type=int, default=max_seq_len, help="tokens per sequence")
    if doc_stride is not None:
        p.add_argument(
            "--doc-stride",
            type=int,
            default=doc_stride,
            help="overlap, in tokens, between consecutive windows/chunks of a long text",
        )
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--max-steps", type=int, help="optimizer steps (overrides --epochs)")
    p.add_argument("--lr", type=float, default=lr, help="peak learning rate")
    p.add_argument(
        "--batch-size", type=int, default=batch_size, help="per process, per micro-batch"
    )
    p.add_argument("--grad-accum", type=int, default=grad_accum, help="micro-batches per step")
    p.add_argument("--warmup", type=float, default=warmup, help="warmup fraction of the steps")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--adam-eps", type=float, default=adam_eps)
    p.add_argument("--max-grad-norm", type=float, default=max_grad_norm, help="0: no clipping")
    p.add_argument("--seed", type=int, default=56)
    p.add_argument("--limit", type=int, help="use only the first N training texts/questions")
    p.add_argument("--save-every", type=int, default=0, help="checkpoint every N steps (0: never)")
    p.add_argument(
        "--resume", help="checkpoint folder, or an output folder (its newest checkpoint)"
    )
    p.add_argument(
        "--precision",
        choices=("auto", "no", "bf16", "fp16"),
        default="auto",
        help="mixed precision; auto: bf16 (or fp16) on GPU, fp32 on CPU",
    )


def _qa_options(p: argparse.ArgumentParser) -> None:
    _run_options(
        p,
        max_seq_len=384,
        doc_stride=128,
        lr=3e-5,
        batch_size=16,
        grad_accum=1,
        epochs=2,
        warmup=0.1,
        max_grad_norm=1.0,
        adam_eps=1e-8,
    )
    p.add_argument("--train", required=True, help="SQuAD 1.1/2.0 training file")
    p.add_argument("--max-query-len", type=int, default=64)
    p.add_argument(
        "--max-negative-windows",
        type=int,
        help="keep at most N answer-less windows per question (default: all)",
    )
    p.add_argument("--eval", help="SQuAD file to report EM/F1 on after training")
    p.add_argument("--eval-limit", type=int, help="evaluate on the first N questions only")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa-distill", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("split", help="split a SQuAD file into train and held-out parts")
    p.add_argument("file", help="SQuAD 1.1/2.0 file")
    p.add_argument("--out-dir", required=True, help="gets train.json and holdout.json")
    p.add_argument("--holdout", type=float, default=0.05, help="fraction of questions held out")
    p.add_argument("--seed", type=int, default=0)

    p = sub.add_parser(
        "distractors", help="add each question asked against BM25 passages that do not answer it"
    )
    p.add_argument("file", help="SQuAD 1.1/2.0 training file")
    p.add_argument("--out", required=True, help="the file plus its distractor questions")
    p.add_argument("--per-question", type=int, default=1, help="distractors per question")

    p = sub.add_parser(
        "entries", help="add short-answer questions asked against lists of 'term — text' entries"
    )
    p.add_argument("file", help="SQuAD 1.1/2.0 training file")
    p.add_argument("--out", required=True, help="the file plus its entry-list questions")
    p.add_argument("--per-question", type=int, default=1, help="lists each question is asked in")
    p.add_argument("--seed", type=int, default=0)

    p = sub.add_parser(
        "household",
        help="add questions asked against generated table rows, field lines, lists and notices",
    )
    p.add_argument("file", help="SQuAD 1.1/2.0 training file")
    p.add_argument("--out", required=True, help="the kept questions plus the household ones")
    p.add_argument("--passages", type=int, default=2000, help="household passages to generate")
    p.add_argument(
        "--keep", type=int, help="keep about N questions of FILE, whole paragraphs (default: all)"
    )
    p.add_argument("--seed", type=int, default=0)

    p = sub.add_parser(
        "from-bundle", help="a trainable model folder from a BERT TFLite QA bundle's weights"
    )
    p.add_argument("bundle", help="TFLite QA bundle folder (model.tflite, vocab.txt, bundle.json)")
    p.add_argument("--config-from", required=True, help="folder with the base model's config.json")
    p.add_argument("--out", required=True)

    p = sub.add_parser("init-student", help="a student from a subset of the teacher's layers")
    p.add_argument("--teacher", required=True, help="BERT or DistilBERT model folder")
    p.add_argument("--out", required=True)
    p.add_argument(
        "--layers",
        help="teacher layers to keep, e.g. 0,2,4,7,9,11 (default: every other; "
        "0,2,4,7,9,11 for 12 layers)",
    )
    p.add_argument("--student-type", choices=("distilbert", "bert"), default="distilbert")
    p.add_argument(
        "--random-init",
        action="store_true",
        help="same architecture, random weights (ablation: what the teacher's layers buy)",
    )
    p.add_argument("--seed", type=int, default=56, help="for --random-init")

    p = sub.add_parser("mlm", help="general distillation with the triple loss")
    p.add_argument("--teacher", required=True, help="masked-LM teacher folder")
    p.add_argument("--student", required=True, help="student folder (e.g. from init-student)")
    p.add_argument("--data", required=True, nargs="+", help="UTF-8 text files, one text a line")
    _run_options(
        p,
        max_seq_len=512,
        doc_stride=0,
        lr=5e-4,
        batch_size=5,
        grad_accum=50,
        epochs=3,
        warmup=0.05,
        max_grad_norm=5.0,
        adam_eps=1e-6,
    )
    p.add_argument("--temperature", type=float, default=2.0)
    p.add_argument("--alpha-ce", type=float, default=5.0, help="soft-target KL weight")
    p.add_argument("--alpha-mlm", type=float, default=2.0, help="MLM cross-entropy weight")
    p.add_argument("--alpha-cos", type=float, default=1.0, help="hidden-state cosine weight")
    p.add_argument("--mlm-prob", type=float, default=0.15, help="fraction of tokens to predict")
    p.add_argument(
        "--mask-probs",
        type=float,
        nargs=3,
        default=[0.8, 0.1, 0.1],
        metavar=("MASK", "KEEP", "RANDOM"),
        help="what becomes of a token to predict",
    )
    p.add_argument("--mlm-smoothing", type=float, default=0.7, help="masking weight count^-s")
    p.add_argument(
        "--restrict-ce-to-mask",
        action="store_true",
        help="KL only over the masked positions (default: all non-pad positions)",
    )

    p = sub.add_parser("squad", help="task distillation for extractive QA")
    p.add_argument("--teacher", required=True, help="QA teacher folder")
    p.add_argument("--student", required=True, help="student folder")
    _qa_options(p)
    p.add_argument("--temperature", type=float, default=2.0)
    p.add_argument("--alpha-ce", type=float, default=0.5, help="soft-target KL weight")
    p.add_argument("--alpha-squad", type=float, default=0.5, help="gold-span CE weight")
    p.add_argument("--alpha-cos", type=float, default=0.0, help="hidden cosine (equal widths)")
    p.add_argument(
        "--cache-teacher-logits",
        action="store_true",
        help="compute the teacher's logits once, cache them in OUT/teacher_logits.pt",
    )

    p = sub.add_parser("finetune", help="plain QA fine-tuning (no teacher)")
    p.add_argument("--model", required=True, help="BERT/DistilBERT folder, with or without QA head")
    _qa_options(p)
    p.add_argument(
        "--shared-norm",
        action="store_true",
        help="train on each question's answer window and a BM25 distractor window, one span "
        "softmax over both (shared normalization) plus each window's own loss",
    )

    p = sub.add_parser(
        "retriever", help="train a sentence encoder on questions, paragraphs and hard negatives"
    )
    p.add_argument("--model", required=True, help="BERT sentence encoder folder (mean pooling)")
    p.add_argument("--train", required=True, help="SQuAD 1.1/2.0 training file")
    p.add_argument("--max-query-len", type=int, default=64, help="question tokens")
    p.add_argument("--scale", type=float, default=20.0, help="cosine scale of the ranking loss")
    _run_options(
        p,
        max_seq_len=256,
        doc_stride=None,
        lr=2e-5,
        batch_size=32,
        grad_accum=1,
        epochs=1,
        warmup=0.1,
        max_grad_norm=1.0,
        adam_eps=1e-6,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # PyTorch only: keep transformers from importing TensorFlow (seconds, and log noise).
    os.environ.setdefault("USE_TF", "0")
    from distill import commands

    try:
        commands.run(args)
    except DistillError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
