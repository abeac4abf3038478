"""Load time and answer latency of a 1,000-passage library, with the shipped models.

Takes whole training articles (the SQuAD articles of the training file first, then the
others in file order, skipping any that would overshoot) until their passages reach
`--passages`, writes them as .txt files,
loads them with `load_folder` (passages + embeddings, the real store) and times
`Answerer.answer` (query embedding, hybrid retrieval, reading the top passages) on
`--questions` of their questions, with the shipped configuration (2 threads). Wall time and
this process's CPU time are both reported: on a shared machine the wall time includes the
waits for a core; CPU time (both threads together) does not.

Usage: python bench/open_library_speed.py ../shared/data/qa-train/train.json \
           [--passages 1000] [--questions 200] [--json bench/results/open_library_speed.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.answering.answerer import Answerer, load_reader
from assistant.config import AnswerConfig, LibraryConfig
from assistant.documents.passages import split_passages
from assistant.documents.scan import Document
from assistant.qa.squad import load_examples
from assistant.retrieval.encoder import SentenceEncoder
from assistant.shelf.store import load_folder, open_library
from assistant.speech.document_speech import store_document_speech
from converter.open_articles import file_name, load_articles, write_articles

OVERSHOOT = 50  # passages over `--passages` one last article may add


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", type=Path)
    parser.add_argument("--passages", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    config = AnswerConfig()
    articles = load_articles(args.train)
    articles.sort(key=lambda a: not a[0].startswith("squad"))  # stable: SQuAD articles first
    chosen, count = [], 0
    for title, paragraphs in articles:
        if count >= args.passages:
            break
        n = len(
            split_passages(Document(file_name(title), "\n\n".join(paragraphs)), LibraryConfig())
        )
        if count + n <= args.passages + OVERSHOOT:  # skips single-article sources of thousands
            chosen.append((title, paragraphs))
            count += n
    contexts = {c for _, paragraphs in chosen for c in paragraphs}
    questions = [ex.question for ex in load_examples(args.train) if ex.context in contexts]
    step = max(1, len(questions) // args.questions)
    questions = questions[::step][: args.questions]

    encoder = SentenceEncoder(config.retriever, threads=config.threads)
    with tempfile.TemporaryDirectory() as tmp:
        write_articles(chosen, Path(tmp) / "docs")
        started, cpu_started = time.perf_counter(), time.process_time()
        summary = load_folder(
            Path(tmp) / "docs",
            Path(tmp) / "state",
            LibraryConfig(max_files=len(chosen)),
            encoder=encoder,
            extra=store_document_speech,
            progress=True,
        )
        load_s = time.perf_counter() - started
        load_cpu_s = time.process_time() - cpu_started
        library = open_library(Path(tmp) / "state", encoder)
    answerer = Answerer(
        library,
        load_reader(config.model, config.threads),
        top_k=config.top_k,
        threshold=config.threshold,
    )
    latencies, cpu = [], []
    for question in tqdm(questions, desc="answer", unit="q"):
        t0, c0 = time.perf_counter(), time.process_time()
        answerer.answer(question)
        latencies.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    lat = np.asarray(latencies)
    result = {
        "documents": len(chosen),
        "passages": summary.passages,
        "load_s": round(load_s, 1),
        "load_cpu_s": round(load_cpu_s, 1),
        "questions": len(questions),
        "top_k": config.top_k,
        "threads": config.threads,
        "latency_ms_mean": round(float(lat.mean()), 1),
        "latency_ms_p50": round(float(np.percentile(lat, 50)), 1),
        "latency_ms_p90": round(float(np.percentile(lat, 90)), 1),
        "cpu_ms_mean": round(float(np.mean(cpu)), 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "machine": f"{platform.machine()}, {platform.processor() or platform.system()}",
    }
    print("| passages | load s (CPU s) | questions | top-k | ms mean | p50 | p90 | CPU ms mean |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {result['passages']} | {result['load_s']} ({result['load_cpu_s']}) | "
        f"{result['questions']} | {result['top_k']} | {result['latency_ms_mean']} | "
        f"{result['latency_ms_p50']} | {result['latency_ms_p90']} | {result['cpu_ms_mean']} |"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
