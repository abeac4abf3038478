"""Checkpoints: everything needed to continue a run bit for bit, and the resume checks.

A checkpoint folder ``checkpoint-<step>/`` holds the student (Hugging Face format, with its
tokenizer files, so it is also a usable model), ``optimizer.pt``, ``scheduler.pt``
(``scaler.pt`` under fp16), one ``rng_state_<rank>.pt`` per process (python, numpy, torch and
CUDA generators) and, written last so that its presence marks a complete checkpoint,
``trainer_state.json`` with the step and the run config. The data order needs no state of its
own: the batches of an epoch are a function of (seed, epoch), and the step says where we are.

A run config is the dict of everything that defines a run (command, models, data, every
hyper-parameter, process count); resuming under a different one is refused.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch
from accelerate import Accelerator
from torch import nn

from distill.errors import DistillError
from distill.modeling import save_model

STATE_FILE = "trainer_state.json"
_CHECKPOINT_RE = re.compile(r"^checkpoint-(\d+)$")


def checkpoint_dir(out: Path, step: int) -> Path:
    return out / f"checkpoint-{step}"


def find_checkpoint(path: str | Path) -> Path:
    """`path` itself if it is a checkpoint, else its newest complete ``checkpoint-*`` child."""
    path = Path(path)
    if (path / STATE_FILE).is_file():
        return path
    found = [
        (int(m.group(1)), child)
        for child in (path.iterdir() if path.is_dir() else [])
        if (m := _CHECKPOINT_RE.match(child.name)) and (child / STATE_FILE).is_file()
    ]
    if not found:
        raise DistillError(f"--resume {path}: no checkpoint there (no {STATE_FILE})")
    return max(found)[1]


def read_state(checkpoint: Path) -> dict[str, Any]:
    return json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8"))


def check_run_config(checkpoint: Path, run_config: dict[str, Any]) -> int:
    """The checkpoint's step; DistillError when it was written by a run with another config."""
    state = read_state(checkpoint)
    saved = state["run_config"]
    keys = sorted(set(saved) | set(run_config))
    diffs = [
        f"{key}: {saved.get(key)!r} (checkpoint) vs {run_config.get(key)!r} (now)"
        for key in keys
        if saved.get(key) != run_config.get(key)
    ]
    if diffs:
        raise DistillError(
            f"--resume {checkpoint}: written by a different run; " + "; ".join(diffs)
        )
    return int(state["step"])


def save_checkpoint(
    folder: Path,
    *,
    accelerator: Accelerator,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    step: int,
    run_config: dict[str, Any],
    tokenizer_from: Path,
) -> None:
    """Write a checkpoint (collective: every process must call it)."""
    folder.mkdir(parents=True, exist_ok=True)
    accelerator.wait_for_everyone()
    torch.save(_rng_state(), folder / f"rng_state_{accelerator.process_index}.pt")
    if accelerator.is_main_process:
        save_model(accelerator.unwrap_model(model), folder, tokenizer_from)
        torch.save(optimizer.state_dict(), folder / "optimizer.pt")
        torch.save(scheduler.state_dict(), folder / "scheduler.pt")
        if accelerator.scaler is not None:
            torch.save(accelerator.scaler.state_dict(), folder / "scaler.pt")
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        state = {"step": step, "run_config": run_config}
        (folder / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
    accelerator.wait_for_everyone()


def load_optimization_state(
    folder: Path,
    *,
    accelerator: Accelerator,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
) -> None:
    """Restore optimizer, scheduler and (fp16) grad-scaler states from a checkpoint."""
    optimizer.load_state_dict(torch.load(folder / "optimizer.pt", weights_only=True))
    scheduler.load_state_dict(torch.load(folder / "scheduler.pt", weights_only=True))
    if accelerator.scaler is not None:
        accelerator.scaler.load_state_dict(torch.load(folder / "scaler.pt", weights_only=True))


def restore_rng(folder: Path, process_index: int) -> None:
    """Put every random generator of this process back where the checkpoint left it."""
    path = folder / f"rng_state_{process_index}.pt"
    if not path.is_file():
        raise DistillError(f"--resume {folder}: no {path.name} (saved by fewer processes?)")
    state = torch.load(path, weights_only=False)  # our own file: python/numpy states
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _rng_state() -> dict[str, Any]:
    state = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state
