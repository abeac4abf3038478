"""Teacher span logits computed once and cached on disk (task distillation without a live teacher).

The cache file holds the flat start/end logits of every training item plus a fingerprint of
what produced them (teacher folder, training file, window settings, item count); a cache with
another fingerprint is recomputed. Under DDP the main process computes and writes it, the
others wait and read it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator
from torch import nn
from tqdm.auto import tqdm

from distill.data import Item, collate
from distill.objectives import encoder_inputs


def attach_teacher_logits(
    teacher: nn.Module,
    items: list[Item],
    *,
    cache_path: Path,
    fingerprint: dict,
    accelerator: Accelerator,
    batch_size: int,
    pad_id: int,
    token_types: bool,
) -> None:
    """Add ``teacher_start``/``teacher_end`` (float32, item length) to every item, in place."""
    if accelerator.is_main_process and _read(cache_path, fingerprint) is None:
        start, end = _compute(teacher, items, accelerator, batch_size, pad_id, token_types)
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"fingerprint": fingerprint, "start": start, "end": end}, cache_path)
    accelerator.wait_for_everyone()
    cache = _read(cache_path, fingerprint)
    if cache is None:
        raise RuntimeError(f"{cache_path}: teacher logits cache vanished or does not match")
    offset = 0
    for item in items:
        n = len(item["input_ids"])
        item["teacher_start"] = cache["start"][offset : offset + n].numpy()
        item["teacher_end"] = cache["end"][offset : offset + n].numpy()
        offset += n


def _read(path: Path, fingerprint: dict) -> dict | None:
    if not path.is_file():
        return None
    cache = torch.load(path, weights_only=True)
    return cache if cache.get("fingerprint") == fingerprint else None


@torch.no_grad()
def _compute(
    teacher: nn.Module,
    items: list[Item],
    accelerator: Accelerator,
    batch_size: int,
    pad_id: int,
    token_types: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Flat float32 start and end logits of all items, in item order."""
    teacher.eval()
    lengths = np.asarray([len(item["input_ids"]) for item in items])
    order = np.argsort(lengths, kind="stable")  # little padding
    starts: list[np.ndarray] = [np.empty(0, np.float32)] * len(items)
    ends: list[np.ndarray] = [np.empty(0, np.float32)] * len(items)
    for b in tqdm(range(0, len(order), batch_size), desc="teacher logits", unit="batch"):
        index = order[b : b + batch_size]
        batch = collate([items[i] for i in index], pad_id)
        batch = {k: v.to(accelerator.device) for k, v in batch.items()}
        with accelerator.autocast():
            out = teacher(**encoder_inputs(batch, token_types))
        start, end = out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()
        for row, i in enumerate(index):
            starts[i], ends[i] = start[row, : lengths[i]], end[row, : lengths[i]]
    return torch.from_numpy(np.concatenate(starts)), torch.from_numpy(np.concatenate(ends))
