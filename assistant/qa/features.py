"""Question + context -> fixed-size model windows, with character offsets into the context.

The layout is BERT's: ``[CLS] question [SEP] context-window [SEP]``. The question is cut to
`max_query_len` word pieces; the context is split into windows that fill `max_seq_len` and
overlap by `doc_stride` word pieces (the Hugging Face QA pipeline's meaning of "stride"), so a
context of any length is covered. Each token of each window knows its character span in the
original context, so an answer is always an exact substring of what the user gave.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Encoding
from tokenizers.implementations import BertWordPieceTokenizer
from tokenizers.models import WordPiece

NO_OFFSET = -1


@dataclass(frozen=True)
class Window:
    """One model input: token ids plus where each token sits in the context.

    `offsets[i]` is the (start, end) character span of token i in the context, or
    (-1, -1) for special and question tokens. `max_context[i]` is True when this window is
    the one where token i has the most surrounding context (BERT's run_squad rule), so a token
    that several windows share is only scored once, in its best window.
    """

    input_ids: np.ndarray  # int32 (L,)
    token_type_ids: np.ndarray  # int32 (L,)
    offsets: np.ndarray  # int32 (L, 2)
    context_start: int  # index of the first context token in the window
    context_end: int  # one past the last context token
    max_context: np.ndarray  # bool (L,)

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])

    @property
    def attention_mask(self) -> np.ndarray:
        return np.ones_like(self.input_ids)

    def token_span(self, start_char: int, end_char: int) -> tuple[int, int] | None:
        """Token indices (inclusive) covering context characters [start_char, end_char).

        None when the span is not wholly inside this window (the training label is then
        [CLS], index 0, as in BERT's run_squad).
        """
        if self.context_end <= self.context_start or end_char <= start_char:
            return None
        ctx = self.offsets[self.context_start : self.context_end]
        if ctx[0, 0] > start_char or ctx[-1, 1] < end_char:
            return None
        start = int(np.searchsorted(ctx[:, 1], start_char, side="right"))
        end = int(np.searchsorted(ctx[:, 1], end_char, side="left"))
        end = min(end, len(ctx) - 1)
        if end < start:
            return None
        return self.context_start + start, self.context_start + end


class QATokenizer:
    """WordPiece tokenizer (the `tokenizers` library) that builds QA windows."""

    def __init__(
        self,
        vocab_path: str | Path,
        *,
        lowercase: bool,
        max_seq_len: int = 384,
        max_query_len: int = 64,
        doc_stride: int = 128,
    ) -> None:
        if max_seq_len - max_query_len - 3 <= doc_stride:
            raise ValueError(
                f"max_seq_len={max_seq_len} leaves no room for context windows with "
                f"max_query_len={max_query_len} and doc_stride={doc_stride}"
            )
        try:
            vocab_ids = WordPiece.read_file(str(vocab_path))
        except Exception as err:  # the Rust reader raises a bare Exception
            raise ValueError(f"{vocab_path}: cannot read the vocabulary ({err})") from None
        try:
            self._tok = BertWordPieceTokenizer(
                vocab_ids, lowercase=lowercase, strip_accents=lowercase, clean_text=True
            )
        except TypeError as err:  # raised for a missing [SEP] or [CLS]
            raise ValueError(
                f"{vocab_path}: vocabulary has no usable special tokens ({err})"
            ) from None
        vocab = self._tok.get_vocab()
        try:
            self.cls_id, self.sep_id = vocab["[CLS]"], vocab["[SEP]"]
            self.pad_id = vocab["[PAD]"]
        except KeyError as missing:
            raise ValueError(f"{vocab_path}: vocabulary has no {missing} token") from None
        self.vocab_size = len(vocab)
        self.max_seq_len = max_seq_len
        self.max_query_len = max_query_len
        self.doc_stride = doc_stride

    def encode(self, text: str) -> Encoding:
        """Word pieces of `text` without special tokens, with character offsets."""
        return self._tok.encode(text, add_special_tokens=False)

    def windows(self, question: str, context: str) -> list[Window]:
        """All windows for `question` over `context` (at least one, even for an empty context)."""
        q_ids = self.encode(question).ids[: self.max_query_len]
        ctx = self.encode(context)
        return self.windows_from_encodings(q_ids, ctx.ids, ctx.offsets)

    def windows_from_encodings(
        self, q_ids: list[int], ctx_ids: list[int], ctx_offsets: list[tuple[int, int]]
    ) -> list[Window]:
        """Windows from an already tokenized question and context (lets callers reuse work)."""
        budget = self.max_seq_len - len(q_ids) - 3
        n = len(ctx_ids)
        spans: list[tuple[int, int]] = []
        start = 0
        while True:
            end = min(start + budget, n)
            spans.append((start, end))
            if end >= n:
                break
            start = end - self.doc_stride

        head = [self.cls_id, *q_ids, self.sep_id]
        first = len(head)
        offsets_all = np.asarray(ctx_offsets, dtype=np.int32).reshape(-1, 2)
        windows = []
        for w_start, w_end in spans:
            length = first + (w_end - w_start) + 1
            ids = np.asarray([*head, *ctx_ids[w_start:w_end], self.sep_id], dtype=np.int32)
            types = np.zeros(length, dtype=np.int32)
            types[first:] = 1
            offsets = np.full((length, 2), NO_OFFSET, dtype=np.int32)
            offsets[first : first + (w_end - w_start)] = offsets_all[w_start:w_end]
            windows.append(
                Window(
                    input_ids=ids,
                    token_type_ids=types,
                    offsets=offsets,
                    context_start=first,
                    context_end=first + (w_end - w_start),
                    max_context=np.zeros(length, dtype=bool),
                )
            )
        _mark_max_context(windows, spans)
        return windows


def _mark_max_context(windows: list[Window], spans: list[tuple[int, int]]) -> None:
    """Set each window's `max_context` flags in place (BERT run_squad's _check_is_max_context)."""
    best: dict[int, tuple[float, int]] = {}
    for w_index, (start, end) in enumerate(spans):
        for pos in range(start, end):
            score = min(pos - start, end - 1 - pos) + 0.01 * (end - start)
            if pos not in best or score > best[pos][0]:
                best[pos] = (score, w_index)
    for pos, (_, w_index) in best.items():
        window = windows[w_index]
        window.max_context[window.context_start + pos - spans[w_index][0]] = True
