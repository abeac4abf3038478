"""Compare a converted model with its source through the same engine code.

For each example, every window is run by both runners: the raw start/end logits are compared
(cosine, max |difference|, argmax agreement over the real tokens) and both are decoded and
scored with the official SQuAD v1.1 rules. The conversion passes when the converted model's
F1 is at most `max_f1_drop` points below the source's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from tqdm import tqdm

from assistant.qa.decoding import best_span
from assistant.qa.features import QATokenizer
from assistant.qa.runner import Runner
from assistant.qa.squad import Example, score


def validate(
    tokenizer: QATokenizer,
    source: Runner,
    converted: Runner,
    examples: Sequence[Example],
    *,
    max_f1_drop: float = 1.0,
    progress: bool = True,
) -> dict[str, Any]:
    """Parity and EM/F1 of `converted` against `source` (the JSON stored in bundle.json)."""
    answerable = [ex for ex in examples if ex.answers]
    if not answerable:
        raise ValueError("validation needs questions with answers")
    cosines, max_abs, start_agree, end_agree = [], 0.0, 0, 0
    totals = {"source": np.zeros(2), "tflite": np.zeros(2)}
    for ex in tqdm(answerable, desc="validate", unit="q", disable=not progress):
        windows = tokenizer.windows(ex.question, ex.context)
        logits: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {
            "source": ([], []),
            "tflite": ([], []),
        }
        for window in windows:
            n = len(window)
            ref_s, ref_e = (x[:n] for x in source.run(window))
            new_s, new_e = (x[:n] for x in converted.run(window))
            ref, new = np.concatenate([ref_s, ref_e]), np.concatenate([new_s, new_e])
            cosines.append(_cosine(ref, new))
            max_abs = max(max_abs, float(np.abs(ref - new).max()))
            start_agree += int(ref_s.argmax() == new_s.argmax())
            end_agree += int(ref_e.argmax() == new_e.argmax())
            for name, (s, e) in (("source", (ref_s, ref_e)), ("tflite", (new_s, new_e))):
                logits[name][0].append(s)
                logits[name][1].append(e)
        golds = [a.text for a in ex.answers]
        for name, (starts, ends) in logits.items():
            span = best_span(ex.context, windows, starts, ends)
            totals[name] += score(span.text if span else "", golds)
    n_windows = len(cosines)
    result = {
        name: {"em": float(100 * t[0] / len(answerable)), "f1": float(100 * t[1] / len(answerable))}
        for name, t in totals.items()
    }
    f1_drop = result["source"]["f1"] - result["tflite"]["f1"]
    return {
        "examples": len(answerable),
        "windows": n_windows,
        "logits": {
            "cosine_mean": float(np.mean(cosines)),
            "cosine_min": float(np.min(cosines)),
            "max_abs_diff": max_abs,
            "start_argmax_agreement": start_agree / n_windows,
            "end_argmax_agreement": end_agree / n_windows,
        },
        **result,
        "f1_drop": f1_drop,
        "max_f1_drop": max_f1_drop,
        "passed": bool(f1_drop <= max_f1_drop),
    }


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    denom = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / denom if denom > 0 else float(np.array_equal(a, b))
