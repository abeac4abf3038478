"""SQuAD files and the official SQuAD v1.1 scoring.

Scoring is the official evaluate-v1.1.py: answers are lower-cased, punctuation and the
articles a/an/the are removed, whitespace is collapsed; EM and F1 are the maxima over the gold
answers, reported x100. Reading accepts SQuAD 1.1 and 2.0 files (2.0's unanswerable questions
carry `is_impossible` and no answers).
"""

from __future__ import annotations

import collections
import json
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


class SquadFormatError(ValueError):
    """A SQuAD file that cannot be read; the message names the file and the record."""


@dataclass(frozen=True)
class Answer:
    text: str
    start: int  # character index in the context


@dataclass(frozen=True)
class Example:
    id: str
    question: str
    context: str
    answers: tuple[Answer, ...] = field(default_factory=tuple)
    is_impossible: bool = False
    title: str = ""


def load_examples(path: str | Path, *, limit: int | None = None) -> list[Example]:
    """Every question of a SQuAD 1.1/2.0 file, in file order (the first `limit` if given).

    Raises `SquadFormatError` naming the file and the record for anything malformed, and for a
    file with no questions at all.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        raise SquadFormatError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SquadFormatError(f"{path}: not a JSON file ({err})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise SquadFormatError(f"{path}: not a SQuAD file (no top-level 'data' list)")

    examples: list[Example] = []
    for a_index, article in enumerate(doc["data"]):
        where = f"{path}: data[{a_index}]"
        paragraphs = article.get("paragraphs") if isinstance(article, dict) else None
        if not isinstance(paragraphs, list):
            raise SquadFormatError(f"{where}: no 'paragraphs' list")
        for p_index, paragraph in enumerate(paragraphs):
            p_where = f"{where}.paragraphs[{p_index}]"
            context = paragraph.get("context") if isinstance(paragraph, dict) else None
            if not isinstance(context, str) or not isinstance(paragraph.get("qas"), list):
                raise SquadFormatError(f"{p_where}: needs a 'context' string and a 'qas' list")
            for q_index, qa in enumerate(paragraph["qas"]):
                examples.append(
                    _parse_qa(qa, context, article.get("title", ""), f"{p_where}.qas[{q_index}]")
                )
                if limit is not None and len(examples) >= limit:
                    return examples
    if not examples:
        raise SquadFormatError(f"{path}: contains no questions")
    return examples


def _parse_qa(qa: object, context: str, title: str, where: str) -> Example:
    if not isinstance(qa, dict):
        raise SquadFormatError(f"{where}: not an object")
    qid, question = qa.get("id"), qa.get("question")
    if not isinstance(qid, str) or not isinstance(question, str) or not question.strip():
        raise SquadFormatError(f"{where}: needs an 'id' and a non-empty 'question'")
    impossible = bool(qa.get("is_impossible", False))
    answers = []
    for ans in qa.get("answers", []):
        text, start = (
            (ans.get("text"), ans.get("answer_start"))
            if isinstance(ans, dict)
            else (
                None,
                None,
            )
        )
        if not isinstance(text, str) or not isinstance(start, int):
            raise SquadFormatError(f"{where} (id {qid}): answer needs 'text' and 'answer_start'")
        if context[start : start + len(text)] != text:
            raise SquadFormatError(
                f"{where} (id {qid}): answer {text!r} is not at character {start} of the context"
            )
        answers.append(Answer(text, start))
    if not answers and not impossible:
        raise SquadFormatError(f"{where} (id {qid}): no answers and not marked is_impossible")
    return Example(qid, question, context, tuple(answers), impossible, title)


def normalize_answer(text: str) -> str:
    """Lower-case, drop punctuation and articles, collapse whitespace (official v1.1)."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCT)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


_PUNCT = set(string.punctuation)


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1_score(prediction: str, gold: str) -> float:
    pred_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    common = collections.Counter(pred_tokens) & collections.Counter(gold_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def score(prediction: str, golds: Iterable[str]) -> tuple[float, float]:
    """(EM, F1) of one prediction: maxima over the gold answers, each in [0, 1]."""
    golds = list(golds)
    if not golds:
        raise ValueError("scoring needs at least one gold answer")
    return (
        max(exact_match(prediction, g) for g in golds),
        max(f1_score(prediction, g) for g in golds),
    )
