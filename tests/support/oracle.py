"""An oracle QA model for the assistant tests.

`OracleRunner` is a test double for the QA *model* only: when the window's question contains
a gold answer's cue word, it puts high start/end logits on the tokens of that answer wherever
it occurs in the window's context, and low logits everywhere else. Everything around it -
tokenizer, windows, span decoding in `QAEngine`, BM25, the threshold - is the real
code. A passage without a gold answer then yields a span scoring 2 * LOW, below any sane
threshold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from assistant.qa.engine import QAEngine
from assistant.qa.features import QATokenizer, Window
from support.library import LIBRARY_DOCS

HIGH, LOW = 8.0, -6.0


def write_vocab(path: Path, texts: Iterable[str]) -> Path:
    """A WordPiece vocabulary with every lower-cased word of `texts` plus all single characters."""
    words = sorted({w for t in texts for w in re.findall(r"[a-z0-9]+", t.lower())})
    chars = [chr(c) for c in range(33, 127) if not chr(c).isupper()]
    pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *(f"##{c}" for c in chars)]
    pieces += [w for w in words if w not in set(pieces)]
    path.write_text("\n".join(pieces) + "\n", encoding="utf-8")
    return path


def _contains(seq: list[int], sub: list[int]) -> bool:
    return any(seq[i : i + len(sub)] == sub for i in range(len(seq) - len(sub) + 1))


class OracleRunner:
    """Logits that pick each answer whose cue is in the question (earlier answers score higher).

    `answers` maps a gold answer to its cue word, e.g. {"nine in the morning": "open"}.
    """

    def __init__(self, tokenizer: QATokenizer, answers: dict[str, str]) -> None:
        self._answers = [
            (tokenizer.encode(a).ids, tokenizer.encode(cue).ids) for a, cue in answers.items()
        ]

    def run(self, window: Window) -> tuple[np.ndarray, np.ndarray]:
        n = len(window)
        start = np.full(n, LOW, dtype=np.float32)
        end = np.full(n, LOW, dtype=np.float32)
        ids = window.input_ids.tolist()
        question = ids[1 : window.context_start - 1]
        for rank, (answer, cue) in enumerate(self._answers):
            if not _contains(question, cue):
                continue
            m = len(answer)
            for i in range(window.context_start, window.context_end - m + 1):
                if ids[i : i + m] == answer:
                    start[i] = end[i + m - 1] = HIGH - rank * 0.5
        return start, end


def oracle_engine(tmp_dir: Path, answers: dict[str, str]) -> QAEngine:
    """A real `QAEngine` over the test library's vocabulary with an `OracleRunner` model."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(LIBRARY_DOCS.iterdir())]
    vocab = write_vocab(tmp_dir / "vocab.txt", [*texts, *answers, *answers.values()])
    tokenizer = QATokenizer(vocab, lowercase=True)
    return QAEngine(tokenizer, OracleRunner(tokenizer, answers))
