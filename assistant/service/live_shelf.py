"""The shelf as the daemon sees it: the current answerer, refreshed between turns.

`LiveShelf(shelf, reader, recognizer, mounts)` holds the answerer of the stored collections
and loads each newly mounted USB stick in one worker thread (adding or refreshing the stick's
collection, or replacing all, per `usb.mode`); the worker also opens the new library (BM25
index: seconds for thousands of passages) and finds its speech model
(`assistant.speech.spoken.library_speech`: the stored one of a single collection, else one
built from all collections' passages into a scratch folder the live shelf owns). A finished
load is applied only by `between_turns()`, which the daemon calls while idle, so the library
never changes during a turn and the swap itself is instant; it returns what to announce
("Loaded 12 documents from KINGSTON."). The recognizer gets the library's speech model
(`use_documents`) at each swap. A change made by another process (`qa-assistant load` or
`forget` while the daemon runs) is noticed by `watch` (shelf.json is replaced by a rename on
every change, so its inode changes) and reopened the same way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from assistant.answering.answerer import Answerer, Reader
from assistant.errors import LibraryError
from assistant.retrieval.index import Library
from assistant.shelf.catalog import Stamp
from assistant.shelf.catalog import stamp as catalog_stamp
from assistant.shelf.mounts import MountWatcher
from assistant.shelf.shelf import NothingLoaded, Shelf
from assistant.shelf.store import LoadSummary
from assistant.shelf.volumes import collection_name
from assistant.speech.document_speech import DocumentSpeech
from assistant.speech.recognizer import Recognizer
from assistant.speech.spoken import library_speech

log = logging.getLogger(__name__)

MOUNT_POLL_SECONDS = 2.0
LOAD_FAILED = "Loading the documents from {name} failed. The loaded documents are kept."
NOTHING_LEFT = "All documents were removed. Plug in a USB stick with your documents."


@dataclass(frozen=True)
class _Loaded:
    """A finished load or reopen: what to announce, the whole library opened after it (None:
    nothing is loaded any more), its speech model, and the catalog stamp it reflects."""

    announcement: str
    library: Library | None
    speech: DocumentSpeech | None
    stamp: Stamp


@dataclass
class _StickLoad:
    """One stick's load in the worker; `name` becomes its label once the worker has read it."""

    folder: Path
    name: str
    future: Future[_Loaded] = field(init=False)


class LiveShelf:
    """The daemon's answerer, refreshed between turns from USB sticks loaded in the background."""

    def __init__(
        self,
        shelf: Shelf,
        reader: Reader,
        recognizer: Recognizer,
        mounts: MountWatcher | None = None,
    ) -> None:
        self.shelf = shelf
        self.reader = reader
        self.recognizer = recognizer
        self.mounts = mounts
        self.answerer: Answerer | None = None
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usb-load")
        self._loads: list[_StickLoad] = []  # in mount order; the worker runs them one by one
        self._last_poll = time.monotonic()
        # the speech models built for several collections (see `library_speech`)
        self._scratch = tempfile.TemporaryDirectory(prefix="qa-speech-", ignore_cleanup_errors=True)
        self._speech: DocumentSpeech | None = None  # the one the recognizer uses
        self._stamp = catalog_stamp(shelf.state_dir)  # the catalog the answerer reflects
        try:
            library = shelf.library()
        except LibraryError as err:
            log.warning("%s", err)
        else:
            self._use(library, self._speech_of(library))

    def watch(self) -> None:
        """Queue a load for each new mount, or a reopen when another process changed the
        catalog (both looked at most every MOUNT_POLL_SECONDS); cheap enough for every tick of
        the loop."""
        now = time.monotonic()
        if now - self._last_poll < MOUNT_POLL_SECONDS:
            return
        self._last_poll = now
        for event in self.mounts.read_events() if self.mounts is not None else ():
            if event.kind == "added":
                self.start_load(event.path)
        stamp = catalog_stamp(self.shelf.state_dir)
        if not self._loads and stamp != self._stamp:  # our own loads set it when applied
            log.info("the documents were changed by another process: reopening them")
            self._stamp = stamp
            load = _StickLoad(self.shelf.state_dir, "the assistant's library")
            load.future = self._loader.submit(self._reopen)
            self._loads.append(load)

    def start_load(self, folder: Path) -> Future[_Loaded]:
        """Load `folder` (a mounted stick) in the worker; `between_turns` applies the result."""
        log.info("new mount %s: loading its documents", folder)
        load = _StickLoad(folder, folder.name)
        load.future = self._loader.submit(self._load_stick, load)
        self._loads.append(load)
        return load.future

    def between_turns(self) -> list[str]:
        """Apply the finished loads (the library swap); what to announce (maybe nothing)."""
        news = []
        latest: _Loaded | None = None
        while self._loads and self._loads[0].future.done():
            load = self._loads.pop(0)
            try:
                loaded = load.future.result()
            except LibraryError as err:
                log.error("automatic load failed: %s", err)
                news.append(LOAD_FAILED.format(name=load.name))
            except Exception:
                log.exception("automatic load crashed")
                news.append(LOAD_FAILED.format(name=load.name))
            else:
                if latest is not None:  # superseded before it was used
                    self._discard(latest.speech)
                latest = loaded
                news.append(loaded.announcement)
        if latest is not None:
            self._stamp = latest.stamp
            if latest.library is None:
                log.info("library: nothing is loaded any more")
                self.answerer = None
            else:
                self._use(latest.library, latest.speech)
        return news

    def close(self) -> None:
        """Stop the worker (a load in progress is abandoned: the catalog stays as it was)."""
        self._loader.shutdown(wait=False, cancel_futures=True)
        if self.mounts is not None:
            self.mounts.close()
        self._scratch.cleanup()

    def _load_stick(self, load: _StickLoad) -> _Loaded:
        # listing the folder first mounts an automounted stick, so its label can be read
        with contextlib.suppress(OSError), os.scandir(load.folder) as entries:
            next(entries, None)
        load.name = collection_name(load.folder)
        replace_all = self.shelf.config.usb.mode == "replace"
        summary = self.shelf.load(load.folder, name=load.name, replace_all=replace_all)
        stamp = catalog_stamp(self.shelf.state_dir)
        library = self.shelf.library()
        announcement = _announcement(summary, replace_all)
        return _Loaded(announcement, library, self._speech_of(library), stamp)

    def _reopen(self) -> _Loaded:
        """The shelf as another process left it."""
        stamp = catalog_stamp(self.shelf.state_dir)
        try:
            library = self.shelf.library()
        except NothingLoaded:
            return _Loaded(NOTHING_LEFT, None, None, stamp)
        n = len(library.files)
        said = f"Your documents changed: {_documents(n)} {'is' if n == 1 else 'are'} loaded."
        return _Loaded(said, library, self._speech_of(library), stamp)

    def _speech_of(self, library: Library) -> DocumentSpeech | None:
        """The library's speech model; None (logged) when it cannot be built."""
        try:
            return library_speech(library, Path(self._scratch.name))
        except OSError as err:
            log.error("cannot build the speech model of the documents (%s)", err)
            return None

    def _use(self, library: Library, speech: DocumentSpeech | None) -> None:
        """Answer from `library`; the recognizer uses `speech` (None: it keeps what it had)."""
        self.answerer = Answerer.from_config(library, self.reader, self.shelf.config.answer)
        if speech is not None:
            self.recognizer.use_documents(speech)
            self._discard(self._speech)
            self._speech = speech
        log.info(
            "library: %d passage(s) from %d file(s) in %d collection(s)",
            len(library),
            len(library.files),
            len(library.collections),
        )

    def _discard(self, speech: DocumentSpeech | None) -> None:
        """Remove a speech model this shelf built (not one stored with a collection)."""
        scratch = Path(self._scratch.name)
        if speech is not None and speech.folder.parent.parent == scratch:
            shutil.rmtree(speech.folder.parent, ignore_errors=True)


def _documents(n: int) -> str:
    return f"{n} document{'s' if n != 1 else ''}"


def _announcement(summary: LoadSummary, replaced_all: bool) -> str:
    verb = "Reloaded" if summary.replaced else "Loaded"
    said = f"{verb} {_documents(len(summary.documents))} from {summary.name}."
    return said + (" The other documents were removed." if replaced_all else "")
