"""Per-step training logs: ``log.csv`` and TensorBoard events (``tensorboard/``) in the run folder.

CSV columns: step, epoch, lr, loss, then one column per loss term. Values are written with
Python's repr, so they read back as exactly the floats that were logged. A resumed run appends.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType


class RunLog:
    """Appends one row per optimizer step; use as a context manager (closes both writers)."""

    def __init__(self, out: Path, term_names: Sequence[str]) -> None:
        if "tensorflow" not in sys.modules:
            # tensorboard's documented switch to its TF stub: event files need no TensorFlow,
            # and importing it (installed for the converter) costs seconds and log noise.
            sys.modules.setdefault("tensorboard.compat.notf", ModuleType("tensorboard.compat.notf"))
        from torch.utils.tensorboard import SummaryWriter

        out.mkdir(parents=True, exist_ok=True)
        path = out / "log.csv"
        self.columns = ["step", "epoch", "lr", "loss", *term_names]
        is_new = not path.is_file() or path.stat().st_size == 0
        self._file = path.open("a", newline="", encoding="utf-8")
        self._csv = csv.writer(self._file)
        if is_new:
            self._csv.writerow(self.columns)
        self._tb = SummaryWriter(log_dir=str(out / "tensorboard"))

    def write(
        self, step: int, epoch: int, lr: float, loss: float, terms: Mapping[str, float]
    ) -> None:
        values = {"step": step, "epoch": epoch, "lr": lr, "loss": loss, **terms}
        self._csv.writerow([repr(values[c]) for c in self.columns])
        self._file.flush()
        self._tb.add_scalar("loss/total", loss, step)
        for name, value in terms.items():
            self._tb.add_scalar(f"loss/{name}", value, step)
        self._tb.add_scalar("lr", lr, step)

    def close(self) -> None:
        self._file.close()
        self._tb.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_log(path: Path) -> list[dict[str, float]]:
    """The rows of a log.csv as floats (for tests and reports)."""
    with path.open(newline="", encoding="utf-8") as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
