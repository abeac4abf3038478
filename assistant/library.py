"""The document library: named collections stored under the state folder, searched by BM25
and sentence embeddings together.

Each loaded folder or USB stick is one collection, stored in its own folder
(`libraries/<id>/`: manifest.json, passages.jsonl (file, position, text, title, section),
text/NNNN.txt with the full text of each document, so it survives the stick's removal, and
speech/ with the speech recognizer's data for them, `assistant.doc_speech`; with a sentence
encoder, embeddings.npy: one unit-length embedding per passage, the manifest naming the
encoder model's sha256); `assistant.catalog` keeps the list of current collections and
switches it atomically.

`load_folder` scans a folder (see `documents`), writes a complete new collection folder, fsyncs
it, then switches the catalog to it: the collection of the same name is replaced, the others
stay (or, with `replace_all`, go). Any failure before the switch - an unreadable folder, a
stick pulled out mid-load, no readable document at all, a full disk, a kill -9 - leaves every
collection exactly as it was. `forget` removes one collection the same way.

`Library` searches the passages of all collections with one BM25 index (bm25s), rebuilt in
memory when a library is opened: it is a cache of the passages.jsonl files, so it is never
stale. With a sentence encoder (`assistant.encoder`) it also stacks the collections' stored
embeddings and ranks by BM25 and embeddings together (`assistant.retrieval`); a collection's
embeddings made by another encoder, or missing, are recomputed in memory when it is opened.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
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
from assistant.encoder import SentenceEncoder
from assistant.errors import LibraryError
from assistant.refusals import summary_lines
from assistant.retrieval import fuse
from assistant.state_access import NOT_YOURS, foreign_owner

log = logging.getLogger(__name__)

PASSAGES = "passages.jsonl"
EMBEDDINGS = "embeddings.npy"

_STOPWORDS = frozenset(STOPWORDS_EN) | frozenset(
    "what when where who whom whose which why how does do did is are was were am has have had "
    "can could would should will shall may might must i me my you your we our us it its "
    "tell please about from".split()
)
_WORD = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    """BM25 terms: lower-cased words without accents ("Beyoncé" -> "beyonce"), no stopwords,
    plurals folded ("libraries" -> "library")."""
    terms = []
    for word in _WORD.findall(_without_accents(text.lower())):
        if word in _STOPWORDS:
            continue
        if len(word) > 4 and word.endswith("ies"):
            word = word[:-3] + "y"
        elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        terms.append(word)
    return terms


def _without_accents(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def index_text(passage: Passage) -> str:
    """What retrieval (BM25 and the encoder) matches a question against: the passage with its
    title and section."""
    return f"{passage.title}\n{passage.section}\n{passage.text}"


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

    @classmethod
    def open(
        cls, name: str | None, folder: Path, encoder: SentenceEncoder | None = None
    ) -> Collection:
        """The collection stored in `folder`, named `name` (None: the name in its manifest,
        else the folder's), with its embeddings when `encoder` made them; raises LibraryError
        when missing or damaged."""
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
        embeddings = _stored_embeddings(folder, manifest, len(passages), encoder)
        name = name or manifest.get("name") or folder.name
        return cls(name, passages, manifest, folder, embeddings)


def open_collections(
    folder: str | Path, encoder: SentenceEncoder | None = None
) -> list[Collection]:
    """Every collection of the state folder `folder` (in load order), or the one collection
    folder `folder`, with the embeddings `encoder` made of them (see `Collection.open`);
    raises LibraryError when there is none or one is damaged."""
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return [Collection.open(None, folder, encoder)]
    entries = catalog.read_catalog(folder)
    if not entries:
        raise LibraryError(f"{folder}: no document library there")
    return [Collection.open(e.name, folder / e.folder, encoder) for e in entries]


@dataclass(frozen=True)
class Hit:
    """A search result from collection `collection`. `score` ranks: the fused score when the
    library has embeddings, else BM25 divided by the query's best BM25 score (1.0 for the
    first hit)."""

    passage: Passage
    score: float
    collection: str
    bm25: float = 0.0
    cosine: float = 0.0  # query-passage embedding cosine (0 without an encoder)


class Library:
    """The passages of all `collections` plus one BM25 index (and, with `encoder`, their
    embeddings); `search` returns the best `k`.

    Without an encoder only passages sharing a term with the query are returned; with one every
    passage is ranked. A collection without embeddings by `encoder` is embedded here.
    """

    def __init__(
        self, collections: Sequence[Collection], *, encoder: SentenceEncoder | None = None
    ) -> None:
        self.collections = list(collections)
        self.passages = [p for c in self.collections for p in c.passages]
        self._owners = [c.name for c in self.collections for _ in c.passages]
        self.encoder = encoder
        self.embeddings: np.ndarray | None = None
        if encoder is not None:
            self.embeddings = np.zeros((len(self.passages), encoder.dim), dtype=np.float32)
            row = 0
            for c in self.collections:
                rows = c.embeddings
                if rows is None or rows.shape != (len(c.passages), encoder.dim):
                    rows = encoder.embed_all([index_text(p) for p in c.passages])
                self.embeddings[row : row + len(c.passages)] = rows
                row += len(c.passages)
        self._bm25 = bm25s.BM25()
        corpus = [tokenize(index_text(p)) for p in self.passages]
        self.terms = frozenset(term for terms in corpus for term in terms)  # every BM25 term
        if self.passages:
            self._bm25.index(corpus, show_progress=False)

    @classmethod
    def from_documents(
        cls,
        name: str,
        documents: Sequence[Document],
        min_words: int = 150,
        max_words: int = 250,
        encoder: SentenceEncoder | None = None,
    ) -> Library:
        """One in-memory collection `name` of `documents` (nothing is stored)."""
        passages = [p for d in documents for p in split_passages(d, min_words, max_words)]
        return cls([Collection(name, passages, {})], encoder=encoder)

    @classmethod
    def open(cls, folder: str | Path, encoder: SentenceEncoder | None = None) -> Library:
        """The library of `open_collections(folder, encoder)`."""
        return cls(open_collections(folder, encoder), encoder=encoder)

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def files(self) -> list[str]:
        """The documents of every collection (a name appears once per collection holding it)."""
        return sorted(f for c in self.collections for f in c.files)

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
                Hit(
                    self.passages[i],
                    float(fused[i]),
                    self._owners[i],
                    bm25=float(bm25[i]),
                    cosine=float(cosine[i]),
                )
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
            Hit(self.passages[int(i)], float(s) / best, self._owners[int(i)], bm25=float(s))
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
    encoder: SentenceEncoder | None = None,
    progress: bool = False,
) -> LoadSummary:
    """Store the documents of `source` as collection `name` (default: the folder's name),
    replacing the collection of that name - or, with `replace_all`, every collection - atomically.

    With `encoder`, every passage is embedded too (`progress`: a tqdm bar while it runs) and
    the embeddings are stored with the collection.
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
            embeddings = None
            if encoder is not None:
                texts = [index_text(p) for p in passages]
                embeddings = encoder.embed_all(texts, progress=progress)
            _write_collection(new_dir, scan.documents, passages, summary, encoder, embeddings)
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


def _stored_embeddings(
    folder: Path, manifest: dict, passages: int, encoder: SentenceEncoder | None
) -> np.ndarray | None:
    """The stored embeddings of the collection in `folder` when `encoder` made them for these
    `passages`, else None (the library then embeds the passages again)."""
    path = folder / EMBEDDINGS
    if encoder is None or not path.is_file():
        return None
    try:
        embeddings = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        log.warning("%s: unreadable (%s); embedding the passages again", path, err)
        return None
    if manifest.get("encoder") != encoder.model_id or embeddings.shape != (passages, encoder.dim):
        log.info("%s: made by another encoder; embedding the passages again", path)
        return None
    return embeddings.astype(np.float32, copy=False)


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
    """fsync the files of `folder` (written by another module: the speech data), then it."""
    for path in folder.iterdir():
        with path.open("rb") as f:
            os.fsync(f.fileno())
    catalog.fsync_dir(folder)
