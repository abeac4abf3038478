"""The shelf: the collections stored in the state folder, with the configured settings.

`Shelf(config)` loads a folder (`load`), forgets a collection (`forget`), lists the
`collections` (and the damaged ones: `contents`), opens them as one search index (`library`)
or reads a folder in memory (`read_folder`), with the [library] limits and passage sizes. It
builds the sentence encoder of `answer.retriever` once (`encoder`) and uses it to embed what
it loads and opens. The CLI and the daemon (`assistant.service.live_shelf`) both use it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from assistant.config import Config
from assistant.documents.collection import Collection
from assistant.documents.scan import Limits, scan_folder, supported_types
from assistant.errors import LibraryError
from assistant.retrieval.encoder import SentenceEncoder, load_encoder
from assistant.retrieval.index import Library
from assistant.shelf.catalog import MANIFEST
from assistant.shelf.store import (
    LoadSummary,
    Opened,
    WriteExtra,
    forget,
    has_library,
    load_folder,
    open_library,
    open_shelf,
)
from assistant.shelf.volumes import collection_name


class NothingLoaded(LibraryError):
    """The state folder holds no collection."""


class Shelf:
    """The collections of `state_dir` (default: library.state_dir), loaded per `config`."""

    _UNSET = object()

    def __init__(
        self,
        config: Config,
        state_dir: str | Path | None = None,
        *,
        encoder: SentenceEncoder | object | None = _UNSET,
        extra: WriteExtra | None = None,
    ) -> None:
        """`encoder`: the sentence encoder to use (None: BM25 only); by default the one of
        `answer.retriever`, built on first use. `extra`: what each load also writes into its
        collection folder (`assistant.shelf.store.load_folder`)."""
        self.config = config
        self.state_dir = Path(state_dir) if state_dir is not None else config.state_dir
        self._encoder = encoder
        self._encoder_lock = threading.Lock()
        self._extra = extra

    @property
    def encoder(self) -> SentenceEncoder | None:
        """The sentence encoder of `answer.retriever` (None: BM25 only), built once; raises
        `assistant.qa.bundle.BundleError` when the bundle is bad."""
        with self._encoder_lock:
            if self._encoder is Shelf._UNSET:
                answer = self.config.answer
                self._encoder = load_encoder(answer.retriever, answer.threads)
            return self._encoder  # type: ignore[return-value]

    def load(
        self,
        folder: str | Path,
        *,
        name: str | None = None,
        replace_all: bool = False,
        progress: bool = False,
    ) -> LoadSummary:
        """Store `folder` as collection `name` (default: its volume label, else its name), with
        its passages' embeddings (`progress`: a bar while they are computed)."""
        return load_folder(
            folder,
            self.state_dir,
            self.config.library,
            name=name or collection_name(folder),
            replace_all=replace_all,
            encoder=self.encoder,
            extra=self._extra,
            progress=progress,
        )

    def forget(self, name: str) -> None:
        forget(self.state_dir, name)

    def collections(self) -> list[Collection]:
        """The stored collections in load order (no index is built); [] when nothing is loaded.
        A damaged collection is left out (`contents` names it)."""
        return self.contents().collections

    def contents(self) -> Opened:
        """The stored collections in load order and the damaged ones (no index is built);
        raises LibraryError when the catalog is damaged."""
        if not has_library(self.state_dir):
            return Opened([], [])
        return open_shelf(self.state_dir)

    def library(self, folder: str | Path | None = None) -> Library:
        """The stored library of `folder` (a state or collection folder; default: ours).

        Raises `NothingLoaded` when nothing is loaded there, `LibraryError` when damaged.
        """
        folder = Path(folder) if folder is not None else self.state_dir
        if not (folder / MANIFEST).is_file() and not has_library(folder):
            raise NothingLoaded(
                f"no documents are loaded (nothing in {folder}); "
                "load some with: qa-assistant load PATH"
            )
        return open_library(folder, self.encoder)

    def read_folder(self, folder: str | Path) -> Library:
        """The documents of `folder` read now, in memory, as one collection (nothing stored)."""
        try:
            scan = scan_folder(folder, Limits.of(self.config.library))
        except OSError as err:
            raise LibraryError(str(err)) from None
        if not scan.documents:
            raise LibraryError(f"{folder}: no readable document ({supported_types()})")
        return Library.from_documents(
            collection_name(folder), scan.documents, self.config.library, self.encoder
        )
