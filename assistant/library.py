"""The document library: an atomically replaced store under the state folder, searched by BM25.

    <state_dir>/
      library -> libraries/<id>      symlink, swapped with one rename(2): the switch is atomic
      libraries/<id>/manifest.json   source, time, files, refusals, passage count
      libraries/<id>/passages.jsonl  one {"file", "position", "text"} per line
      libraries/<id>/embeddings.npy  one unit-length sentence embedding per passage (optional)
      libraries/<id>/text/NNNN.txt   the full text of each document (survives USB removal)
      .lock                          held (flock) by a load in progress

`load_folder` scans a folder (see `documents`), writes a complete new library next to the
current one, fsyncs it, then swaps the symlink. Any failure before the swap - an unreadable
folder, a stick pulled out mid-load, no readable document at all, a full disk - leaves the
previous library exactly as it was. The BM25 index (bm25s) is rebuilt in memory when a library
is opened: it is a cache of passages.jsonl, so a library can never hold a stale index.

With a sentence encoder (`assistant.encoder`), a load also embeds every passage and stores the
matrix as embeddings.npy, written and fsynced with the rest before the swap; the manifest names
the encoder model's sha256. Searching then ranks by BM25 and embeddings together
(`assistant.retrieval`). Embeddings made by another encoder, or missing, are recomputed in
memory when the library is opened with an encoder.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN

from assistant.documents import Document, Limits, Passage, Refusal, scan_folder, split_passages
from assistant.encoder import SentenceEncoder
from assistant.retrieval import fuse, index_text

log = logging.getLogger(__name__)

CURRENT_LINK = "library"
LIBRARIES_DIR = "libraries"
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
EMBEDDINGS = "embeddings.npy"

_STOPWORDS = frozenset(STOPWORDS_EN) | frozenset(
    "what when where who whom whose which why how does do did is are was were am has have had "
    "can could would should will shall may might must i me my you your we our us it its "
    "tell please about from".split()
)
_WORD = re.compile(r"[^\W_]+")


class LibraryError(Exception):
    """A load that did not happen, or a library that cannot be opened (user-facing message)."""


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


@dataclass(frozen=True)
class Hit:
    """A search result. `score` ranks: the fused score when the library has embeddings, else
    BM25 divided by the query's best BM25 score (1.0 for the first hit)."""

    passage: Passage
    score: float
    bm25: float = 0.0
    cosine: float = 0.0  # query-passage embedding cosine (0 without an encoder)


class Library:
    """Passages plus their BM25 index (and embeddings); `search` returns the best `k`.

    Without an encoder only passages sharing a term with the query are returned; with one
    (`encoder` and `embeddings`, one row per passage) every passage is ranked.
    """

    def __init__(
        self,
        passages: Sequence[Passage],
        manifest: dict | None = None,
        *,
        encoder: SentenceEncoder | None = None,
        embeddings: np.ndarray | None = None,
    ) -> None:
        self.passages = list(passages)
        self.manifest = manifest or {}
        self.encoder = encoder
        if encoder is not None and embeddings is None:
            embeddings = encoder.embed_all([index_text(p) for p in self.passages])
        self.embeddings = embeddings
        self._bm25 = bm25s.BM25()
        if self.passages:
            self._bm25.index([tokenize(index_text(p)) for p in self.passages], show_progress=False)

    @classmethod
    def from_documents(
        cls,
        documents: Sequence[Document],
        min_words: int = 150,
        max_words: int = 250,
        encoder: SentenceEncoder | None = None,
    ) -> Library:
        passages = [p for d in documents for p in split_passages(d, min_words, max_words)]
        return cls(passages, encoder=encoder)

    @classmethod
    def open(cls, folder: str | Path, encoder: SentenceEncoder | None = None) -> Library:
        """The library stored in `folder` (a libraries/<id> folder or a state folder)."""
        folder = Path(folder)
        if (folder / CURRENT_LINK).exists():
            folder = folder / CURRENT_LINK
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            with (folder / PASSAGES).open(encoding="utf-8") as f:
                passages = [Passage(**json.loads(line)) for line in f if line.strip()]
        except FileNotFoundError:
            raise LibraryError(f"{folder}: no document library there") from None
        except (OSError, ValueError, TypeError) as err:
            raise LibraryError(f"{folder}: damaged library ({err})") from None
        return cls(
            passages, manifest, encoder=encoder, embeddings=_stored_embeddings(folder, encoder)
        )

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def files(self) -> list[str]:
        return sorted({p.file for p in self.passages})

    def search(self, query: str, k: int) -> list[Hit]:
        """The up-to-`k` passages best matching `query`, best first.

        BM25 only: [] when no passage shares a term with the query.
        """
        terms = tokenize(query)
        if self.encoder is not None and self.embeddings is not None and self.passages:
            bm25 = self._bm25.get_scores(terms) if terms else np.zeros(len(self.passages))
            cosine = self.embeddings @ self.encoder.embed(query)
            fused = fuse(bm25, cosine)
            best = np.argsort(-fused, kind="stable")[:k]
            return [
                Hit(self.passages[i], float(fused[i]), float(bm25[i]), float(cosine[i]))
                for i in best.tolist()
            ]
        if not self.passages or not terms:
            return []
        docs, scores = self._bm25.retrieve(
            [terms], k=min(k, len(self.passages)), show_progress=False, n_threads=0
        )
        best = float(scores[0][0]) if len(scores[0]) else 0.0
        if not best > 0:
            return []
        return [
            Hit(self.passages[int(i)], float(s) / best, float(s))
            for i, s in zip(docs[0], scores[0], strict=True)
            if s > 0 and np.isfinite(s)
        ]

    def vocabulary(self) -> set[str]:
        """Every lower-cased word of the library (speech-recognition vocabulary hints)."""
        return {w for p in self.passages for w in _WORD.findall(p.text.lower())}


@dataclass(frozen=True)
class LoadSummary:
    """What a load did: shown to the user and logged."""

    source: str
    documents: list[str]
    refusals: list[Refusal]
    passages: int
    seconds: float

    def lines(self) -> list[str]:
        out = [
            f"loaded {len(self.documents)} document(s), {self.passages} passage(s) "
            f"from {self.source} in {self.seconds:.1f} s"
        ]
        out += [f"  refused {r.name}: {r.reason}" for r in self.refusals]
        return out


def load_folder(
    source: str | Path,
    state_dir: str | Path,
    limits: Limits | None = None,
    min_words: int = 150,
    max_words: int = 250,
    encoder: SentenceEncoder | None = None,
    progress: bool = False,
) -> LoadSummary:
    """Replace the library in `state_dir` by the documents of `source`, atomically.

    With `encoder`, every passage is embedded too (`progress`: a tqdm bar while it runs).
    Raises `LibraryError` (previous library untouched) when the folder cannot be read, vanishes
    during the load, holds no readable document, or the new library cannot be written.
    """
    started = time.monotonic()
    source = Path(source)
    state = Path(state_dir)
    try:
        state.mkdir(parents=True, exist_ok=True)
        (state / LIBRARIES_DIR).mkdir(exist_ok=True)
    except OSError as err:
        raise LibraryError(f"{state}: cannot create the state folder ({err.strerror})") from None
    with _locked(state):
        try:
            scan = scan_folder(source, limits or Limits())
        except OSError as err:
            raise LibraryError(f"{source}: cannot read the folder ({err})") from None
        if not source.is_dir():
            raise LibraryError(f"{source}: the folder disappeared during the load")
        if not scan.documents:
            raise LibraryError(
                f"{source}: no readable document (.txt .md .html .pdf .docx); "
                "the previous library is kept"
            )
        passages = [p for d in scan.documents for p in split_passages(d, min_words, max_words)]
        embeddings = None
        if encoder is not None:
            embeddings = encoder.embed_all([index_text(p) for p in passages], progress=progress)
        summary = LoadSummary(
            str(source),
            [d.name for d in scan.documents],
            scan.refusals,
            len(passages),
            time.monotonic() - started,
        )
        try:
            new_dir = Path(
                tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=state / LIBRARIES_DIR)
            )
        except OSError as err:
            raise LibraryError(f"{state}: cannot write the library ({err})") from None
        try:
            _write_library(new_dir, scan.documents, passages, summary, encoder, embeddings)
            _swap(state, new_dir)
        except OSError as err:
            shutil.rmtree(new_dir, ignore_errors=True)
            raise LibraryError(f"{state}: cannot write the library ({err})") from None
        _remove_old(state)
    for line in summary.lines():
        log.info("%s", line)
    return summary


def has_library(state_dir: str | Path) -> bool:
    return (Path(state_dir) / CURRENT_LINK / MANIFEST).is_file()


@contextlib.contextmanager
def _locked(state: Path) -> Iterator[None]:
    with (state / ".lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LibraryError(f"{state}: another load is in progress") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _stored_embeddings(folder: Path, encoder: SentenceEncoder | None) -> np.ndarray | None:
    """The stored embeddings when they were made by `encoder` for these passages, else None."""
    path = folder / EMBEDDINGS
    manifest_path = folder / MANIFEST
    if encoder is None or not path.is_file():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        embeddings = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        log.warning("%s: unreadable (%s); embedding the passages again", path, err)
        return None
    if manifest.get("encoder") != encoder.model_id or embeddings.shape != (
        manifest.get("passages"),
        encoder.dim,
    ):
        log.info("%s: made by another encoder; embedding the passages again", path)
        return None
    return embeddings.astype(np.float32, copy=False)


def _write_library(
    folder: Path,
    documents: Sequence[Document],
    passages: Sequence[Passage],
    summary: LoadSummary,
    encoder: SentenceEncoder | None,
    embeddings: np.ndarray | None,
) -> None:
    (folder / "text").mkdir()
    files = []
    for n, doc in enumerate(documents, start=1):
        stored = f"text/{n:04d}.txt"
        _write_synced(folder / stored, doc.text)
        files.append({"name": doc.name, "text": stored, "characters": len(doc.text)})
    _write_synced(
        folder / PASSAGES,
        "".join(json.dumps(asdict(p), ensure_ascii=False) + "\n" for p in passages),
    )
    manifest = {
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
    _write_synced(folder / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    _fsync_dir(folder / "text")
    _fsync_dir(folder)


def _swap(state: Path, new_dir: Path) -> None:
    tmp_link = state / f".{CURRENT_LINK}.tmp-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp_link.unlink()
    tmp_link.symlink_to(Path(LIBRARIES_DIR) / new_dir.name)
    os.replace(tmp_link, state / CURRENT_LINK)
    _fsync_dir(state)


def _remove_old(state: Path) -> None:
    """Delete every stored library except the current one (also leftovers of failed loads)."""
    current = (state / CURRENT_LINK).resolve().name
    for old in (state / LIBRARIES_DIR).iterdir():
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)


def _write_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
