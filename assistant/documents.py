"""Documents from a folder (a USB stick): safe readers, limits, refusals, and passages.

`scan_folder` walks a folder and returns the text of every supported file (.txt .md .html .htm
.pdf .docx) plus a `Refusal` (with its reason, also logged) for everything it would not read:

- hidden or system entries (a name starting with "." or "~$", System Volume Information, ...);
- anything that is not a regular file (FIFOs, devices, sockets) - never opened;
- symlinks whose target lies outside the folder (a link inside it is read; symlinked folders are
  not descended into, so a link loop cannot hang the scan);
- unsupported types, files over the size limit, files beyond the file-count limit;
- binary or undecodable text, encrypted or broken PDFs and .docx files, files with no text.

Nothing on the stick is executed: files are only opened for reading, sizes are checked before
reading, and each read is capped at the limit (a file growing under us is cut, then refused).

Each format has a reader (`_pdf_text`, `_docx_text`, `html_text`, `markdown_text`,
`plain_text`) whose extraction lives in `assistant.extraction`: the text comes out in one layout,
headings as ``#`` lines and lines that must stay apart (list items, definitions, table rows) on
lines of their own.

`split_passages` turns a document into passages of about `min_words`..`max_words` words built
from whole lines of one section (a line longer than `max_words` is cut at sentence ends, or at
word boundaries as a last resort); each passage knows its file, 1-based position, the
document's title and its section's heading path.
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

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
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
MAX_CHARS_PER_FILE = 5_000_000  # decompressed text cap (a .docx or .pdf can be a zip bomb)


@dataclass(frozen=True)
class Limits:
    """What one load accepts."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_files: int = 500


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
class Passage:
    """A retrieval unit: `text` is passage number `position` (1-based) of file `file`.

    `title` is the document's title and `section` the heading path of the passage
    ("Utilities > Invoking asn1Parser", "" before the first heading).
    """

    file: str
    position: int
    text: str
    title: str = ""
    section: str = ""


@dataclass(frozen=True)
class ScanResult:
    documents: list[Document]
    refusals: list[Refusal]


class DocumentError(Exception):
    """One file cannot be read; the message is the user-facing reason."""


class SourceGone(OSError):
    """The folder itself stopped being readable mid-scan (a stick pulled out): abort the load."""


# errno values that mean the medium, not one file, is the problem.
_MEDIUM_ERRORS = frozenset({errno.EIO, errno.ENODEV, errno.ENXIO, errno.ESTALE, errno.ENOENT})


def _os_error(err: OSError, what: str) -> DocumentError:
    if err.errno in _MEDIUM_ERRORS:
        raise SourceGone(err.errno, f"{what}: {err.strerror} (was the stick removed?)")
    return DocumentError(f"{what} ({err.strerror})")


def scan_folder(folder: str | Path, limits: Limits | None = None) -> ScanResult:
    """Read every supported document under `folder` (see the module doc for the rules).

    Raises `FileNotFoundError`/`NotADirectoryError` when `folder` itself is unusable and
    `SourceGone` when it becomes unreadable mid-scan; problems with single files become
    refusals. Documents come in a stable (sorted path) order.
    """
    root = Path(folder)
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such folder")
    if not root.is_dir():
        raise NotADirectoryError(f"{root}: not a folder")
    limits = limits or Limits()
    real_root = root.resolve()
    documents: list[Document] = []
    refusals: list[Refusal] = []

    def refuse(name: str, reason: str) -> None:
        log.warning("refused %s: %s", name, reason)
        refusals.append(Refusal(name, reason))

    for path in _walk(root, refuse):
        name = path.relative_to(root).as_posix()
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            refuse(name, f"unsupported file type {path.suffix or '(none)'}")
            continue
        if len(documents) >= limits.max_files:
            refuse(name, f"too many files (limit {limits.max_files})")
            continue
        try:
            text = read_document(path, real_root, limits.max_file_bytes)
        except DocumentError as err:
            refuse(name, str(err))
            continue
        documents.append(Document(name, text))
        log.info("read %s (%d characters)", name, len(text))
    return ScanResult(documents, refusals)


def _walk(root: Path, refuse: Callable[[str, str], None]) -> Iterator[Path]:
    """Candidate files under `root`, sorted, skipping hidden/system entries and folder links."""

    def fail(err: OSError) -> None:
        raise SourceGone(err.errno, f"cannot list {err.filename}: {err.strerror}")

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=fail):
        here = Path(dirpath)
        kept = []
        for d in sorted(dirnames):
            rel = (here / d).relative_to(root).as_posix()
            if _is_hidden_or_system(d):
                refuse(rel + "/", "hidden or system folder")
            elif (here / d).is_symlink():
                refuse(rel + "/", "symlinked folder (not followed)")
            else:
                kept.append(d)
        dirnames[:] = kept
        for f in sorted(filenames):
            rel = (here / f).relative_to(root).as_posix()
            if _is_hidden_or_system(f):
                refuse(rel, "hidden or system file")
            else:
                yield here / f


def _is_hidden_or_system(name: str) -> bool:
    return name.startswith((".", "~$")) or name.lower() in SYSTEM_NAMES


def read_document(path: Path, real_root: Path, max_bytes: int) -> str:
    """The text of one file, after the link, file-type and size checks; raises DocumentError."""
    if path.is_symlink():
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise DocumentError("broken symlink") from None
    else:
        real = path.resolve()
    if path.is_symlink() and not real.is_relative_to(real_root):
        raise DocumentError("symlink to outside the loaded folder (not followed)")
    try:
        info = os.stat(real)
    except OSError as err:
        raise _os_error(err, "cannot stat") from None
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
        raise _os_error(err, "cannot read") from None
    if len(data) > max_bytes:
        raise DocumentError(f"too large (over the limit of {max_bytes} bytes)")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        text = _pdf_text(data)
    elif suffix == ".docx":
        text = _docx_text(data)
    elif suffix in (".html", ".htm"):
        text = html_text(decode_text(data))
    elif suffix == ".md":
        text = markdown_text(data)
    else:
        text = plain_text(data)
    text = normalize_text(text)[:MAX_CHARS_PER_FILE]
    if not text.strip():
        raise DocumentError("no text found")
    return text


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM, or UTF-16 with BOM), else cp1252/latin-1; binary is refused.

    Data with NUL bytes (and no UTF-16 BOM) or with many control characters is binary.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DocumentError("undecodable text (bad UTF-16)") from None
    if b"\x00" in data:
        raise DocumentError("binary file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(8, len(text) // 100):
        raise DocumentError("binary file")
    return text


def html_text(markup: str) -> str:
    """Visible text of an HTML page in the shared layout (`assistant.extraction.html`)."""
    from assistant.extraction.html import html_to_text

    return html_to_text(markup)


def markdown_text(data: bytes) -> str:
    """A Markdown file in the shared layout (`assistant.extraction.markdown`)."""
    from assistant.extraction.markdown import markdown_to_text

    return markdown_to_text(decode_text(data))


def plain_text(data: bytes) -> str:
    """A text file with its hard-wrapped paragraphs re-flowed (`assistant.extraction.plain`)."""
    from assistant.extraction.plain import plain_text as reflow

    return reflow(decode_text(data))


def _pdf_text(data: bytes) -> str:
    from assistant.extraction.pdf import pdf_text

    return pdf_text(data)


def _docx_text(data: bytes) -> str:
    from assistant.extraction.docx import docx_text

    return docx_text(data)


def normalize_text(text: str) -> str:
    """Unix newlines, no trailing spaces, at most one blank line between paragraphs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = re.sub(r"[ \t\u00a0]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_HEADING = re.compile(r"^(#{1,6})\s+(\S.*)$")
_ESCAPED_HASH = re.compile(r"^(\s*)\\#")


def split_passages(document: Document, min_words: int = 150, max_words: int = 250) -> list[Passage]:
    """Passages of whole lines within one section, each about `min_words`..`max_words` words.

    The text is in the layout of `assistant.extraction`: ``#`` heading lines, blank lines
    between paragraphs, single newlines between lines that must stay apart. A heading line on
    top is the document's title (else the file name without its suffix); later headings form
    the section path ("Utilities > Invoking asn1Parser") of the passages under them. Within a
    section, lines are added to the current passage until it has at least `min_words`, never
    going over `max_words`; longer lines are first cut into sentence groups of at most
    `max_words`. Passages keep the newlines between their lines (an answer span never crosses
    one); the last passage of a section may be shorter.
    """
    lines = document.text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    top = _HEADING.match(lines[first])
    title = top.group(2).strip() if top else Path(document.name).stem
    path: list[tuple[int, str]] = []  # the open headings (level, text), outermost first
    sections: list[tuple[str, list[tuple[str, str]]]] = [("", [])]  # (section, [(sep, piece)])
    separator = "\n\n"
    for number, line in enumerate(lines):
        match = _HEADING.match(line)
        if match:
            level = len(match.group(1))
            while path and path[-1][0] >= level:
                path.pop()
            # the title heading is not part of the section path
            name = "" if top and number == first else " ".join(match.group(2).split())
            path.append((level, name))
            sections.append((" > ".join(name for _, name in path if name), []))
            separator = "\n\n"
            continue
        line = " ".join(_ESCAPED_HASH.sub(r"\1#", line).split())
        if not line:
            separator = "\n\n"
            continue
        for n, piece in enumerate(_cut_long(line, max_words)):
            sections[-1][1].append((separator if n == 0 else " ", piece))
        separator = "\n"
    passages: list[Passage] = []
    for section, pieces in sections:
        for text in _group(pieces, min_words, max_words):
            passages.append(Passage(document.name, len(passages) + 1, text, title, section))
    return passages


def _group(pieces: list[tuple[str, str]], min_words: int, max_words: int) -> list[str]:
    """Consecutive (separator, piece) pairs grouped into texts of `min_words`..`max_words`."""
    out: list[str] = []
    current = ""
    count = 0
    for separator, piece in pieces:
        n = len(piece.split())
        if current and (count >= min_words or count + n > max_words):
            out.append(current)
            current, count = "", 0
        current = current + separator + piece if current else piece
        count += n
    if current:
        out.append(current)
    return out


def _cut_long(paragraph: str, max_words: int) -> list[str]:
    if len(paragraph.split()) <= max_words:
        return [paragraph]
    out: list[str] = []
    current: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        words = sentence.split()
        while len(words) > max_words:  # a "sentence" with no end: cut at word boundaries
            if current:
                out.append(" ".join(current))
                current = []
            out.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if current and len(current) + len(words) > max_words:
            out.append(" ".join(current))
            current = []
        current.extend(words)
    if current:
        out.append(" ".join(current))
    return out
