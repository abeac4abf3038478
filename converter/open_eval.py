"""The open-document benchmark: a SQuAD file's articles loaded as documents, every question
answered by the assistant's own pipeline, without being told its paragraph.

The articles are written as .txt files (`converter.open_articles`), loaded as one collection
by `assistant.shelf.shelf.Shelf` (passages, embeddings, speech data, the atomic store), opened as
the shelf's library and answered by the shelf's `Answerer`, exactly as `qa-assistant load` +
`ask` do. For the questions
of loaded articles it reports the open EM/F1 ("not found" scores 0), the same reader's EM/F1
given the gold paragraph, retriever recall@1/3/10 (a gold answer string occurs in a top-k
passage), and the answered rate. `held_out` articles are not loaded but their questions are
asked too: the false-answer rate is the share of them that get an answer instead of "not
found". Latency is `Answerer.answer`'s wall time (retrieval + reading) per question.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.answering.answerer import Answerer
from assistant.config import Config, LibraryConfig
from assistant.qa.engine import QAEngine
from assistant.qa.squad import load_examples, score
from assistant.retrieval.encoder import SentenceEncoder
from assistant.shelf.shelf import Shelf
from assistant.speech.document_speech import store_document_speech
from converter.open_articles import answer_in, held_out_titles, load_articles, write_articles

RECALL_AT = (1, 3, 10)


@dataclass
class OpenReport:
    """Scores x100 over the loaded articles' answerable questions; rates in percent."""

    questions: int
    exact_match: float
    f1: float
    gold_exact_match: float
    gold_f1: float
    recall_at_1: float
    recall_at_3: float
    recall_at_10: float
    answered_rate: float
    held_out_articles: int
    held_out_questions: int
    false_answer_rate: float | None
    latency_ms_mean: float
    latency_ms_p50: float
    latency_ms_p90: float
    passages: int
    load_s: float
    top_k: int
    threshold: float
    retriever: str
    predictions: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        lines = [
            f"{self.questions} questions, {self.passages} passages (loaded in {self.load_s:.1f} s)"
            f", top-{self.top_k}, threshold {self.threshold:g}, retriever {self.retriever}",
            f"open:  EM {self.exact_match:.2f}  F1 {self.f1:.2f}  |  gold paragraph: "
            f"EM {self.gold_exact_match:.2f}  F1 {self.gold_f1:.2f}  |  open/gold F1 "
            f"{100 * self.f1 / max(self.gold_f1, 1e-9):.1f}%",
            f"recall@1 {self.recall_at_1:.1f}  @3 {self.recall_at_3:.1f}  "
            f"@10 {self.recall_at_10:.1f}  |  answered {self.answered_rate:.1f}%",
            f"latency mean {self.latency_ms_mean:.1f} ms  p50 {self.latency_ms_p50:.1f} ms  "
            f"p90 {self.latency_ms_p90:.1f} ms",
        ]
        if self.false_answer_rate is not None:
            lines.append(
                f"held out: {self.held_out_articles} articles, {self.held_out_questions} "
                f"questions, false answers {self.false_answer_rate:.1f}%"
            )
        return "\n".join(lines)


def evaluate_open(
    engine: QAEngine,
    encoder: SentenceEncoder | None,
    squad: Path,
    *,
    held_out: int = 0,
    top_k: int = 3,
    threshold: float = 0.0,
    limit: int | None = None,
    progress: bool = True,
) -> OpenReport:
    """Load `squad`'s articles (all but `held_out`) and answer its questions (the first `limit`).

    Raises `SquadFormatError` for a bad file, `ValueError` for an impossible `held_out`.
    """
    articles = load_articles(squad)
    held_titles = held_out_titles(articles, held_out)
    held_contexts = {c for title, ps in articles if title in held_titles for c in ps}
    examples = [ex for ex in load_examples(squad, limit=limit) if ex.answers]
    with tempfile.TemporaryDirectory(prefix="qa-open-") as tmp:
        docs = Path(tmp) / "docs"
        write_articles([a for a in articles if a[0] not in held_titles], docs)
        state = Path(tmp) / "state"
        config = Config(library=LibraryConfig(state_dir=str(state), max_files=len(articles)))
        shelf = Shelf(config, encoder=encoder, extra=store_document_speech)
        started = time.perf_counter()
        summary = shelf.load(docs, name="articles", progress=progress)
        load_s = time.perf_counter() - started
        library = shelf.library()
    answerer = Answerer.from_config(
        library, engine, config.answer, top_k=top_k, threshold=threshold
    )

    predictions: dict[str, dict] = {}
    latencies: list[float] = []
    sums = np.zeros(4)  # open EM, open F1, gold EM, gold F1
    recall = np.zeros(len(RECALL_AT))
    answered = false_answers = loaded = 0
    for ex in tqdm(examples, desc="open", unit="q", disable=not progress, dynamic_ncols=True):
        is_loaded = ex.context not in held_contexts
        t0 = time.perf_counter()
        answer = answerer.answer(ex.question)
        latencies.append((time.perf_counter() - t0) * 1000.0)
        record = {"answer": answer.text, "found": answer.found, "score": answer.score}
        if is_loaded:
            loaded += 1
            answered += answer.found
            gold = engine.predict(ex.question, ex.context).span
            golds = [a.text for a in ex.answers]
            sums += (
                *score(answer.text if answer.found else "", golds),
                *score(gold.text if gold else "", golds),
            )
            hits = library.search(ex.question, max(RECALL_AT))
            first = next((i for i, h in enumerate(hits) if answer_in(h.passage.text, ex)), None)
            recall += [first is not None and first < k for k in RECALL_AT]
        else:
            false_answers += answer.found
        predictions[ex.id] = {**record, "loaded": is_loaded}
    if not loaded:
        raise ValueError(f"{squad}: no answerable question of a loaded article")
    lat = np.asarray(latencies)
    held_count = len(examples) - loaded
    return OpenReport(
        questions=loaded,
        exact_match=100 * sums[0] / loaded,
        f1=100 * sums[1] / loaded,
        gold_exact_match=100 * sums[2] / loaded,
        gold_f1=100 * sums[3] / loaded,
        recall_at_1=100 * recall[0] / loaded,
        recall_at_3=100 * recall[1] / loaded,
        recall_at_10=100 * recall[2] / loaded,
        answered_rate=100 * answered / loaded,
        held_out_articles=len(held_titles),
        held_out_questions=held_count,
        false_answer_rate=100 * false_answers / held_count if held_count else None,
        latency_ms_mean=float(lat.mean()),
        latency_ms_p50=float(np.percentile(lat, 50)),
        latency_ms_p90=float(np.percentile(lat, 90)),
        passages=summary.passages,
        load_s=load_s,
        top_k=top_k,
        threshold=threshold,
        retriever="bm25" if encoder is None else "bm25+dense",
        predictions=predictions,
    )
