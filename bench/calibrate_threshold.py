"""Choose how the assistant picks an answer across passages and when it says "not found".

On held-out TRAINING articles (bench/open_holdout.py; never the dev set), in 4 rotations:
rotation r loads every article but those with index % 4 == r and asks every question, so each
question is asked 3 times with its article loaded and once without. For each question the
top 10 passages (BM25 alone, and BM25 + embeddings) are read by the QA model. Then, for each
number of passages read and each triple of weights of `assistant.answering.selection` (span score -
NULL_WEIGHT * no-answer score + RETRIEVAL_WEIGHT * retrieval score + COSINE_WEIGHT * cosine),
it reports the open F1 with no
threshold, and the threshold at which only FALSE_ANSWERS of the not-loaded questions still get
an answer, with the share of loaded questions then answered and their F1 ("not found" = 0).
A question naming something the loaded articles never mention (`assistant.answering.unmentioned`) is
"not found" whatever its score, as in the assistant; "shipped_without_unmentioned" reports the
shipped selection without that check. The best cell of the grid is chosen on the same rows it
is scored on, so "grid_cross_validated" also reports what choosing it is worth on questions it
was not chosen on (random halves), beside the shipped cell.

Usage: python bench/calibrate_threshold.py QA_BUNDLE RETRIEVER HOLDOUT.json [--json OUT]
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.answering.selection import COSINE_WEIGHT, NULL_WEIGHT, RETRIEVAL_WEIGHT
from assistant.answering.unmentioned import Vocabulary, unmentioned
from assistant.config import LibraryConfig
from assistant.documents.collection import Collection
from assistant.documents.passages import split_passages
from assistant.documents.scan import scan_folder
from assistant.qa.engine import QAEngine
from assistant.qa.squad import load_examples, score
from assistant.retrieval.encoder import SentenceEncoder
from assistant.retrieval.index import Library, index_text
from converter.open_articles import file_name, load_articles, write_articles

ROTATIONS = 4
FALSE_ANSWERS = 0.05  # on training: a margin under the 10% target on dev
TOP_K = (1, 3, 5, 10)
WEIGHTS = (0.0, 5.0, 10.0, 15.0, 20.0, 30.0)
NULL_WEIGHTS = (0.0, 0.5, 1.0)
SPLITS = 100  # random halves for the cross-validated grid choice


def collect(
    engine: QAEngine,
    encoder: SentenceEncoder | None,
    squad: Path,
    spans: dict[tuple[str, str, int], tuple[str, float, float]],
) -> list[dict]:
    """Per question and rotation: the question's index, whether its article is loaded, whether
    it names something the loaded articles do not mention, and its top-10 candidates.

    `spans` caches the reader's answer per (question, passage) across calls.
    """
    articles = load_articles(squad)
    examples = [ex for ex in load_examples(squad) if ex.answers]
    article_of = {c: file_name(title) for title, paragraphs in articles for c in paragraphs}
    with tempfile.TemporaryDirectory() as tmp:
        write_articles(articles, Path(tmp))
        documents = scan_folder(tmp).documents
    passages = [p for d in documents for p in split_passages(d, LibraryConfig())]
    embeddings = encoder.embed_all([index_text(p) for p in passages]) if encoder else None
    rows = []
    for r in range(ROTATIONS):
        held = {file_name(t) for i, (t, _) in enumerate(articles) if i % ROTATIONS == r}
        keep = [i for i, p in enumerate(passages) if p.file not in held]
        rows_kept = None if embeddings is None else embeddings[keep]
        kept = Collection("train", [passages[i] for i in keep], {}, embeddings=rows_kept)
        library = Library([kept], encoder=encoder)
        vocabulary = Vocabulary.of(library)
        for q, ex in enumerate(tqdm(examples, desc=f"rotation {r + 1}/{ROTATIONS}", unit="q")):
            candidates = []
            for hit in library.search(ex.question, max(TOP_K)):
                key = (ex.id, hit.passage.file, hit.passage.position)
                if key not in spans:
                    span = engine.answer(ex.question, hit.passage.text)
                    spans[key] = (
                        (span.text, span.score, span.null_score)
                        if span
                        else ("", float("-inf"), 0.0)
                    )
                text, span_score, null_score = spans[key]
                f1 = score(text, [a.text for a in ex.answers])[1] if text.strip() else 0.0
                candidates.append((span_score, null_score, hit.score, hit.cosine, f1))
            rows.append(
                {
                    "question": q,
                    "loaded": article_of[ex.context] not in held,
                    "unmentioned": bool(unmentioned(ex.question, vocabulary)),
                    "candidates": candidates,
                }
            )
    return rows


Cell = tuple[int, float, float, float]  # top k, null, retrieval and cosine weights
Scores = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # of `answer_scores`


def answer_scores(rows: list[dict], cell: Cell, check_names: bool = True) -> Scores:
    """Per row: the best answer score among the top k passages with the cell's weights (-inf
    when nothing is read), that answer's F1, whether the article is loaded, and whether the
    names check refused the question (`check_names`; then nothing is read)."""
    k, w_null, w_retrieval, w_cosine = cell
    scores, f1s, loaded, refusals = [], [], [], []
    for row in rows:
        best, best_f1 = float("-inf"), 0.0
        refused = check_names and row["unmentioned"]
        refusals.append(refused)
        for span, null, retrieval, cosine, f1 in [] if refused else row["candidates"][:k]:
            s = span - w_null * null + w_retrieval * retrieval + w_cosine * cosine
            if s > best:
                best, best_f1 = s, f1
        scores.append(best)
        f1s.append(best_f1)
        loaded.append(row["loaded"])
    return np.asarray(scores), np.asarray(f1s), np.asarray(loaded), np.asarray(refusals)


def false_answer_threshold(scores: np.ndarray, loaded: np.ndarray) -> float:
    """The score above which FALSE_ANSWERS of the not-loaded questions are answered."""
    return float(np.quantile(scores[~loaded], 1 - FALSE_ANSWERS))


def choose(cell: Cell, scores: Scores) -> dict:
    """Open F1 (no threshold) and the FALSE_ANSWERS threshold's answered rate and F1 of
    `cell`, from its `answer_scores`."""
    s, f, is_loaded, refused = scores
    threshold = false_answer_threshold(s, is_loaded)
    kept = s[is_loaded] >= threshold
    k, w_null, w_retrieval, w_cosine = cell
    return {
        "top_k": k,
        "null_weight": w_null,
        "retrieval_weight": w_retrieval,
        "cosine_weight": w_cosine,
        "f1": round(100 * f[is_loaded].mean(), 2),
        "unmentioned": {
            "loaded": round(100 * float(refused[is_loaded].mean()), 1),
            "not_loaded": round(100 * float(refused[~is_loaded].mean()), 1),
        },
        "threshold": round(threshold, 2),
        "answered": round(100 * kept.mean(), 1),
        "f1_at_threshold": round(100 * (f[is_loaded] * kept).mean(), 2),
        "false_answers_at": {
            str(t): round(100 * float((s[~is_loaded] >= t).mean()), 1)
            for t in (7.0, 10.0, 20.0, 25.0, 28.0, 30.0)
        },
    }


def cross_validated(rows: list[dict], scored: dict[Cell, Scores], shipped: Cell) -> dict:
    """What choosing a cell of the grid is worth on questions it was not chosen on.

    SPLITS times the questions are split at random into halves; on one half the cell with the
    best F1 at its FALSE_ANSWERS threshold is chosen, with that threshold, and both are scored
    on the other half, as is the shipped cell with its threshold from the same first half.
    Means over the splits: F1 at the threshold and false answers, chosen and shipped.
    """
    cells = list(scored)
    question = np.asarray([row["question"] for row in rows])
    ids = np.unique(question)
    rng = np.random.default_rng(0)

    def figures(cell: Cell, choosing: np.ndarray) -> tuple[float, float, float]:
        """F1 at the threshold on the choosing half, then F1 and false answers on the other."""
        s, f, loaded, _ = scored[cell]
        threshold = false_answer_threshold(s[choosing], loaded[choosing])
        f1 = [
            100 * (f[h & loaded] * (s[h & loaded] >= threshold)).mean()
            for h in (choosing, ~choosing)
        ]
        return f1[0], f1[1], 100 * float((s[~choosing & ~loaded] >= threshold).mean())

    chosen, kept = [], []
    for _ in range(SPLITS):
        choosing = np.isin(question, rng.permutation(ids)[: len(ids) // 2])
        split = {cell: figures(cell, choosing) for cell in cells}
        best = max(cells, key=lambda cell: split[cell][0])
        chosen.append(split[best][1:])
        kept.append(split[shipped][1:])
    c, k = np.mean(chosen, axis=0), np.mean(kept, axis=0)
    return {
        "splits": SPLITS,
        "chosen_f1_at_threshold": round(float(c[0]), 2),
        "chosen_false_answers": round(float(c[1]), 1),
        "shipped_f1_at_threshold": round(float(k[0]), 2),
        "shipped_false_answers": round(float(k[1]), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("retriever", type=Path)
    parser.add_argument("holdout", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    engine = QAEngine.from_bundle(args.bundle)
    results = {}
    spans: dict[tuple[str, str, int], tuple[str, float, float]] = {}
    for name, encoder in (("bm25", None), ("bm25+dense", SentenceEncoder(args.retriever))):
        rows = collect(engine, encoder, args.holdout, spans)
        cells = [
            cell
            for cell in itertools.product(TOP_K, NULL_WEIGHTS, WEIGHTS, WEIGHTS)
            if encoder is not None or cell[3] == 0.0
        ]
        shipped_cell = (5, NULL_WEIGHT, RETRIEVAL_WEIGHT, COSINE_WEIGHT if encoder else 0.0)
        scored = {cell: answer_scores(rows, cell) for cell in [*cells, shipped_cell]}
        grid = sorted(
            (choose(cell, scores) for cell, scores in scored.items()),
            key=lambda g: (-g["f1_at_threshold"], -g["answered"]),
        )
        shipped = choose(shipped_cell, scored[shipped_cell])
        without = choose(shipped_cell, answer_scores(rows, shipped_cell, check_names=False))
        span_only = choose((3, 0.0, 0.0, 0.0), scored[(3, 0.0, 0.0, 0.0)])
        checked = cross_validated(rows, scored, shipped_cell)
        results[name] = {
            "shipped": shipped,
            "shipped_without_unmentioned": without,
            "span_only_top3": span_only,
            "grid": grid[:20],
            "grid_cross_validated": checked,
        }
        print(
            f"== {name}: {sum(r['loaded'] for r in rows)} loaded, "
            f"{sum(not r['loaded'] for r in rows)} not loaded"
        )
        print(
            f"{'k':>3} {'w_null':>6} {'w_ret':>6} {'w_cos':>6} {'F1':>6} {'thr':>6} "
            f"{'answered':>9} {'F1@thr':>7}"
        )
        for g in [span_only, without, shipped, *grid[:10]]:
            print(
                f"{g['top_k']:3d} {g['null_weight']:6.1f} {g['retrieval_weight']:6.1f} "
                f"{g['cosine_weight']:6.1f} "
                f"{g['f1']:6.2f} {g['threshold']:6.2f} {g['answered']:8.1f}% "
                f"{g['f1_at_threshold']:7.2f}"
            )
        print(
            f"grid choice on half the questions, scored on the other half ({SPLITS} splits): "
            f"F1@thr {checked['chosen_f1_at_threshold']:.2f} at "
            f"{checked['chosen_false_answers']:.1f}% false; shipped "
            f"{checked['shipped_f1_at_threshold']:.2f} at {checked['shipped_false_answers']:.1f}%"
        )
    # the reader score of every passage read, per null weight, for selection.MAX_READER_SCORE
    read = np.asarray([(s, n) for _, s, n in spans.values() if np.isfinite(s)])
    results["reader_scores"] = {}
    for w_null in NULL_WEIGHTS:
        scores = read[:, 0] - w_null * read[:, 1]
        results["reader_scores"][str(w_null)] = {
            "reads": len(scores),
            **{f"q{q}": round(float(np.quantile(scores, q / 100)), 2) for q in (50, 99, 99.9)},
            "max": round(float(scores.max()), 2),
        }
        print(f"reader scores, null weight {w_null}:", results["reader_scores"][str(w_null)])
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
