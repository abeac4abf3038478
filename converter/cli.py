"""`qa-convert SOURCE --out DIR`: a Hugging Face QA checkpoint -> a validated TFLite bundle."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from assistant.qa.bundle import MODEL_FILE, VOCAB_FILE, BundleError, BundleInfo
from assistant.qa.runner import TFLiteRunner
from assistant.qa.squad import SquadFormatError, load_examples
from converter import __version__
from converter.bundle_writer import check_output_free, staged_bundle, write_bundle_json
from converter.errors import ConvertError
from converter.export import QUANTIZATIONS, export_tflite, tensor_names
from converter.progress import Stages
from converter.source import Source, checkpoint_tokenizer, resolve_source

EXIT_USER_ERROR = 2
EXIT_VALIDATION_FAILED = 3


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="qa-convert",
        description="Convert a Hugging Face extractive-QA checkpoint (BERT or DistilBERT) into "
        "a quantized TensorFlow Lite bundle for the Raspberry Pi, optionally validated on SQuAD.",
    )
    p.add_argument("source", help="checkpoint folder, or a hub id (needs internet)")
    p.add_argument(
        "--out", required=True, type=Path, help="bundle folder to create (and its parents)"
    )
    p.add_argument("--quantize", choices=QUANTIZATIONS, default="dynamic")
    p.add_argument("--max-seq-len", type=int, default=384)
    p.add_argument("--doc-stride", type=int, default=128)
    p.add_argument("--validate", type=Path, metavar="SQUAD.json", help="validate on this file")
    p.add_argument("--limit", type=int, default=200, help="questions used to validate")
    p.add_argument("--max-f1-drop", type=float, default=1.0)
    p.add_argument("--calibration", type=Path, metavar="SQUAD.json", help="for --quantize int8")
    p.add_argument("--calibration-size", type=int, default=200, help="windows for int8 calibration")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--force", action="store_true", help="replace an existing --out folder")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ INFO/WARNING lines
    try:
        return convert(args)
    except (ConvertError, BundleError, SquadFormatError) as err:
        print(f"qa-convert: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR


def convert(args: argparse.Namespace) -> int:
    out: Path = args.out.expanduser().absolute()
    check_output_free(out, force=args.force)
    stages = Stages(5 if args.validate else 4)
    with stages.stage("resolving", args.source):
        source = resolve_source(args.source)
        tokenizer = checkpoint_tokenizer(source, args.max_seq_len, args.doc_stride)
        calibration = []
        if args.quantize == "int8":
            if args.calibration is None:
                raise ConvertError("--quantize int8 needs --calibration SQUAD.json")
            calibration = _calibration_windows(tokenizer, args.calibration, args.calibration_size)
        examples = load_examples(args.validate, limit=args.limit) if args.validate else []

    with stages.stage("converting", f"{source.architecture} ({source.weights}), {args.quantize}"):
        tflite = export_tflite(
            source,
            quantization=args.quantize,
            max_seq_len=args.max_seq_len,
            calibration=calibration,
        )
    print(f"  {len(tflite) / 1e6:.1f} MB")

    with staged_bundle(out, force=args.force) as stage:
        with stages.stage("checking", "the TFLite model's ops"):
            (stage / MODEL_FILE).write_bytes(tflite)
            (stage / VOCAB_FILE).write_bytes(source.vocab.read_bytes())
            inputs, outputs = tensor_names(source.architecture)
            runner = TFLiteRunner(
                stage / MODEL_FILE, inputs=inputs, outputs=outputs, threads=args.threads
            )
            ops = runner.op_names()
        not_builtin = [op for op in ops if op.startswith("Flex") or op == "CUSTOM"]
        if not_builtin:
            raise ConvertError(
                f"the model uses non-builtin ops {not_builtin}: not runnable on the Pi"
            )
        print(f"  ops: {', '.join(ops)}")
        validation = None
        if examples:
            with stages.stage(
                "validating", f"against the source model on {len(examples)} questions"
            ):
                validation = _validate(source, tokenizer, runner, examples, args)
        with stages.stage("writing", str(out)):
            info = write_bundle_json(
                stage,
                BundleInfo(
                    architecture=source.architecture,
                    max_seq_len=args.max_seq_len,
                    lowercase=source.lowercase,
                    signature="serving_default",
                    inputs=inputs,
                    outputs=outputs,
                    quantization=args.quantize,
                    source=args.source,
                    converter_version=__version__,
                    files={},
                    doc_stride=args.doc_stride,
                    max_query_len=tokenizer.max_query_len,
                    validation=validation,
                    extra={"ops": ops, "dynamic_length": runner.dynamic},
                ),
            )
    _step("written", f"{out} ({', '.join(sorted(info.files))}, bundle.json)")
    if validation and not validation["passed"]:
        print(
            f"qa-convert: validation FAILED: F1 dropped {validation['f1_drop']:.2f} points "
            f"(> {args.max_f1_drop}); the bundle is marked as failed in bundle.json",
            file=sys.stderr,
        )
        return EXIT_VALIDATION_FAILED
    return 0


def _calibration_windows(tokenizer, path: Path, size: int) -> list:
    windows = []
    for ex in load_examples(path):
        windows.extend(tokenizer.windows(ex.question, ex.context))
        if len(windows) >= size:
            break
    return windows[:size]


def _validate(source: Source, tokenizer, runner: TFLiteRunner, examples, args) -> dict:
    from converter.torch_runner import TorchQARunner, load_torch_model
    from converter.validate import validate

    result = validate(
        tokenizer,
        TorchQARunner(load_torch_model(source)),
        runner,
        examples,
        max_f1_drop=args.max_f1_drop,
    )
    logits = result["logits"]
    print(
        f"  logits: cosine mean {logits['cosine_mean']:.5f} min {logits['cosine_min']:.5f}, "
        f"max |diff| {logits['max_abs_diff']:.4f}, argmax agreement start "
        f"{logits['start_argmax_agreement']:.3f} end {logits['end_argmax_agreement']:.3f}\n"
        f"  source EM {result['source']['em']:.2f} F1 {result['source']['f1']:.2f}  |  "
        f"tflite EM {result['tflite']['em']:.2f} F1 {result['tflite']['f1']:.2f}  |  "
        f"F1 drop {result['f1_drop']:.2f} (max {args.max_f1_drop})"
    )
    return result


def _step(what: str, detail: str) -> None:
    print(f"qa-convert: {what}: {detail}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
