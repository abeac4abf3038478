"""Training data: MLM text chunks, QA training features, (answer, distractor) window pairs,
retriever triples, padding and length-grouped batches.

Items are dicts of numpy values: 1-D arrays (``input_ids``, ``token_type_ids``, cached
``teacher_start``/``teacher_end`` logits) have the item's own length, scalars are labels; a
shared-normalization item has two windows (``input_ids`` and ``distractor_input_ids``), a
retriever item three token sequences (``input_ids`` the question, ``positive_input_ids`` and
``negative_input_ids`` two passages). `collate` pads a list of items into one batch;
`epoch_batches` decides which items go together, deterministically from (seed, epoch), so a
resumed run sees the same batches.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from assistant.qa.features import QATokenizer
from assistant.qa.squad import SquadFormatError, load_examples
from distill.distractors import distractor_contexts
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


def shared_norm_items(
    path: str | Path, tokenizer: QATokenizer, *, limit: int | None = None
) -> list[Item]:
    """(answer window, distractor window) pairs for shared-normalization training.

    For every answerable question of a SQuAD 1.1/2.0 file with a distractor
    (`distill.distractors`: the best BM25 paragraph of its own article, else of its source,
    that holds no gold answer text): the first window of its paragraph that holds the first
    gold answer, labelled with its token span (``input_ids``, ``token_type_ids``,
    ``start_positions``, ``end_positions``), and the question over the distractor's first
    window (``distractor_input_ids``, ``distractor_token_type_ids``). `limit` keeps the first
    N pairs. DistillError for a malformed file or one without any pair.
    """
    try:
        examples = {e.id: e for e in load_examples(path)}
    except SquadFormatError as err:
        raise DistillError(str(err)) from None
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    items: list[Item] = []
    for _, question, negatives in distractor_contexts(doc, per_question=1):
        ex = examples[question["id"]]
        if not negatives or not ex.answers:
            continue
        answer = ex.answers[0]
        labelled = (
            (w, span)
            for w in tokenizer.windows(ex.question, ex.context)
            if (span := w.token_span(answer.start, answer.start + len(answer.text)))
        )
        window, span = next(labelled, (None, None))
        if window is None:
            continue
        distractor = tokenizer.windows(ex.question, negatives[0])[0]
        items.append(
            {
                "input_ids": window.input_ids.astype(np.int64),
                "token_type_ids": window.token_type_ids.astype(np.int64),
                "start_positions": span[0],
                "end_positions": span[1],
                "distractor_input_ids": distractor.input_ids.astype(np.int64),
                "distractor_token_type_ids": distractor.token_type_ids.astype(np.int64),
            }
        )
        if limit is not None and len(items) >= limit:
            break
    if not items:
        raise DistillError(f"{path}: no answerable question has a distractor passage")
    return items


def retrieval_items(
    path: str | Path,
    tokenizer: QATokenizer,
    *,
    max_query_len: int,
    max_seq_len: int,
    limit: int | None = None,
) -> list[Item]:
    """(question, its paragraph, a hard negative) triples for training a sentence encoder.

    For every answerable question of a SQuAD 1.1/2.0 file with a distractor
    (`distill.distractors`: the best BM25 paragraph of its own article, else of its source,
    that holds no gold answer text): ``[CLS] question [SEP]`` and, for each passage,
    ``[CLS] title \\n\\n context [SEP]`` cut at `max_seq_len` tokens: the title before the
    text as the assistant indexes a passage (`assistant.retrieval.index.index_text`), underscores of
    Wikipedia titles read as spaces. `limit` keeps the first N triples. DistillError for a
    malformed file or one without any triple.
    """
    try:
        load_examples(path)  # validates every record, naming the bad one
    except SquadFormatError as err:
        raise DistillError(str(err)) from None
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    title_of = {
        p["context"]: str(a.get("title", "")).replace("_", " ")
        for a in doc["data"]
        for p in a["paragraphs"]
    }

    def sequence(text: str, length: int) -> np.ndarray:
        ids = tokenizer.encode(text).ids[: length - 2]
        return np.asarray([tokenizer.cls_id, *ids, tokenizer.sep_id], dtype=np.int64)

    def passage(context: str) -> np.ndarray:
        return sequence(f"{title_of[context]}\n\n{context}", max_seq_len)

    items: list[Item] = []
    context_of = {
        q["id"]: p["context"] for a in doc["data"] for p in a["paragraphs"] for q in p["qas"]
    }
    for _, question, negatives in distractor_contexts(doc, per_question=1):
        if not negatives:
            continue
        items.append(
            {
                "input_ids": sequence(question["question"], max_query_len),
                "positive_input_ids": passage(context_of[question["id"]]),
                "negative_input_ids": passage(negatives[0]),
            }
        )
        if limit is not None and len(items) >= limit:
            break
    if not items:
        raise DistillError(f"{path}: no answerable question has a distractor passage")
    return items


def _cap_negatives(labelled: list, cap: int | None, seed: list[int]) -> list:
    """`labelled` (window, (start, end)) pairs with at most `cap` (0, 0) ones, order kept."""
    negatives = [i for i, (_, label) in enumerate(labelled) if label == (0, 0)]
    if cap is None or len(negatives) <= cap:
        return labelled
    dropped = set(np.random.default_rng(seed).permutation(negatives)[cap:].tolist())
    return [pair for i, pair in enumerate(labelled) if i not in dropped]


def collate(items: Sequence[Item], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad items into a batch: each array key to its longest item (token sequences, the keys
    ending in ``input_ids``, with `pad_id`, others with 0), scalars stacked. Each token
    sequence gets its mask, 1 on real tokens: ``attention_mask`` for ``input_ids``,
    ``<prefix>attention_mask`` for ``<prefix>input_ids``."""
    batch: dict[str, torch.Tensor] = {}
    for key, first in items[0].items():
        if not isinstance(first, np.ndarray):
            batch[key] = torch.tensor([item[key] for item in items], dtype=torch.long)
            continue
        lengths = np.asarray([len(item[key]) for item in items])
        tokens = key.endswith("input_ids")
        out = np.full((len(items), lengths.max()), pad_id if tokens else 0, dtype=first.dtype)
        for row, item in enumerate(items):
            out[row, : lengths[row]] = item[key]
        batch[key] = torch.from_numpy(out)
        if tokens:
            mask = np.arange(lengths.max())[None, :] < lengths[:, None]
            batch[key.removesuffix("input_ids") + "attention_mask"] = torch.from_numpy(
                mask.astype(np.int64)
            )
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
