"""The shelf's catalog: which stored collection folders are current, switched atomically.

    <state_dir>/
      shelf.json                   {"collections": [{"name", "folder"}, ...]}, in load order
      libraries/<id>/              one collection: manifest.json, passages.jsonl, text/
      .lock                        held (flock) by a change in progress

Every change (a load, a forget) first writes and fsyncs whatever new collection folder it
needs, then replaces shelf.json with one rename(2). A process killed at any moment therefore
leaves either the old or the new catalog, each naming only complete folders; folders that no
catalog names (leftovers of an interrupted load, collections replaced or forgotten) are
deleted by the next change.

A state folder of the single-library format (a `library` symlink to `libraries/<id>`) reads as
a catalog of one collection, named after the folder it was loaded from; the first change
writes shelf.json (keeping that collection) and removes the link.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.errors import LibraryError
from assistant.shelf.state_access import NOT_YOURS

CATALOG = "shelf.json"
LIBRARIES_DIR = "libraries"
LEGACY_LINK = "library"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Entry:
    """One collection: its name and its folder, relative to the state folder."""

    name: str
    folder: str


def read_catalog(state: Path) -> list[Entry]:
    """The current collections in load order; [] when nothing is loaded."""
    try:
        raw = json.loads((state / CATALOG).read_text(encoding="utf-8"))
        return [Entry(e["name"], e["folder"]) for e in raw["collections"]]
    except FileNotFoundError:
        return _legacy_entry(state)
    except PermissionError:
        raise LibraryError(f"{state}: {NOT_YOURS}") from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise LibraryError(f"{state / CATALOG}: damaged catalog ({err})") from None


def _legacy_entry(state: Path) -> list[Entry]:
    link = state / LEGACY_LINK
    if not (link / MANIFEST).is_file():
        return []
    try:
        source = json.loads((link / MANIFEST).read_text(encoding="utf-8")).get("source", "")
    except (OSError, ValueError) as err:
        raise LibraryError(f"{link / MANIFEST}: damaged library ({err})") from None
    folder = Path(os.readlink(link))
    return [Entry(Path(source).name or LEGACY_LINK, folder.as_posix())]


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
    _remove_unlisted(state, entries)


def _remove_unlisted(state: Path, entries: Sequence[Entry]) -> None:
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
