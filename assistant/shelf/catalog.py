"""The shelf's catalog: which stored collection folders are current, switched atomically.

    <state_dir>/
      shelf.json                   {"collections": [{"name", "folder"}, ...]}, in load order
      libraries/<id>/              one collection: manifest.json, passages.jsonl, text/
      .lock                        held (flock) by a change in progress

Every change (a load, a forget) first writes and fsyncs whatever new collection folder it
needs, then replaces shelf.json with one rename(2). A process killed at any moment therefore
leaves either the old or the new catalog, each naming only complete folders; folders that no
catalog names (leftovers of an interrupted load, collections replaced or forgotten) are
deleted by the next change, when it starts and again after its switch.

shelf.json is checked when it is read: JSON of at most MAX_CATALOG_BYTES (any nesting depth),
an object whose "collections" is a list of {"name": text, "folder": "libraries/<id>"}, each
name once. Damage is one `DamagedCatalog` message for the commands that read; a change instead
starts from the collections stored under libraries/ (`entries_for_change`: the newest complete
folder of each name, in load order) and so writes a sound catalog again. Names are compared and
stored in Unicode NFC, so "café" typed or read from a stick in either form is one collection.

A state folder of the single-library format (a `library` symlink to `libraries/<id>`) reads as
a catalog of one collection, named after the folder it was loaded from; the first change
writes shelf.json (keeping that collection) and removes the link.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.errors import LibraryError
from assistant.shelf.state_access import NOT_YOURS

log = logging.getLogger(__name__)

CATALOG = "shelf.json"
LIBRARIES_DIR = "libraries"
LEGACY_LINK = "library"
MANIFEST = "manifest.json"
MAX_CATALOG_BYTES = 1 << 20  # shelf.json of 500 collections is about 50 KB

Stamp = tuple[int, int] | None  # shelf.json's (inode, mtime); None without one


class DamagedCatalog(LibraryError):
    """shelf.json cannot be read as a catalog; the message says how it is repaired."""


@dataclass(frozen=True)
class Entry:
    """One collection: its name and its folder, relative to the state folder."""

    name: str
    folder: str


def collection_key(name: str) -> str:
    """`name` as the shelf stores and compares it: Unicode NFC."""
    return unicodedata.normalize("NFC", name)


def read_catalog(state: Path) -> list[Entry]:
    """The current collections in load order; [] when nothing is loaded. Raises
    `DamagedCatalog` when shelf.json is damaged, `LibraryError` when it cannot be read."""
    path = state / CATALOG
    try:
        with path.open("rb") as f:
            data = f.read(MAX_CATALOG_BYTES + 1)
    except FileNotFoundError:
        return _legacy_entry(state)
    except PermissionError:
        raise LibraryError(f"{state}: {NOT_YOURS}") from None
    except OSError as err:
        raise LibraryError(f"{path}: cannot read the catalog ({err.strerror})") from None
    try:
        if len(data) > MAX_CATALOG_BYTES:
            raise ValueError(f"over {MAX_CATALOG_BYTES} bytes")
        return _entries(json.loads(data.decode("utf-8")))
    except RecursionError:
        problem = "nested too deeply"
    except ValueError as err:
        problem = str(err)
    raise DamagedCatalog(
        f"{path}: damaged catalog ({problem[:200]}); the next `qa-assistant load` or "
        "`qa-assistant forget` rebuilds it from the stored collections"
    )


def _entries(raw: object) -> list[Entry]:
    """The entries of a parsed shelf.json; ValueError naming what is wrong."""
    if not isinstance(raw, dict) or not isinstance(raw.get("collections"), list):
        raise ValueError('not an object with a "collections" list')
    entries: list[Entry] = []
    names: set[str] = set()
    for n, item in enumerate(raw["collections"]):
        name = item.get("name") if isinstance(item, dict) else None
        folder = item.get("folder") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            raise ValueError(f"collections[{n}].name: must be a non-empty text")
        if not isinstance(folder, str) or not _is_collection_folder(folder):
            raise ValueError(f'collections[{n}].folder: must be "{LIBRARIES_DIR}/<id>"')
        entry = Entry(collection_key(name), folder)
        if entry.name in names:
            raise ValueError(f"collections[{n}].name: {entry.name!r} is listed twice")
        names.add(entry.name)
        entries.append(entry)
    return entries


def _is_collection_folder(folder: str) -> bool:
    """Whether `folder` names one folder directly under libraries/."""
    parts = folder.split("/")
    return len(parts) == 2 and parts[0] == LIBRARIES_DIR and parts[1] not in ("", ".", "..")


def entries_for_change(state: Path) -> tuple[list[Entry], bool]:
    """The collections a change starts from, and whether they were rebuilt: the catalog's, or
    when it is damaged, those stored under libraries/ (`stored_entries`), so the change writes
    a sound catalog again. Call it holding the lock."""
    try:
        return read_catalog(state), False
    except DamagedCatalog as err:
        entries = stored_entries(state)
        names = ", ".join(repr(e.name) for e in entries) or "none"
        log.warning("%s; rebuilding it from the stored collections: %s", err, names)
        return entries, True


def stored_entries(state: Path) -> list[Entry]:
    """The collection folders under libraries/ whose manifest names them, the newest of each
    name (by the time its manifest, written last, was written), oldest first."""
    found: dict[str, tuple[int, str, Entry]] = {}
    libraries = state / LIBRARIES_DIR
    for folder in libraries.iterdir() if libraries.is_dir() else ():
        try:
            path = folder / MANIFEST
            written = path.stat().st_mtime_ns
            manifest = json.loads(path.read_text(encoding="utf-8"))
            # a collection of the single-library format has no name: its source folder's
            name = manifest.get("name") or Path(manifest.get("source") or "").name
            if not isinstance(name, str) or not name:
                continue
        except (OSError, ValueError, AttributeError, TypeError, RecursionError):
            continue  # not a complete collection
        entry = Entry(collection_key(name), f"{LIBRARIES_DIR}/{folder.name}")
        key = (written, folder.name, entry)
        if entry.name not in found or key[:2] > found[entry.name][:2]:
            found[entry.name] = key
    return [entry for *_, entry in sorted(found.values(), key=lambda k: k[:2])]


def stamp(state: Path) -> Stamp:
    """What identifies the current shelf.json of `state` (every change renames a new one)."""
    try:
        info = (state / CATALOG).stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns


def _legacy_entry(state: Path) -> list[Entry]:
    link = state / LEGACY_LINK
    if not (link / MANIFEST).is_file():
        return []
    try:
        source = json.loads((link / MANIFEST).read_text(encoding="utf-8")).get("source", "")
    except (OSError, ValueError) as err:
        raise LibraryError(f"{link / MANIFEST}: damaged library ({err})") from None
    folder = Path(os.readlink(link))
    return [Entry(collection_key(Path(source).name or LEGACY_LINK), folder.as_posix())]


def new_folder(state: Path) -> Path:
    """A fresh, empty collection folder under libraries/ (not yet in the catalog)."""
    (state / LIBRARIES_DIR).mkdir(parents=True, exist_ok=True)
    folder = Path(
        tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=state / LIBRARIES_DIR)
    )
    folder.chmod(0o755)  # mkdtemp's 0700 would hide it from the service's user
    return folder


def write_catalog(state: Path, entries: Sequence[Entry]) -> None:
    """Make `entries` the current collections with one rename, then delete what none names."""
    tmp = state / f".{CATALOG}.tmp-{os.getpid()}"
    text = json.dumps({"collections": [asdict(e) for e in entries]}, indent=2, ensure_ascii=False)
    write_synced(tmp, text + "\n")
    os.replace(tmp, state / CATALOG)
    fsync_dir(state)
    with contextlib.suppress(FileNotFoundError):
        (state / LEGACY_LINK).unlink()
    remove_unlisted(state, entries)


def remove_unlisted(state: Path, entries: Sequence[Entry]) -> None:
    """Delete the folders under libraries/ that none of `entries` names (replaced or forgotten
    collections, leftovers of a killed load). Call it holding the lock."""
    keep = {(state / e.folder).resolve() for e in entries}
    libraries = state / LIBRARIES_DIR
    if libraries.is_dir():
        for folder in libraries.iterdir():
            if folder.resolve() not in keep:
                shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def locked(state: Path) -> Iterator[None]:
    """Hold the state folder's change lock; raises LibraryError when another change holds it."""
    try:
        state.mkdir(parents=True, exist_ok=True)
        lock = (state / ".lock").open("a")
    except PermissionError:
        raise LibraryError(f"{state}: {NOT_YOURS}") from None
    except OSError as err:
        raise LibraryError(f"{state}: cannot create the state folder ({err.strerror})") from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LibraryError(f"{state}: another load is in progress") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
