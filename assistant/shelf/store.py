"""The shelf's store: collections written to and read from the state folder, atomically.

Each loaded folder or USB stick is one collection, stored in its own folder
(`libraries/<id>/`: manifest.json, passages.jsonl (file, position, text, title, section),
text/NNNN.txt with the full text of each document, so it survives the stick's removal, what a
load's `extra` writes (the speech recognizer's data, `assistant.speech.document_speech`); with
a sentence encoder, embeddings.npy: one unit-length embedding per passage, the manifest naming
the encoder model's sha256); `assistant.shelf.catalog` keeps the list of current collections
and switches it atomically.

`load_folder` scans a folder (`assistant.documents.scan`), writes a complete new collection
folder, fsyncs it, then switches the catalog to it: the collection of the same name is
replaced, the others stay (or, with `replace_all`, go). Any failure before the switch - an
unreadable folder, a stick pulled out mid-load, no readable document at all, a full disk, a
kill -9 - leaves every collection exactly as it was. `forget` removes one collection the same
way. `open_library` opens the stored collections as one search index
(`assistant.retrieval.index.Library`); a collection's embeddings made by another encoder, or
missing, are recomputed in memory when it is opened.

What is read is checked, never trusted: a manifest and every passage for their fields and
types (any JSON nesting depth), embeddings for their shape and type from the .npy header
before they are read, then for values that are not finite (recomputed, with a warning). A
collection that fails is `Damaged`: skipped with a warning naming it while the others answer
(`open_shelf`). A reader that finds a collection folder gone while a change switched the
catalog reads the new catalog instead, so it never sees a half-switched shelf.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from assistant.config import LibraryConfig
from assistant.documents.collection import Collection
from assistant.documents.passages import Passage, split_passages
from assistant.documents.refusals import printable, summary_lines
from assistant.documents.scan import Document, Limits, Refusal, scan_folder, supported_types
from assistant.errors import LibraryError
from assistant.retrieval.encoder import SentenceEncoder
from assistant.retrieval.index import Library, index_text
from assistant.shelf import catalog
from assistant.shelf.catalog import MANIFEST, Entry
from assistant.shelf.state_access import NOT_YOURS, foreign_owner

log = logging.getLogger(__name__)

PASSAGES = "passages.jsonl"
EMBEDDINGS = "embeddings.npy"
OPEN_ATTEMPTS = 3  # catalogs read by one open while changes switch it
# manifest field -> its type (all optional: older collections lack some)
_MANIFEST_FIELDS: dict[str, type] = {
    "name": str,
    "source": str,
    "loaded_at": str,
    "files": list,
    "refusals": list,
    "passages": int,
    "encoder": str,
}
# passages.jsonl field -> its type, and those every passage has
_PASSAGE_FIELDS: dict[str, type] = {
    "file": str,
    "position": int,
    "text": str,
    "title": str,
    "section": str,
}
_PASSAGE_REQUIRED = ("file", "position", "text")

# writes data derived from a load's documents into the new collection folder; returns the
# folder it wrote (fsynced with the collection); an OSError fails the load
WriteExtra = Callable[[Sequence[Document], Path], Path]


def open_collection(
    name: str | None, folder: Path, encoder: SentenceEncoder | None = None
) -> Collection:
    """The collection stored in `folder`, named `name` (None: the name in its manifest, else
    the folder's), with its embeddings when `encoder` made them; raises LibraryError when
    missing or damaged (one line: the folder and what is wrong)."""
    try:
        manifest = _manifest(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
        with (folder / PASSAGES).open(encoding="utf-8") as f:
            passages = [_passage(n, line) for n, line in enumerate(f, 1) if line.strip()]
    except FileNotFoundError:
        raise LibraryError(f"{folder}: no document library there") from None
    except PermissionError:
        raise LibraryError(f"{folder}: {NOT_YOURS}") from None
    except RecursionError:
        raise LibraryError(f"{folder}: damaged library (nested too deeply)") from None
    except (OSError, ValueError) as err:
        raise LibraryError(f"{folder}: damaged library ({str(err)[:200]})") from None
    embeddings = _stored_embeddings(folder, manifest, len(passages), encoder)
    name = name or manifest.get("name") or folder.name
    return Collection(name, passages, manifest, folder, embeddings)


def _manifest(raw: object) -> dict:
    """A parsed manifest.json, checked (see `_MANIFEST_FIELDS`); ValueError naming the field."""
    if not isinstance(raw, dict):
        raise ValueError(f"{MANIFEST}: not an object")
    for key, kind in _MANIFEST_FIELDS.items():
        if key in raw and (not isinstance(raw[key], kind) or isinstance(raw[key], bool)):
            raise ValueError(f"{MANIFEST}: {key} must be {kind.__name__}")
    return raw


def _passage(n: int, line: str) -> Passage:
    """Line `n` of passages.jsonl as a passage; ValueError naming what is wrong."""
    raw = json.loads(line)
    where = f"{PASSAGES} line {n}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: not an object")
    for key, value in raw.items():
        kind = _PASSAGE_FIELDS.get(key)
        if kind is None:
            raise ValueError(f"{where}: unknown field {key[:40]!r}")
        if type(value) is not kind:  # not a subclass either: true is no position
            raise ValueError(f"{where}: {key} must be {kind.__name__}")
    if missing := [key for key in _PASSAGE_REQUIRED if key not in raw]:
        raise ValueError(f"{where}: no {missing[0]}")
    return Passage(**raw)


@dataclass(frozen=True)
class Damaged:
    """A stored collection that cannot be opened: its name and why (one line)."""

    name: str
    reason: str


@dataclass(frozen=True)
class Opened:
    """The stored collections that opened (in load order) and those that are damaged."""

    collections: list[Collection]
    damaged: list[Damaged]


def open_shelf(folder: str | Path, encoder: SentenceEncoder | None = None) -> Opened:
    """Every collection of the state folder `folder` (in load order), or the one collection
    folder `folder`, with the embeddings `encoder` made of them (see `open_collection`).

    A damaged collection is skipped, with a warning naming it. Raises LibraryError when
    nothing is stored there, the catalog is damaged, or the one collection folder is."""
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return Opened([open_collection(None, folder, encoder)], [])
    for _ in range(OPEN_ATTEMPTS):
        before = catalog.stamp(folder)
        entries = catalog.read_catalog(folder)
        if not entries:
            raise LibraryError(f"{folder}: no document library there")
        opened, damaged = [], []
        for entry in entries:
            try:
                opened.append(open_collection(entry.name, folder / entry.folder, encoder))
            except LibraryError as err:
                damaged.append(Damaged(entry.name, str(err)))
        if not damaged or catalog.stamp(folder) == before:
            break
        # a change switched the catalog while we read (a folder it replaced is gone): again
    for bad in damaged:
        log.warning("collection %r skipped: %s", bad.name, bad.reason)
    return Opened(opened, damaged)


def open_collections(
    folder: str | Path, encoder: SentenceEncoder | None = None
) -> list[Collection]:
    """The collections of `open_shelf(folder, encoder)` that opened."""
    return open_shelf(folder, encoder).collections


def open_library(folder: str | Path, encoder: SentenceEncoder | None = None) -> Library:
    """The search index of the collections of `open_shelf(folder, encoder)` that opened;
    raises LibraryError when every collection is damaged."""
    opened = open_shelf(folder, encoder)
    if not opened.collections:
        names = ", ".join(repr(d.name) for d in opened.damaged)
        raise LibraryError(
            f"{folder}: every collection is damaged ({names}; the first: "
            f"{opened.damaged[0].reason}); load them again with: qa-assistant load PATH"
        )
    return Library(opened.collections, encoder=encoder)


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
            f"from {printable(self.source)} as collection {self.name!r} in {self.seconds:.1f} s"
        ]
        out += [f"  {line}" for line in summary_lines(self.refusals)]
        return out


def load_folder(
    source: str | Path,
    state_dir: str | Path,
    settings: LibraryConfig,
    *,
    name: str | None = None,
    replace_all: bool = False,
    encoder: SentenceEncoder | None = None,
    extra: WriteExtra | None = None,
    progress: bool = False,
) -> LoadSummary:
    """Store the documents of `source` as collection `name` (default: the folder's name),
    replacing the collection of that name - or, with `replace_all`, every collection - atomically.

    The [library] `settings` give the limits and passage sizes. With `encoder`, every passage
    is embedded too (`progress`: a tqdm bar while it runs) and the embeddings are stored with
    the collection; `extra` writes its data about the documents (the speech model) into the
    new collection folder before it becomes current.
    Raises `LibraryError` (every collection untouched) when the folder cannot be read, vanishes
    during the load, holds no readable document, or the new collection cannot be written.
    """
    started = time.monotonic()
    source = Path(source)
    state = Path(state_dir)
    name = catalog.collection_key(name or source.resolve().name or str(source))
    if owner := foreign_owner(state):
        raise LibraryError(
            f"{state} belongs to the user {owner}: load as that user so the service can replace "
            f"the library later: sudo -u {owner} qa-assistant load {source}"
        )
    with catalog.locked(state):
        entries, _ = catalog.entries_for_change(state)
        catalog.remove_unlisted(state, entries)  # what killed loads left
        try:
            scan = scan_folder(source, Limits.of(settings))
        except OSError as err:
            raise LibraryError(f"{source}: cannot read the folder ({err})") from None
        if not source.is_dir():
            raise LibraryError(f"{source}: the folder disappeared during the load")
        if not scan.documents:
            raise LibraryError(
                f"{source}: no readable document ({supported_types()}); "
                "the loaded documents are kept"
            )
        passages = [p for d in scan.documents for p in split_passages(d, settings)]
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
            embeddings = None
            if encoder is not None:
                texts = [index_text(p) for p in passages]
                embeddings = encoder.embed_all(texts, progress=progress)
            _write_collection(new_dir, scan.documents, passages, summary, encoder, embeddings)
            if extra is not None:
                _sync_files(extra(scan.documents, new_dir))
            catalog.fsync_dir(new_dir)
            folder = new_dir.relative_to(state).as_posix()
            catalog.write_catalog(state, [*kept, Entry(name, folder)])
        except BaseException as err:
            shutil.rmtree(new_dir, ignore_errors=True)
            if isinstance(err, OSError):
                raise LibraryError(f"{state}: cannot write the library ({err})") from None
            raise
    # the whole load: reading, embedding, the speech model and the synced writes
    summary = replace(summary, seconds=time.monotonic() - started)
    for line in summary.lines():
        log.info("%s", line)
    return summary


def forget(state_dir: str | Path, name: str) -> None:
    """Remove collection `name` atomically; raises LibraryError naming the collections. A
    damaged catalog is rebuilt from the stored collections (`catalog.entries_for_change`) and
    written again, even when `name` is not among them; a missing state folder is not created."""
    state = Path(state_dir)
    name = catalog.collection_key(name)
    if not state.is_dir():
        raise LibraryError(f"no collection named {name!r} (nothing is loaded in {state})")
    with catalog.locked(state):
        entries, rebuilt = catalog.entries_for_change(state)
        kept = [e for e in entries if e.name != name]
        if len(kept) < len(entries) or rebuilt:
            try:
                catalog.write_catalog(state, kept)
            except OSError as err:
                raise LibraryError(f"{state}: cannot write the library ({err})") from None
    if len(kept) == len(entries):
        known = ", ".join(repr(e.name) for e in entries) or "none"
        repaired = "; the damaged catalog was rebuilt" if rebuilt else ""
        raise LibraryError(f"no collection named {name!r} (collections: {known}){repaired}")
    log.info("forgot collection %r", name)


def has_library(state_dir: str | Path) -> bool:
    """Whether `state_dir` holds a library (True also when it is there but unreadable or
    damaged, so that opening it says why)."""
    try:
        return bool(catalog.read_catalog(Path(state_dir)))
    except LibraryError:
        return True


def _stored_embeddings(
    folder: Path, manifest: dict, passages: int, encoder: SentenceEncoder | None
) -> np.ndarray | None:
    """The stored embeddings of the collection in `folder` when `encoder` made them for these
    `passages` and they are finite numbers, else None (the library then embeds the passages
    again). The .npy header is checked before the array is read: a header that declares more
    than the file holds allocates nothing."""
    path = folder / EMBEDDINGS
    if encoder is None or not path.is_file():
        return None
    expected = (passages, encoder.dim)
    try:
        with path.open("rb") as f:
            version = np.lib.format.read_magic(f)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran_order, dtype = read_header(f)
            stored = manifest.get("encoder") == encoder.model_id and shape == expected
            if not stored or dtype != np.float32 or fortran_order:
                log.info("%s: made by another encoder; embedding the passages again", path)
                return None
            f.seek(0)
            embeddings = np.load(f, allow_pickle=False)
    except (OSError, ValueError, EOFError) as err:
        log.warning("%s: unreadable (%s); embedding the passages again", path, err)
        return None
    if embeddings.shape != expected or not np.isfinite(embeddings).all():
        log.warning("%s: damaged (not finite numbers); embedding the passages again", path)
        return None
    return embeddings


def _write_collection(
    folder: Path,
    documents: Sequence[Document],
    passages: Sequence[Passage],
    summary: LoadSummary,
    encoder: SentenceEncoder | None = None,
    embeddings: np.ndarray | None = None,
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
    if encoder is not None and embeddings is not None:
        with (folder / EMBEDDINGS).open("wb") as f:
            np.save(f, embeddings, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        manifest["encoder"] = encoder.model_id
    catalog.write_synced(
        folder / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    )
    catalog.fsync_dir(folder / "text")
    catalog.fsync_dir(folder)


def _sync_files(folder: Path) -> None:
    """fsync the files of `folder` (written by an `extra`), then it."""
    for path in folder.iterdir():
        with path.open("rb") as f:
            os.fsync(f.fileno())
    catalog.fsync_dir(folder)
