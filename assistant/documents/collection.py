"""A collection: the passages of one loaded folder or USB stick, under one name."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.documents.passages import Passage


@dataclass(frozen=True)
class Collection:
    """One loaded folder or stick: its name, passages and manifest (source, loaded_at, files,
    refusals, passages; {} for documents read in memory), the folder it is stored in (None for
    documents read in memory), and its passages' stored embeddings (None when there are none
    made by the encoder it was opened with)."""

    name: str
    passages: list[Passage]
    manifest: dict
    folder: Path | None = None
    embeddings: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def files(self) -> list[str]:
        return sorted({p.file for p in self.passages})
