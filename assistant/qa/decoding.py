"""Start/end logits of every window -> the best answer span, as an exact substring of the context.

The reference procedure (BERT's run_squad, the Hugging Face QA pipeline): in each window take
the `n_best` highest start and end logits among the context tokens, keep the pairs with
end >= start, at most `max_answer_len` tokens, and a start token that has its maximum context
in this window; score = start logit + end logit; the best pair over all windows wins. The
answer text is cut from the original context with the tokens' character offsets. A span never
crosses a line break: the lines of a document's text are paragraphs, list items, definitions
and table rows, and an answer running from one into the next is not an answer. Nor does it
cut a word: an edge inside a run of letters and digits, or inside a name joined by "." "/" "_"
or "@" (a file name, path, address or identifier such as "login.defs" or "Override.xml"),
moves out to the whole of it; the model's word pieces can end at "login" of "/etc/login.defs".
A hyphen joins only inside such a name ("nss-user-lookup.target"), not in prose, where a
hyphenated compound is often cut ("the 1889-1890 season" -> "1889"). A span the
caller's `refuse` rejects gives way to the next best one, and whole sentences at its edges that
`refuse` rejects are cut off. A caller's `line_prior` (one value per line) is added to the
logits of each line's tokens when candidates are ranked, not to the score reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.qa.features import Window


@dataclass(frozen=True)
class Span:
    """An answer: `context[start_char:end_char] == text`; `score` is start + end logit;
    `null_score` is the [CLS] start + end logit of the window it came from (the reader's
    "no answer here" score)."""

    text: str
    score: float
    start_char: int
    end_char: int
    null_score: float


def best_span(
    context: str,
    windows: Sequence[Window],
    start_logits: Sequence[np.ndarray],
    end_logits: Sequence[np.ndarray],
    *,
    n_best: int = 20,
    max_answer_len: int = 30,
    refuse: Callable[[str], bool] = lambda text: False,
    referent: Callable[[str, int, int], tuple[int, int] | None] = lambda context, s, e: None,
    line_prior: np.ndarray | None = None,
) -> Span | None:
    """The highest-scoring valid span over all windows, or None when no window has one.

    `start_logits[i]` and `end_logits[i]` belong to `windows[i]`; they may be longer than the
    window (padded runs): only the first `len(windows[i])` values are read. A span whose text
    `refuse` returns True for is not valid: when `referent(context, start_char, end_char)`
    gives the bounds of what it refers to, that text is the answer, with the span's score;
    otherwise the next best span is taken. `line_prior[n]`, when given, is added to the start
    and to the end logit of every token of line n of `context` (so twice to a span) for
    choosing the span; `Span.score` stays the model's start + end logit.
    """
    if not (len(windows) == len(start_logits) == len(end_logits)):
        raise ValueError("one pair of logit vectors is needed per window")
    newlines = np.flatnonzero(np.frombuffer(context.encode("utf-32-le"), dtype=np.uint32) == 10)
    if line_prior is None:
        line_prior = np.zeros(len(newlines) + 1, dtype=np.float32)
    elif len(line_prior) != len(newlines) + 1:
        raise ValueError("line_prior needs one value per line of the context")
    best: tuple[float, Span] | None = None
    for window, starts, ends in zip(windows, start_logits, end_logits, strict=True):
        candidate = _best_in_window(
            context,
            window,
            starts,
            ends,
            n_best,
            max_answer_len,
            newlines,
            refuse,
            referent,
            line_prior,
        )
        if candidate is not None and (best is None or candidate[0] > best[0]):
            best = candidate
    return None if best is None else best[1]


def _best_in_window(
    context: str,
    window: Window,
    starts: np.ndarray,
    ends: np.ndarray,
    n_best: int,
    max_answer_len: int,
    newlines: np.ndarray,
    refuse: Callable[[str], bool],
    referent: Callable[[str, int, int], tuple[int, int] | None],
    line_prior: np.ndarray,
) -> tuple[float, Span] | None:
    """The window's best span and its ranking score (the span's score plus its line prior)."""
    lo, hi = window.context_start, window.context_end
    if hi <= lo:
        return None
    starts = np.asarray(starts, dtype=np.float32).reshape(-1)[: len(window)]
    ends = np.asarray(ends, dtype=np.float32).reshape(-1)[: len(window)]
    line = np.searchsorted(newlines, window.offsets[:, 0], side="right")  # line of each token
    prior = line_prior[line[lo:hi]]
    start_candidates = lo + _top_indices(starts[lo:hi] + prior, n_best)
    end_candidates = lo + _top_indices(ends[lo:hi] + prior, n_best)

    pairs = []
    for s in start_candidates:
        if not window.max_context[s]:
            continue
        for e in end_candidates:
            if e < s or e - s + 1 > max_answer_len or line[e] != line[s]:
                continue
            score = float(starts[s] + ends[e])
            pairs.append((score + 2 * float(line_prior[line[s]]), score, int(s), int(e)))
    pairs.sort(key=lambda pair: -pair[0])  # stable: ties keep the first pair found
    null_score = float(starts[0] + ends[0])
    for rank, score, s, e in pairs:
        start_char, end_char = _whole_words(
            context, int(window.offsets[s, 0]), int(window.offsets[e, 1])
        )
        if refuse(context[start_char:end_char]):
            meant = referent(context, start_char, end_char)
            if meant is None:
                continue
            start_char, end_char = meant
        else:
            start_char, end_char = _without_refused_sentences(context, start_char, end_char, refuse)
        return rank, Span(context[start_char:end_char], score, start_char, end_char, null_score)
    return None


_SENTENCE_END = re.compile(r"(?<=[^\W\d_]{2}[.!?])\s+(?=[A-Z])")


def _without_refused_sentences(
    context: str, start: int, end: int, refuse: Callable[[str], bool]
) -> tuple[int, int]:
    """The span [start, end) without the whole sentences at its edges that `refuse` returns
    True for ("Group adm is used for monitoring. Members of this group" -> its first sentence)."""
    pieces, begin = [], start
    for boundary in _SENTENCE_END.finditer(context, start, end):
        pieces.append((begin, boundary.start()))
        begin = boundary.end()
    pieces.append((begin, end))
    while len(pieces) > 1 and refuse(context[pieces[-1][0] : pieces[-1][1]]):
        pieces.pop()
    while len(pieces) > 1 and refuse(context[pieces[0][0] : pieces[0][1]]):
        pieces.pop(0)
    return pieces[0][0], pieces[-1][1]


_JOINERS = "./_@"
_NAME = re.compile(r"[^\W_][./_@][^\W_]")  # letters/digits joined as in a name


def _joiners_at(text: str, cut: int) -> str:
    """The marks that join letters/digits into one word in the whitespace-free run around
    position `cut`: `_JOINERS`, and a hyphen too when the run is a name (see the module)."""
    start, end = cut, cut
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return _JOINERS + "-" if _NAME.search(text, start, end) else _JOINERS


def _inside_word(text: str, cut: int, joiners: str) -> bool:
    """Whether position `cut` (between text[cut - 1] and text[cut]) is inside one word: two
    letters/digits, or one of `joiners` with letters/digits on both of its sides."""
    if not 0 < cut < len(text):
        return False
    if text[cut - 1].isalnum() and text[cut].isalnum():
        return True
    return any(
        text[at] in joiners
        and 0 < at < len(text) - 1
        and text[at - 1].isalnum()
        and text[at + 1].isalnum()
        for at in (cut - 1, cut)
    )


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """The span [start, end) of `text` widened so that neither edge cuts a word. An edge moves
    within one whitespace-free run, so its joiners are looked up once."""
    joiners = _joiners_at(text, start)
    while _inside_word(text, start, joiners):
        start -= 1
    joiners = _joiners_at(text, end)
    while _inside_word(text, end, joiners):
        end += 1
    return start, end


def _top_indices(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest values, largest first (ties: lower index first)."""
    order = np.argsort(-values, kind="stable")
    return order[:k]
