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
