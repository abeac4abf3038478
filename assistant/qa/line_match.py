"""How much of a question each line of a context says: a prior for which line holds the answer.

A document's lines are paragraphs, list items, definitions and table rows. In a list of
entries ("backup — Runs the nightly backup job." above "pulse — The sound server runs as this
user.") a reader trained on prose often takes the term of a neighbouring line ("pulse" for
"Which account runs the nightly backup job?"), although the line whose words match the
question's is the one it asks about. `line_match` gives each line the share of
the question's content words (`assistant.qa.echo.content_words`) it holds, and `line_prior` makes
that a prior for the decoder: a span in a line holding all of them ranks LINE_MATCH_WEIGHT above
its own score. The decoder reports the span's own score, so "not found" thresholds keep their
meaning.

LINE_MATCH_WEIGHT was chosen on held-out training questions asked against lists of entries made
from their own sentences (`qa-distill entries` on the held-out split, 895 questions): F1 55.16
without the prior; 57.73 / 59.95 / 60.75 / 60.94 / 61.06 / 61.29 / 61.33 / 60.93 at weights
4 / 8 / 12 / 16 / 24 / 32 / 48 / 100; 12 is the smallest weight within 1 F1 of the best. Prose
that holds one paragraph a line is unchanged (held-out open articles, bench/calibrate_threshold.py).
"""

from __future__ import annotations

import numpy as np

from assistant.qa.echo import content_words

LINE_MATCH_WEIGHT = 12.0


def line_match(question: str, context: str) -> np.ndarray:
    """One value per line of `context` (split at "\\n"): the fraction of the question's content
    words found in that line, 0..1 (all 0 when the question has none)."""
    asked = content_words(question)
    lines = context.split("\n")
    if not asked:
        return np.zeros(len(lines), dtype=np.float32)
    return np.array(
        [len(content_words(line) & asked) / len(asked) for line in lines], dtype=np.float32
    )


def line_prior(question: str, context: str) -> np.ndarray:
    """`line_match` as the decoder's `line_prior` (added to a token's start and end logit):
    half of LINE_MATCH_WEIGHT per logit, so a span gains LINE_MATCH_WEIGHT times its line's
    match."""
    return LINE_MATCH_WEIGHT / 2 * line_match(question, context)
