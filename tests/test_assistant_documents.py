"""The loader on real and hostile files, and passage splitting."""

from __future__ import annotations

import io
import os
from pathlib import Path

import docx
import pypdf
import pytest

from assistant.config import LibraryConfig
from assistant.documents.passages import split_passages
from assistant.documents.scan import (
    Document,
    Limits,
    Refusal,
    SourceGone,
    decode_text,
    scan_folder,
)
from assistant.errors import DocumentError


def make_pdf(text: str) -> bytes:
    """A minimal, valid one-page PDF whose page shows `text` (Helvetica)."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def encrypted_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    """A folder of real documents and hostile files, as found on a USB stick."""
    root = tmp_path / "stick"
    (root / "manuals").mkdir(parents=True)
    (root / "notes.txt").write_text("The spare key is under the blue flower pot.\n")
    (root / "readme.md").write_text("# Pump\n\nPrime the pump before the first use.\n")
    (root / "page.html").write_text(
        "<html><head><script>var secret = 1;</script></head>"
        "<body><p>Opening &amp; closing times</p><p>Monday: nine</p></body></html>"
    )
    (root / "manuals" / "pump.pdf").write_bytes(make_pdf("The pump needs a 12 volt supply."))
    document = docx.Document()
    document.add_paragraph("The boiler is serviced every October.")
    document.save(root / "manuals" / "boiler.docx")
    (root / "cafe.txt").write_bytes(
        "Caf\xe9 cr\xe8me br\xfbl\xe9e costs four euros.".encode("latin-1")
    )
    # hostile
    (root / "passwd.txt").symlink_to("/etc/passwd")
    (root / "empty.txt").write_bytes(b"")
    (root / "blob.txt").write_bytes(bytes(range(256)) * 40)
    with (root / "huge.txt").open("wb") as f:  # 50 MB (sparse: fast to make, still 50 MB)
        f.truncate(50 * 1024 * 1024)
    (root / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage\n")
    (root / "locked.pdf").write_bytes(encrypted_pdf())
    (root / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (root / "run.sh").write_text("#!/bin/sh\ntouch /tmp/pwned\n")
    (root / ".hidden.txt").write_text("secret")
    (root / ".Trashes").mkdir()
    (root / "System Volume Information").mkdir()
    (root / "System Volume Information" / "x.txt").write_text("system")
    os.mkfifo(root / "pipe.txt")
    (root / "loop").symlink_to(root)  # a folder link back to the root
    (root / "notes-link.txt").symlink_to(root / "notes.txt")  # inside: allowed
    (root / "dangling.txt").symlink_to(root / "nowhere.txt")
    return root


def test_reads_real_documents_and_refuses_hostile_ones(stick: Path) -> None:
    result = scan_folder(stick, Limits(max_file_bytes=1024 * 1024, max_files=100))
    texts = {d.name: d.text for d in result.documents}
    assert set(texts) == {
        "cafe.txt",
        "manuals/boiler.docx",
        "manuals/pump.pdf",
        "notes-link.txt",
        "notes.txt",
        "page.html",
        "readme.md",
    }
    assert "crème brûlée" in texts["cafe.txt"]
    assert "12 volt supply" in texts["manuals/pump.pdf"]
    assert "serviced every October" in texts["manuals/boiler.docx"]
    assert texts["page.html"] == "Opening & closing times\n\nMonday: nine"
    refused = {r.name: r.reason for r in result.refusals}
    assert "outside the loaded folder" in refused["passwd.txt"]
    assert refused["empty.txt"] == "empty file"
    assert refused["blob.txt"] == "binary file"
    assert refused["huge.txt"].startswith("too large")
    assert refused["broken.pdf"].startswith("broken PDF")
    assert refused["locked.pdf"] == "encrypted PDF"
    assert refused["broken.docx"].startswith("broken .docx")
    assert refused["run.sh"] == "unsupported file type .sh"
    assert refused[".hidden.txt"] == "hidden or system file"
    assert refused[".Trashes/"] == "hidden or system folder"
    assert refused["System Volume Information/"] == "hidden or system folder"
    assert refused["pipe.txt"] == "not a regular file"
    assert refused["loop/"] == "symlinked folder (not followed)"
    assert refused["dangling.txt"] == "broken symlink"
    assert not Path("/tmp/pwned").exists()
    assert all("root:" not in t for t in texts.values())


def test_too_many_files_are_refused(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"{i}.txt").write_text(f"document number {i}")
    result = scan_folder(tmp_path, Limits(max_file_bytes=1024 * 1024, max_files=3))
    assert [d.name for d in result.documents] == ["0.txt", "1.txt", "2.txt"]
    assert [r.reason for r in result.refusals] == ["too many files (limit 3)"] * 2


def test_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        scan_folder(tmp_path / "nope")


def test_a_file_vanishing_mid_scan_is_refused(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "a.txt").write_text("alpha")
    (tmp_path / "b.txt").write_text("beta")
    real_stat = os.stat

    def gone(path, *args, **kwargs):
        if str(path).endswith("a.txt"):
            raise FileNotFoundError(2, "No such file or directory")
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", gone)
    result = scan_folder(tmp_path)
    assert [d.name for d in result.documents] == ["b.txt"]
    assert result.refusals == [Refusal("a.txt", "vanished during the load")]


def test_the_folder_vanishing_mid_scan_aborts_the_scan(tmp_path: Path, monkeypatch) -> None:
    """A stick pulled out: its files vanish, its mount point is left behind on another
    device."""
    (tmp_path / "a.txt").write_text("alpha")
    (tmp_path / "b.txt").write_text("beta")
    real_stat, root, pulled = os.stat, str(tmp_path.resolve()), []

    def unmounted(path, *args, **kwargs):
        if str(path).endswith("a.txt"):
            pulled.append(path)
        if pulled and str(path) != root:
            raise FileNotFoundError(2, "No such file or directory")
        info = real_stat(path, *args, **kwargs)
        if pulled:
            return os.stat_result((*info[:2], info.st_dev + 1, *info[3:]))
        return info

    monkeypatch.setattr(os, "stat", unmounted)
    with pytest.raises(SourceGone):
        scan_folder(tmp_path)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbfhello", "hello"),
        ("na\u00efve".encode("utf-16"), "na\u00efve"),
        ("\u20ac5".encode("cp1252"), "\u20ac5"),
    ],
)
def test_decode_text(data: bytes, expected: str) -> None:
    assert decode_text(data) == expected


def test_decode_text_refuses_binary() -> None:
    with pytest.raises(DocumentError, match="binary"):
        decode_text(b"MZ\x90\x00\x03\x00\x00\x00")


def _words(n: int, tag: str) -> str:
    return " ".join(f"{tag}{i}" for i in range(n))


def test_passages_group_paragraphs_within_bounds() -> None:
    paragraphs = [_words(60, f"p{k}w") + "." for k in range(10)]
    doc = Document("a.txt", "\n\n".join(paragraphs))
    passages = split_passages(doc, LibraryConfig())
    sizes = [len(p.text.split()) for p in passages]
    assert sizes == [180, 180, 180, 60]
    assert [p.position for p in passages] == [1, 2, 3, 4]
    assert all(p.file == "a.txt" for p in passages)
    assert " ".join(p.text for p in passages).split() == doc.text.split()


def test_a_document_that_is_only_its_title_is_one_passage() -> None:
    """A one-line PDF's line becomes its title; it must still be found by a question."""
    passages = split_passages(
        Document("pump.pdf", "# Thepumpneedsoilbeforeitsfirstuse"), LibraryConfig()
    )
    assert [(p.text, p.title) for p in passages] == [
        ("Thepumpneedsoilbeforeitsfirstuse", "Thepumpneedsoilbeforeitsfirstuse")
    ]


def test_a_long_paragraph_is_cut_at_sentences_then_words() -> None:
    sentences = " ".join(_words(40, f"s{k}w") + "." for k in range(12))  # 480 words
    no_stop = _words(600, "x")
    doc = Document("b.txt", sentences + "\n\n" + no_stop)
    passages = split_passages(doc, LibraryConfig())
    assert all(len(p.text.split()) <= 250 for p in passages)
    assert " ".join(p.text for p in passages).split() == doc.text.split()
    assert passages[0].text.endswith(".")
