"""Progress of `qa-convert`'s stages: each is a numbered tqdm line whose elapsed time keeps
ticking while the stage runs, so a minute inside TensorFlow's converter never looks like a hang."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator

from tqdm import tqdm

REFRESH_SECONDS = 0.5


class Stages:
    """Numbered stages out of `total`; `stage(...)` shows one while its block runs."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0

    @contextlib.contextmanager
    def stage(self, what: str, detail: str = "") -> Iterator[None]:
        """Show ``qa-convert [n/total] what: detail`` with a ticking elapsed time."""
        self.done += 1
        label = f"qa-convert [{self.done}/{self.total}] {what}" + (f": {detail}" if detail else "")
        bar = tqdm(desc=label, bar_format="{desc} ({elapsed})", file=sys.stderr, leave=True)
        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(REFRESH_SECONDS):
                bar.refresh()

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield
        finally:
            stop.set()
            ticker.join()
            bar.close()
