"""Training data: MLM text chunks, QA training features, padding and length-grouped batches.

Items are dicts of numpy values: 1-D arrays (``input_ids``, ``token_type_ids``, cached
``teacher_start``/``teacher_end`` logits) have the item's own length, scalars are labels.
`collate` pads a list of items into one batch; `epoch_batches` decides which items go
together, deterministically from (seed, epoch), so a resumed run sees the same batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from assistant.qa.features import QATokenizer
from assistant.qa.squad import SquadFormatError, load_examples
from distill.errors import DistillError

Item = dict[str, np.ndarray | int]


def read_text(paths: Sequence[str | Path], *, limit: int | None = None) -> list[str]:
    """Non-blank lines (one document or sentence each) of UTF-8 text files, in order.

    DistillError naming the file (and line) for a missing, non-UTF-8 or all-blank file.
    """
    lines: list[str] = []
    for path in map(Path, paths):
        if not path.is_file():
            raise DistillError(f"{path}: no such file")
        n_before = len(lines)
        with path.open("rb") as f:
            for number, raw in enumerate(f, start=1):
                try:
                    text = raw.decode("utf-8").strip()
                except UnicodeDecodeError:
                    raise DistillError(f"{path}: line {number} is not UTF-8 text") from None
                if text:
                    lines.append(text)
                if limit is not None and len(lines) >= limit:
                    return lines
        if len(lines) == n_before:
            raise DistillError(f"{path}: contains no text (every line is blank)")
    return lines


def mlm_items(
    lines: Sequence[str], tokenizer: QATokenizer, max_seq_len: int, overlap: int = 0
) -> list[Item]:
    """``[CLS] pieces [SEP]`` per line, at most `max_seq_len` tokens; a longer line is split
    into chunks, consecutive chunks sharing `overlap` word pieces."""
    body = max_seq_len - 2
    if not 0 <= overlap < body:
        raise DistillError(f"chunk overlap must be in [0, {body}), got {overlap}")
    items: list[Item] = []
    for line in lines:
        ids = tokenizer.encode(line).ids
        start = 0
        while True:
            chunk = [tokenizer.cls_id, *ids[start : start + body], tokenizer.sep_id]
            items.append({"input_ids": np.asarray(chunk, dtype=np.int64)})
            if start + body >= len(ids):
                break
            start += body - overlap
    return items


def token_counts(items: Sequence[Item], vocab_size: int) -> torch.Tensor:
    """How often each token id occurs in the items' input_ids (for masking smoothing)."""
    counts = np.zeros(vocab_size, dtype=np.int64)
    for item in items:
        np.add.at(counts, item["input_ids"], 1)
    return torch.from_numpy(counts)


def qa_items(
    path: str | Path,
    tokenizer: QATokenizer,
    *,
    limit: int | None = None,
    max_negative_windows: int | None = None,
    seed: int = 0,
) -> list[Item]:
    """One item per window of every question of a SQuAD 1.1/2.0 file (BERT run_squad labels).

    The label is the first gold answer's token span; a window that does not contain it, and
    every window of an unanswerable (SQuAD 2.0) question, is labelled [CLS] (0, 0).
    `max_negative_windows` keeps at most that many [CLS]-labelled windows per question (drawn
    with `seed`; None keeps all): very long documents otherwise flood the data with windows
    that hold no answer. DistillError naming the record for a malformed or empty file.
    """
    try:
        examples = load_examples(path, limit=limit)
    except SquadFormatError as err:
        raise DistillError(str(err)) from None
    items: list[Item] = []
    for index, ex in enumerate(examples):
        labelled = []
        for window in tokenizer.windows(ex.question, ex.context):
            span = None
            if ex.answers and not ex.is_impossible:
                answer = ex.answers[0]
                span = window.token_span(answer.start, answer.start + len(answer.text))
            labelled.append((window, span or (0, 0)))
        for window, (start, end) in _cap_negatives(labelled, max_negative_windows, [seed, index]):
            items.append(
                {
                    "input_ids": window.input_ids.astype(np.int64),
                    "token_type_ids": window.token_type_ids.astype(np.int64),
                    "start_positions": start,
                    "end_positions": end,
                }
            )
    return items


def _cap_negatives(labelled: list, cap: int | None, seed: list[int]) -> list:
    """`labelled` (window, (start, end)) pairs with at most `cap` (0, 0) ones, order kept."""
    negatives = [i for i, (_, label) in enumerate(labelled) if label == (0, 0)]
    if cap is None or len(negatives) <= cap:
        return labelled
    dropped = set(np.random.default_rng(seed).permutation(negatives)[cap:].tolist())
    return [pair for i, pair in enumerate(labelled) if i not in dropped]


def collate(items: Sequence[Item], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad items into a batch: arrays to the longest item (input_ids with `pad_id`, others
    with 0), scalars stacked; adds ``attention_mask`` (1 on real tokens)."""
    lengths = [len(item["input_ids"]) for item in items]
    width = max(lengths)
    batch: dict[str, torch.Tensor] = {}
    for key, first in items[0].items():
        if isinstance(first, np.ndarray):
            fill = pad_id if key == "input_ids" else 0
            out = np.full((len(items), width), fill, dtype=first.dtype)
            for row, item in enumerate(items):
                out[row, : lengths[row]] = item[key]
            batch[key] = torch.from_numpy(out)
        else:
            batch[key] = torch.tensor([item[key] for item in items], dtype=torch.long)
    mask = np.arange(width)[None, :] < np.asarray(lengths)[:, None]
    batch["attention_mask"] = torch.from_numpy(mask.astype(np.int64))
    return batch


def epoch_batches(
    lengths: Sequence[int],
    batch_size: int,
    *,
    seed: int,
    epoch: int,
    num_shards: int = 1,
    shard: int = 0,
    group_batches: int = 100,
) -> list[list[int]]:
    """This shard's batches (lists of item indices) for one epoch, grouped by length.

    Items are shuffled, cut into groups of `group_batches` batches, sorted by length within a
    group (little padding), batched, and the batches shuffled. The order depends only on
    (seed, epoch), so every process computes the same list and takes every num_shards-th
    batch; the tail is dropped so that all shards have the same number of batches.
    """
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(lengths))
    lengths_arr = np.asarray(lengths)
    batches: list[list[int]] = []
    group = batch_size * group_batches
    for g_start in range(0, len(order), group):
        members = order[g_start : g_start + group]
        members = members[np.argsort(lengths_arr[members], kind="stable")]
        batches.extend(
            members[b : b + batch_size].tolist() for b in range(0, len(members), batch_size)
        )
    batches = [batches[i] for i in rng.permutation(len(batches))]
    usable = len(batches) - len(batches) % num_shards
    return batches[shard:usable:num_shards]
