"""The document library: named collections stored under the state folder, searched by BM25.

Each loaded folder or USB stick is one collection, stored in its own folder
(`libraries/<id>/`: manifest.json, passages.jsonl (file, position, text, title, section),
text/NNNN.txt with the full text of each document, so it survives the stick's removal, and
speech/ with the speech recognizer's data for them, `assistant.doc_speech`); `assistant.catalog`
keeps the list of current collections and switches it atomically.

`load_folder` scans a folder (see `documents`), writes a complete new collection folder, fsyncs
it, then switches the catalog to it: the collection of the same name is replaced, the others
stay (or, with `replace_all`, go). Any failure before the switch - an unreadable folder, a
stick pulled out mid-load, no readable document at all, a full disk, a kill -9 - leaves every
collection exactly as it was. `forget` removes one collection the same way.

`Library` searches the passages of all collections with one BM25 index (bm25s), rebuilt in
memory when a library is opened: it is a cache of the passages.jsonl files, so it is never
stale.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN

from assistant import catalog
from assistant.catalog import MANIFEST, Entry
from assistant.doc_speech import build_document_speech
from assistant.documents import (
    Document,
    Limits,
    Passage,
    Refusal,
    scan_folder,
    split_passages,
    supported_types,
)
from assistant.errors import LibraryError
from assistant.refusals import summary_lines
from assistant.state_access import NOT_YOURS, foreign_owner

log = logging.getLogger(__name__)

PASSAGES = "passages.jsonl"

_STOPWORDS = frozenset(STOPWORDS_EN) | frozenset(
    "what when where who whom whose which why how does do did is are was were am has have had "
    "can could would should will shall may might must i me my you your we our us it its "
    "tell please about from".split()
)
_WORD = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    """BM25 terms: lower-cased words, no stopwords, plurals folded ("libraries" -> "library")."""
    terms = []
    for word in _WORD.findall(text.lower()):
        if word in _STOPWORDS:
            continue
        if len(word) > 4 and word.endswith("ies"):
            word = word[:-3] + "y"
        elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        terms.append(word)
    return terms


def index_text(passage: Passage) -> str:
    """What retrieval matches a question against: the passage with its title and section."""
    return f"{passage.title}\n{passage.section}\n{passage.text}"


@dataclass(frozen=True)
class Collection:
    """One loaded folder or stick: its name, passages and manifest (source, loaded_at, files,
    refusals, passages; {} for documents read in memory), and the folder it is stored in
    (None for documents read in memory)."""

    name: str
    passages: list[Passage]
    manifest: dict
    folder: Path | None = None

    @property
    def files(self) -> list[str]:
        return sorted({p.file for p in self.passages})

    @classmethod
    def open(cls, name: str | None, folder: Path) -> Collection:
        """The collection stored in `folder`, named `name` (None: the name in its manifest,
        else the folder's); raises LibraryError when missing or damaged."""
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            with (folder / PASSAGES).open(encoding="utf-8") as f:
                passages = [Passage(**json.loads(line)) for line in f if line.strip()]
        except FileNotFoundError:
            raise LibraryError(f"{folder}: no document library there") from None
        except PermissionError:
            raise LibraryError(f"{folder}: {NOT_YOURS}") from None
        except (OSError, ValueError, TypeError) as err:
            raise LibraryError(f"{folder}: damaged library ({err})") from None
        return cls(name or manifest.get("name") or folder.name, passages, manifest, folder)


def open_collections(folder: str | Path) -> list[Collection]:
    """Every collection of the state folder `folder` (in load order), or the one collection
    folder `folder`; raises LibraryError when there is none or one is damaged."""
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return [Collection.open(None, folder)]
    entries = catalog.read_catalog(folder)
    if not entries:
        raise LibraryError(f"{folder}: no document library there")
    return [Collection.open(e.name, folder / e.folder) for e in entries]


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # BM25
    collection: str


class Library:
    """The passages of all `collections` plus one BM25 index; `search` returns the best `k`."""

    def __init__(self, collections: Sequence[Collection]) -> None:
        self.collections = list(collections)
        self.passages = [p for c in self.collections for p in c.passages]
        self._owners = [c.name for c in self.collections for _ in c.passages]
        self._bm25 = bm25s.BM25()
        if self.passages:
            self._bm25.index([tokenize(index_text(p)) for p in self.passages], show_progress=False)

    @classmethod
    def from_documents(
        cls, name: str, documents: Sequence[Document], min_words: int = 150, max_words: int = 250
    ) -> Library:
        """One in-memory collection `name` of `documents` (nothing is stored)."""
        passages = [p for d in documents for p in split_passages(d, min_words, max_words)]
        return cls([Collection(name, passages, {})])

    @classmethod
    def open(cls, folder: str | Path) -> Library:
        """The library of `open_collections(folder)`."""
        return cls(open_collections(folder))

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def files(self) -> list[str]:
        """The documents of every collection (a name appears once per collection holding it)."""
        return sorted(f for c in self.collections for f in c.files)

    def search(self, query: str, k: int) -> list[Hit]:
        """The up-to-`k` passages best matching `query`, best first; [] when none shares a term."""
        terms = tokenize(query)
        if not self.passages or not terms:
            return []
        docs, scores = self._bm25.retrieve(
            [terms], k=min(k, len(self.passages)), show_progress=False, n_threads=0
        )
        return [
            Hit(self.passages[int(i)], float(s), self._owners[int(i)])
            for i, s in zip(docs[0], scores[0], strict=True)
            if s > 0 and np.isfinite(s)
        ]


@dataclass(frozen=True)
class LoadSummary:
    """What a load did: shown to the user and logged. `replaced`: a collection of that name
    was there before (refreshed, not added)."""

    name: str
    source: str
    documents: list[str]
    refusals: list[Refusal]
    passages: int
    seconds: float
    replaced: bool

    def lines(self) -> list[str]:
        verb = "reloaded" if self.replaced else "loaded"
        out = [
            f"{verb} {len(self.documents)} document(s), {self.passages} passage(s) "
            f"from {self.source} as collection {self.name!r} in {self.seconds:.1f} s"
        ]
        out += [f"  {line}" for line in summary_lines(self.refusals)]
        return out


def load_folder(
    source: str | Path,
    state_dir: str | Path,
    limits: Limits | None = None,
    min_words: int = 150,
    max_words: int = 250,
    *,
    name: str | None = None,
    replace_all: bool = False,
) -> LoadSummary:
    """Store the documents of `source` as collection `name` (default: the folder's name),
    replacing the collection of that name - or, with `replace_all`, every collection - atomically.

    Raises `LibraryError` (every collection untouched) when the folder cannot be read, vanishes
    during the load, holds no readable document, or the new collection cannot be written.
    """
    started = time.monotonic()
    source = Path(source)
    state = Path(state_dir)
    name = name or source.resolve().name or str(source)
    if owner := foreign_owner(state):
        raise LibraryError(
            f"{state} belongs to the user {owner}: load as that user so the service can replace "
            f"the library later: sudo -u {owner} qa-assistant load {source}"
        )
    with catalog.locked(state):
        try:
            scan = scan_folder(source, limits or Limits())
        except OSError as err:
            raise LibraryError(f"{source}: cannot read the folder ({err})") from None
        if not source.is_dir():
            raise LibraryError(f"{source}: the folder disappeared during the load")
        if not scan.documents:
            raise LibraryError(
                f"{source}: no readable document ({supported_types()}); "
                "the loaded documents are kept"
            )
        passages = [p for d in scan.documents for p in split_passages(d, min_words, max_words)]
        entries = catalog.read_catalog(state)
        summary = LoadSummary(
            name,
            str(source),
            [d.name for d in scan.documents],
            scan.refusals,
            len(passages),
            time.monotonic() - started,
            any(e.name == name for e in entries),
        )
        kept = [] if replace_all else [e for e in entries if e.name != name]
        try:
            new_dir = catalog.new_folder(state)
        except OSError as err:
            raise LibraryError(f"{state}: cannot write the library ({err})") from None
        try:
            _write_collection(new_dir, scan.documents, passages, summary)
            speech = build_document_speech((d.text for d in scan.documents), new_dir)
            _sync_files(speech.folder)
            catalog.fsync_dir(new_dir)
            folder = new_dir.relative_to(state).as_posix()
            catalog.write_catalog(state, [*kept, Entry(name, folder)])
        except BaseException as err:
            shutil.rmtree(new_dir, ignore_errors=True)
            if isinstance(err, OSError):
                raise LibraryError(f"{state}: cannot write the library ({err})") from None
            raise
    for line in summary.lines():
        log.info("%s", line)
    return summary


def forget(state_dir: str | Path, name: str) -> None:
    """Remove collection `name` atomically; raises LibraryError naming the collections."""
    state = Path(state_dir)
    with catalog.locked(state):
        entries = catalog.read_catalog(state)
        kept = [e for e in entries if e.name != name]
        if len(kept) == len(entries):
            known = ", ".join(repr(e.name) for e in entries) or "none"
            raise LibraryError(f"no collection named {name!r} (collections: {known})")
        try:
            catalog.write_catalog(state, kept)
        except OSError as err:
            raise LibraryError(f"{state}: cannot write the library ({err})") from None
    log.info("forgot collection %r", name)


def has_library(state_dir: str | Path) -> bool:
    """Whether `state_dir` holds a library (True also when it is there but unreadable or
    damaged, so that opening it says why)."""
    try:
        return bool(catalog.read_catalog(Path(state_dir)))
    except LibraryError:
        return True


def _write_collection(
    folder: Path, documents: Sequence[Document], passages: Sequence[Passage], summary: LoadSummary
) -> None:
    (folder / "text").mkdir()
    files = []
    for n, doc in enumerate(documents, start=1):
        stored = f"text/{n:04d}.txt"
        catalog.write_synced(folder / stored, doc.text)
        files.append({"name": doc.name, "text": stored, "characters": len(doc.text)})
    catalog.write_synced(
        folder / PASSAGES,
        "".join(json.dumps(asdict(p), ensure_ascii=False) + "\n" for p in passages),
    )
    manifest = {
        "name": summary.name,
        "source": summary.source,
        "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "files": files,
        "refusals": [asdict(r) for r in summary.refusals],
        "passages": len(passages),
    }
    catalog.write_synced(
        folder / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    )
    catalog.fsync_dir(folder / "text")
    catalog.fsync_dir(folder)


def _sync_files(folder: Path) -> None:
    """fsync the files of `folder` (written by another module: the speech data), then it."""
    for path in folder.iterdir():
        with path.open("rb") as f:
            os.fsync(f.fileno())
    catalog.fsync_dir(folder)
