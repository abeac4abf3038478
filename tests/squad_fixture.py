"""A tiny SQuAD file for tests (the words are in conftest's vocabulary)."""

from __future__ import annotations

import json
from pathlib import Path

CONTEXT = (
    "The Eiffel Tower was built in 1889 in Paris, the capital of France. "
    "The river Seine flows through Paris to the North Sea."
)


def qa(qid: str, question: str, answer: str) -> dict:
    return {
        "id": qid,
        "question": question,
        "answers": [{"text": answer, "answer_start": CONTEXT.index(answer)}],
    }


def write_squad(path: Path) -> Path:
    doc = {
        "version": "1.1",
        "data": [
            {
                "title": "Paris",
                "paragraphs": [
                    {
                        "context": CONTEXT,
                        "qas": [
                            qa("q1", "When was the Eiffel Tower built?", "1889"),
                            qa("q2", "What is the capital of France?", "Paris"),
                            qa("q3", "Which river flows through Paris?", "Seine"),
                            qa("q4", "Where does the Seine flow to?", "the North Sea"),
                        ],
                    }
                ],
            }
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# title -> (paragraph, its question, the answer or None for a paragraph without a question)
ARTICLES = {
    "Eiffel_Tower": [
        ("The tower was built in 1889 in paris.", "When was the tower built?", "1889"),
        ("The tower is red and the tower is long.", "What city has the tower?", None),
        ("Paris is the capital of france.", "What is the capital of france?", "Paris"),
    ],
    "Seine": [
        (
            "The river seine flows through paris.",
            "Which city does the seine flow through?",
            "paris",
        ),
        ("The river flows to the north sea.", "Where does the river flow to?", "the north sea"),
    ],
    "Hastings": [
        ("The battle of hastings was in 1066.", "When was the battle of hastings?", "1066"),
        ("The king of england was at the battle.", "Who was at the battle?", "The king"),
    ],
}


def write_articles(path: Path) -> Path:
    """`ARTICLES` as a SQuAD 2.0 file, every article of source "wiki"."""
    data = []
    for title, rows in ARTICLES.items():
        paragraphs = []
        for i, (context, question, answer) in enumerate(rows):
            qas = []
            if answer is not None:
                answers = [{"text": answer, "answer_start": context.index(answer)}]
                qas = [{"id": f"{title}-{i}", "question": question, "answers": answers}]
            paragraphs.append({"context": context, "qas": qas})
        data.append({"title": title, "source": "wiki", "paragraphs": paragraphs})
    path.write_text(json.dumps({"version": "2.0", "data": data}))
    return path
