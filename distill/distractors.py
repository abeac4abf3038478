"""Hard distractor passages for QA training: the question asked against a passage that does not
answer it, labelled no-answer.

In the assistant the reader reads several retrieved passages per question, most of which do
not hold the answer; a reader trained only on the paragraph of each question (plus at most one
answer-less window of it) still finds a confident span in them. Training it on each question
paired with passages a retriever would bring (BM25, the assistant's first-stage retriever)
that do not hold the answer teaches it to put those passages' probability on [CLS], which
makes its no-answer score meaningful across passages (the distractor training of Clark &
Gardner 2018, "Simple and Effective Multi-Paragraph Reading Comprehension").

A distractor comes from the question's own article when it has other paragraphs (most
Wikipedia articles of the training file), else from the other paragraphs of its source
(single-paragraph sources such as Natural Questions). A passage that contains any gold answer
text (case-insensitive) is never a distractor.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import bm25s

from distill.errors import DistillError

CANDIDATES = 20


def add_distractors(path: str | Path, out: str | Path, *, per_question: int = 1) -> tuple[int, int]:
    """Write `out`: the SQuAD 2.0 file `path` plus, for each answerable question, `per_question`
    copies asked against distractor passages (ids `<id>-d<k>`, `is_impossible` true, grouped
    in one article per source whose title is "<source> distractors"). Returns (questions in,
    distractor questions added)."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    added: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    questions = 0
    for source, question, contexts in distractor_contexts(doc, per_question):
        questions += 1
        for k, context in enumerate(contexts):
            added[source][context].append(
                {
                    "id": f"{question['id']}-d{k}",
                    "question": question["question"],
                    "answers": [],
                    "is_impossible": True,
                }
            )
    if not added:
        raise DistillError(f"{path}: no question has a distractor passage")
    for source, contexts in sorted(added.items()):
        doc["data"].append(
            {
                "title": f"{source} distractors",
                "source": source,
                "paragraphs": [{"context": c, "qas": qas} for c, qas in contexts.items()],
            }
        )
    Path(out).write_text(json.dumps(doc), encoding="utf-8")
    return questions, sum(len(qas) for contexts in added.values() for qas in contexts.values())


def distractor_contexts(doc: dict, per_question: int) -> Iterator[tuple[str, dict, list[str]]]:
    """(source, question, up to `per_question` distractor contexts) for every answerable
    question of the SQuAD document `doc`, by source in name order, in file order within one;
    a source of a single paragraph gives its questions no distractor."""
    by_source: dict[str, list[tuple[int, str]]] = defaultdict(list)  # (article index, context)
    asked: dict[str, list[tuple[int, dict]]] = defaultdict(list)  # (article index, question)
    for a, article in enumerate(doc["data"]):
        source = str(article.get("source", ""))
        for paragraph in article["paragraphs"]:
            by_source[source].append((a, paragraph["context"]))
            asked[source] += [
                (a, q) for q in paragraph["qas"] if q["answers"] and not q.get("is_impossible")
            ]
    for source, paragraphs in sorted(by_source.items()):
        if not asked[source]:
            continue
        if len(paragraphs) < 2:
            yield from ((source, q, []) for _, q in asked[source])
            continue
        retriever = bm25s.BM25()
        retriever.index(
            bm25s.tokenize([c for _, c in paragraphs], show_progress=False), show_progress=False
        )
        ranked, _ = retriever.retrieve(
            bm25s.tokenize([q["question"] for _, q in asked[source]], show_progress=False),
            k=min(CANDIDATES, len(paragraphs)),
            show_progress=False,
        )
        for (a, q), row in zip(asked[source], ranked, strict=True):
            yield source, q, _distractors(a, q, row.tolist(), paragraphs, per_question)


def _distractors(
    article: int, question: dict, ranked: list[int], paragraphs: list[tuple[int, str]], n: int
) -> list[str]:
    """Up to `n` retrieved contexts without any answer text, own-article ones first."""
    answers = [x["text"].lower() for x in question["answers"] if x["text"].strip()]
    clean = [
        paragraphs[i]
        for i in ranked
        if not any(answer in paragraphs[i][1].lower() for answer in answers)
    ]
    own = [c for a, c in clean if a == article]
    other = [c for a, c in clean if a != article]
    return (own + other)[:n]
