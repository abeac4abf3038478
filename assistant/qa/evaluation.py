"""Run a QA engine over SQuAD examples: EM/F1, latency and throughput.

Questions without gold answers (SQuAD 2.0 `is_impossible`) are skipped: v1.1 scoring needs a
gold answer. Latency is wall time per question (all its windows), in milliseconds.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from tqdm import tqdm

from assistant.qa.engine import QAEngine
from assistant.qa.squad import Example, score


@dataclass
class EvalReport:
    """EM (`exact_match`) and F1 are x100, under the official SQuAD key names.

    `predictions` maps question id to the predicted text ("" if none).
    """

    count: int
    exact_match: float
    f1: float
    latency_ms_mean: float
    latency_ms_p50: float
    latency_ms_p90: float
    total_s: float
    windows: int
    windows_per_s: float
    peak_rss_mb: float
    skipped_unanswerable: int
    predictions: dict[str, str] = field(default_factory=dict)
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"{self.count} questions: EM {self.exact_match:.2f}  F1 {self.f1:.2f}  |  latency "
            f"mean {self.latency_ms_mean:.1f} ms  p50 {self.latency_ms_p50:.1f} ms  "
            f"p90 {self.latency_ms_p90:.1f} ms  |  {self.windows_per_s:.1f} windows/s  "
            f"total {self.total_s:.1f} s  peak RSS {self.peak_rss_mb:.0f} MB"
        )


def evaluate(
    engine: QAEngine, examples: Sequence[Example], *, progress: bool = True, desc: str = "eval"
) -> EvalReport:
    """Answer every answerable example with `engine` and score it (official v1.1 rules)."""
    answerable = [ex for ex in examples if ex.answers]
    if not answerable:
        raise ValueError("no answerable questions to evaluate")
    latencies, predictions, scores = [], {}, {}
    windows = 0
    started = time.perf_counter()
    bar = tqdm(answerable, desc=desc, unit="q", disable=not progress, dynamic_ncols=True)
    em_sum = f1_sum = 0.0
    for ex in bar:
        t0 = time.perf_counter()
        prediction = engine.predict(ex.question, ex.context)
        latencies.append((time.perf_counter() - t0) * 1000.0)
        windows += prediction.windows
        text = prediction.span.text if prediction.span else ""
        em, f1 = score(text, (a.text for a in ex.answers))
        predictions[ex.id], scores[ex.id] = text, (em, f1)
        em_sum, f1_sum = em_sum + em, f1_sum + f1
        bar.set_postfix(
            EM=f"{100 * em_sum / len(scores):.1f}", F1=f"{100 * f1_sum / len(scores):.1f}"
        )
    total = time.perf_counter() - started
    lat = np.asarray(latencies)
    return EvalReport(
        count=len(answerable),
        exact_match=100.0 * em_sum / len(answerable),
        f1=100.0 * f1_sum / len(answerable),
        latency_ms_mean=float(lat.mean()),
        latency_ms_p50=float(np.percentile(lat, 50)),
        latency_ms_p90=float(np.percentile(lat, 90)),
        total_s=total,
        windows=windows,
        windows_per_s=windows / total if total > 0 else float("nan"),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        skipped_unanswerable=len(examples) - len(answerable),
        predictions=predictions,
        scores=scores,
    )
