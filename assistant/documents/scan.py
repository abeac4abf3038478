"""Documents from a folder (a USB stick): safe readers, limits and refusals.

`scan_folder` walks a folder and returns the text of every supported file (the suffixes of
`READERS`: .txt .md .html .htm .pdf .docx) plus a `Refusal` (with its reason, also logged) for
everything it would not read:

- hidden or system entries (a name starting with "." or "~$", System Volume Information, ...);
- anything that is not a regular file (FIFOs, devices, sockets) - never opened;
- symlinks whose target lies outside the folder (a link inside it is read; symlinked folders are
  not descended into, so a link loop cannot hang the scan);
- unsupported types, files over the size limit, files beyond the file-count limit;
- binary or undecodable text, .txt/.md/.html that only decodes as text (`text_sniff`), encrypted or
  broken PDFs and .docx files, .docx zip bombs (`archive_check`, before parsing), files with
  no text, and any file a parser fails on (its exception's name is the reason);
- folders that cannot be listed (the folder alone; the load goes on);
- files and folders that vanish while the folder is read (the load goes on: the stick is still
  there, on the same device);
- the part of a text beyond `MAX_CHARS_PER_FILE` characters (the rest of that file is loaded).

Nothing is dropped without a refusal, and the folder is walked with a stack of its own, so a
tree thousands of folders deep is read as any other.

Nothing on the stick is executed: files are only opened for reading, sizes are checked before
reading, and each read is capped at the limit (a file growing under us is cut, then refused).
Names are made printable (`refusals.printable`: undecodable bytes and control characters
escaped) before they reach the library, the summary or the log.

Each format has a reader (`pdf_text`, `docx_text`, `html_document`, `markdown_text`,
`plain_text`); .txt, .md and .html are decoded by `assistant.documents.charset` (an HTML
page's declared charset first), and each extraction lives in `assistant.documents.extraction`:
the text comes out in one layout, headings as ``#`` lines and lines that must stay apart (list
items, definitions, table rows) on lines of their own (`assistant.documents.passages` cuts it
into passages).
"""

from __future__ import annotations

import errno
import logging
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.config import LibraryConfig
from assistant.documents.archive_check import zip_problem
from assistant.documents.charset import declared_charset, decode_text
from assistant.documents.extraction.docx import docx_text
from assistant.documents.extraction.html import html_to_text
from assistant.documents.extraction.markdown import markdown_to_text
from assistant.documents.extraction.pdf import pdf_text
from assistant.documents.extraction.plain import plain_text as reflow_plain_text
from assistant.documents.refusals import printable
from assistant.documents.text_sniff import text_problem
from assistant.errors import DocumentError

log = logging.getLogger(__name__)

SYSTEM_NAMES = frozenset(
    {
        "system volume information",
        "$recycle.bin",
        "recycler",
        "__macosx",
        "desktop.ini",
        "thumbs.db",
        "lost+found",
    }
)
ZIP_SUFFIXES = (".docx",)  # checked by `archive_check` before they are parsed
# the text loaded of one file (a .docx or .pdf can be a zip bomb); the rest is a refusal
MAX_CHARS_PER_FILE = 5_000_000


@dataclass(frozen=True)
class Limits:
    """What one load accepts."""

    max_file_bytes: int
    max_files: int

    @classmethod
    def of(cls, settings: LibraryConfig) -> Limits:
        """The limits of the [library] settings (`max_file_mb`, `max_files`)."""
        return cls(int(settings.max_file_mb * 1024 * 1024), settings.max_files)


@dataclass(frozen=True)
class Document:
    """A document's name (its path relative to the loaded folder) and its extracted text."""

    name: str
    text: str


@dataclass(frozen=True)
class Refusal:
    """A file that was not loaded, and why (both shown in the load summary)."""

    name: str
    reason: str


@dataclass(frozen=True)
class ScanResult:
    documents: list[Document]
    refusals: list[Refusal]


class SourceGone(OSError):
    """The folder itself stopped being readable mid-scan (a stick pulled out): abort the load."""


# errno values that mean the medium, not one file, is the problem.
_MEDIUM_ERRORS = frozenset({errno.EIO, errno.ENODEV, errno.ENXIO, errno.ESTALE, errno.ENOENT})


def _os_error(err: OSError, what: str, root: _Root) -> DocumentError:
    """The refusal of one file for `err`; raises SourceGone when the medium is the problem."""
    if err.errno == errno.ENOENT and root.present():
        return DocumentError("vanished during the load")
    if err.errno in _MEDIUM_ERRORS:
        raise SourceGone(err.errno, f"{what}: {err.strerror} (was the stick removed?)")
    return DocumentError(f"{what} ({err.strerror})")


@dataclass(frozen=True)
class _Root:
    """The folder being read, resolved, and the device it is on when the scan starts."""

    path: Path
    device: int

    @classmethod
    def of(cls, folder: Path) -> _Root:
        real = folder.resolve()
        return cls(real, os.stat(real).st_dev)

    def present(self) -> bool:
        """Whether the folder is still there on the same device: not unmounted (a mount point
        left behind is on the device of the folder it is in)."""
        try:
            return os.stat(self.path).st_dev == self.device
        except OSError:
            return False


def scan_folder(folder: str | Path, limits: Limits | None = None) -> ScanResult:
    """Read every supported document under `folder` (see the module doc for the rules) within
    `limits` (None: those of the shipped [library] settings).

    Raises `FileNotFoundError`/`NotADirectoryError` when `folder` itself is unusable and
    `SourceGone` when it becomes unreadable mid-scan; problems with single files become
    refusals. Documents come in a stable (sorted path) order.
    """
    limits = limits or Limits.of(LibraryConfig())
    root = Path(folder)
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such folder")
    if not root.is_dir():
        raise NotADirectoryError(f"{root}: not a folder")
    real_root = _Root.of(root)
    documents: list[Document] = []
    refusals: list[Refusal] = []

    def refuse(name: str, reason: str) -> None:
        log.debug("refused %s: %s", name, reason)  # the load summary groups them
        refusals.append(Refusal(name, reason))

    for path in _walk(root, real_root, refuse):
        name = printable(path.relative_to(root).as_posix())
        if path.suffix.lower() not in READERS:
            refuse(name, f"unsupported file type {path.suffix or '(none)'}")
            continue
        if len(documents) >= limits.max_files:
            refuse(name, f"too many files (limit {limits.max_files})")
            continue
        try:
            text = read_document(path, real_root, limits.max_file_bytes)
            if len(text) > MAX_CHARS_PER_FILE:
                refuse(name, f"cut at {MAX_CHARS_PER_FILE} characters (the rest is not loaded)")
                text = text[:MAX_CHARS_PER_FILE]
        except DocumentError as err:
            refuse(name, str(err))
            continue
        except Exception as err:  # a parser's bug on a hostile file ends that file, not the load
            if isinstance(err, SourceGone) or getattr(err, "errno", None) in _MEDIUM_ERRORS:
                raise
            log.debug("reading %s failed", name, exc_info=True)
            refuse(name, f"cannot read this file ({type(err).__name__})")
            continue
        documents.append(Document(name, text))
        log.info("read %s (%d characters)", name, len(text))
    return ScanResult(documents, refusals)


def _walk(root: Path, real_root: _Root, refuse: Callable[[str, str], None]) -> Iterator[Path]:
    """Candidate files under `root`, sorted, folder by folder depth first (as `os.walk`), with
    a stack instead of recursion; hidden/system entries and folder links are refused."""

    def rel(path: Path) -> str:
        return printable(path.relative_to(root).as_posix())

    folders = [root]
    while folders:
        here = folders.pop()
        try:
            with os.scandir(here) as listing:
                entries = list(listing)
        except OSError as err:
            if here == root or err.errno in _MEDIUM_ERRORS - {errno.ENOENT}:
                raise SourceGone(err.errno, f"cannot list {here}: {err.strerror}") from None
            if err.errno == errno.ENOENT and not real_root.present():
                raise SourceGone(err.errno, f"cannot list {here}: {err.strerror}") from None
            if err.errno == errno.ENOENT:
                refuse(rel(here) + "/", "folder vanished during the load")
            else:
                refuse(rel(here) + "/", f"unreadable folder ({err.strerror})")
            continue
        subfolders, files = [], []
        for entry in entries:
            try:
                is_dir = entry.is_dir()  # a link to a folder counts as one, as in os.walk
            except OSError:
                is_dir = False
            (subfolders if is_dir else files).append(entry.name)
        kept = []
        for d in sorted(subfolders):
            if _is_hidden_or_system(d):
                refuse(rel(here / d) + "/", "hidden or system folder")
            elif (here / d).is_symlink():
                refuse(rel(here / d) + "/", "symlinked folder (not followed)")
            else:
                kept.append(here / d)
        for f in sorted(files):
            if _is_hidden_or_system(f):
                refuse(rel(here / f), "hidden or system file")
            else:
                yield here / f
        folders.extend(reversed(kept))


def _is_hidden_or_system(name: str) -> bool:
    return name.startswith((".", "~$")) or name.lower() in SYSTEM_NAMES


def read_document(path: Path, root: _Root, max_bytes: int) -> str:
    """The whole text of one file under `root`, after the link, file-type and size checks;
    raises DocumentError."""
    if path.is_symlink():
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise DocumentError("broken symlink") from None
    else:
        real = path.resolve()
    if path.is_symlink() and not real.is_relative_to(root.path):
        raise DocumentError("symlink to outside the loaded folder (not followed)")
    try:
        info = os.stat(real)
    except OSError as err:
        raise _os_error(err, "cannot stat", root) from None
    if not stat.S_ISREG(info.st_mode):
        raise DocumentError("not a regular file")
    if info.st_size == 0:
        raise DocumentError("empty file")
    if info.st_size > max_bytes:
        raise DocumentError(f"too large ({info.st_size} bytes, limit {max_bytes})")
    try:
        # O_NONBLOCK: should the file have been swapped for a FIFO since the check, open
        # returns at once instead of blocking the load.
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as err:
        raise _os_error(err, "cannot read", root) from None
    if len(data) > max_bytes:
        raise DocumentError(f"too large (over the limit of {max_bytes} bytes)")
    suffix = path.suffix.lower()
    if suffix in ZIP_SUFFIXES and (problem := zip_problem(data)):
        raise DocumentError(problem)
    text = normalize_text(READERS[suffix](data))
    if not text.strip():
        raise DocumentError("no text found")
    # only bytes decoded as text can be noise; a PDF's or .docx's parser knows it holds text
    # (and PDF extraction can lose the spaces between words of a real document)
    if suffix not in (".pdf", ".docx") and (problem := text_problem(text)):
        raise DocumentError(problem)
    return text


def markdown_text(data: bytes) -> str:
    """A Markdown file in the shared layout (`assistant.documents.extraction.markdown`)."""
    return markdown_to_text(decode_text(data))


def plain_text(data: bytes) -> str:
    """A text file with its hard-wrapped paragraphs re-flowed (`extraction.plain`)."""
    return reflow_plain_text(decode_text(data))


def html_document(data: bytes) -> str:
    """An HTML page's visible text in the shared layout (`extraction.html`), in the charset it
    declares (`charset.declared_charset`) when it declares one."""
    return html_to_text(decode_text(data, declared_charset(data)))


# suffix (lower case) -> the reader of a file's bytes; what a load accepts is exactly this table
READERS: dict[str, Callable[[bytes], str]] = {
    ".txt": plain_text,
    ".md": markdown_text,
    ".html": html_document,
    ".htm": html_document,
    ".pdf": pdf_text,
    ".docx": docx_text,
}


def supported_types() -> str:
    """The readable suffixes for messages, e.g. ".txt .md .html .htm .pdf .docx"."""
    return " ".join(READERS)


# control characters other than tab and newline: a terminal escape in an answer printed by
# `qa-assistant ask` would act on the terminal
_CONTROLS = dict.fromkeys([*range(0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)])


def normalize_text(text: str) -> str:
    """Unix newlines, no other control characters, no trailing spaces, at most one blank line
    between paragraphs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = text.translate(_CONTROLS)
    # line by line: a regex for trailing spaces would rescan a long run of spaces from each one
    text = "\n".join(line.rstrip(" \t\u00a0") for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
