"""The hostile files of issues 18 and 36, built for real (shared by tests/test_hostile_stick.py and
bench/hostile_stick.py). `CASES` maps a file name to its builder and the refusal reason the
file must get (None: it is text after all and must be read)."""

from __future__ import annotations

import io
import os
import random
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pypdf
from pypdf.generic import DictionaryObject, NameObject, StreamObject

GOOD = "The spare key is under the blue flower pot by the back door.\n"


def zip_bomb_docx(path: Path) -> None:
    """A real .docx whose document.xml unpacks from about 1 MB to 300 MB."""
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with (
        zipfile.ZipFile(buffer) as original,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in original.infolist():
            if item.filename != "word/document.xml":
                bomb.writestr(item, original.read(item))
        with bomb.open("word/document.xml", "w", force_zip64=True) as xml:
            xml.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body><w:p><w:r><w:t>')
            block = b"A" * (1 << 20)
            for _ in range(300):
                xml.write(block)
            xml.write(b"</w:t></w:r></w:p></w:body></w:document>")


def malformed_docx(path: Path) -> None:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with zipfile.ZipFile(buffer) as original, zipfile.ZipFile(path, "w") as broken:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == "word/document.xml":
                data = b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body><w:p>'
            broken.writestr(item, data)


def pdf_with_filter(
    path: Path, filter_name: str | None, text: bytes = b"The pump needs oil."
) -> None:
    """A PDF showing `text` in a font whose ToUnicode map uses `filter_name` (pypdf raises on
    an unsupported one; None: no map)."""
    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(200, 200)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    if filter_name is not None:
        cmap = StreamObject()
        cmap._data = b"not a cmap"
        cmap[NameObject("/Filter")] = NameObject(filter_name)
        font[NameObject("/ToUnicode")] = writer._add_object(cmap)
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    content = StreamObject()
    content._data = b"BT /F1 12 Tf 10 10 Td (" + text + b") Tj ET"
    page[NameObject("/Contents")] = writer._add_object(content)
    with path.open("wb") as f:
        writer.write(f)


def random_bytes(path: Path, low: int) -> None:
    rng = random.Random(18)
    path.write_bytes(bytes(rng.randrange(low, 256) for _ in range(20_000)))


def random_printable(path: Path) -> None:
    rng = random.Random(18)
    path.write_bytes(bytes(rng.randrange(33, 127) for _ in range(20_000)))


# name -> (builder, the refusal reason it must get, or None when it must be read as text)
CASES: dict[str, tuple[Callable[[Path], None], str | None]] = {
    "bomb.docx": (zip_bomb_docx, "zip bomb? (unpacks to"),
    "malformed.docx": (malformed_docx, "cannot read this file (XMLSyntaxError)"),
    "jbig2.pdf": (lambda p: pdf_with_filter(p, "/JBIG2Decode"), "cannot read this file ("),
    "filter.pdf": (
        lambda p: pdf_with_filter(p, "/NoSuchDecode"),
        "cannot read this file (NotImplementedError)",
    ),
    "random.txt": (lambda p: random_bytes(p, 1), "binary file"),
    "latin1-noise.txt": (lambda p: random_bytes(p, 32), "binary file"),
    "printable-noise.txt": (random_printable, "not text (no spaces between words"),
    "commas.md": (lambda p: p.write_text("ab," * 350_000), "not text (no spaces between words"),
    # a real PDF whose extracted text lost its spaces is still read
    "nospaces.pdf": (lambda p: pdf_with_filter(p, None, b"Thepumpneedsoilbeforeitsfirstuse"), None),
    "numbers.txt": (lambda p: p.write_text(",".join(map(str, range(150_000)))), None),
    "utf16.txt": (lambda p: p.write_bytes((GOOD * 50).encode("utf-16-le")), None),
    # parsers that were quadratic (issue 36): each took minutes or never finished
    "nested.html": (lambda p: p.write_text("<div>" * 200_000 + GOOD), None),
    "unclosed-tags.html": (lambda p: p.write_text("<a " * 100_000), "no text found"),
    "attributes.html": (
        lambda p: p.write_text("<a " + "b " * 20_000 + ">" + GOOD),
        "HTML tag with over 10000 attributes",
    ),
    # parsed (it took minutes), then found to be mostly symbols
    "openers.md": (lambda p: p.write_text("**a [a " * 60_000), "not text (mostly symbols"),
    "cp1251.html": (
        lambda p: p.write_bytes(
            '<meta charset="windows-1251"><p>Ключ под синим горшком.</p>'.encode("cp1251")
        ),
        None,
    ),
}


def write_bytes_name(folder: Path, name: bytes, data: bytes) -> None:
    """A file whose name is raw bytes (a stick formatted elsewhere: latin-1 names)."""
    with open(os.path.join(os.fsencode(folder), name), "wb") as f:
        f.write(data)


def make_case(root: Path, name: str) -> None:
    build, _ = CASES[name]
    build(root / name)


def mixed_stick(root: Path, good_documents: Path, small_files: int = 2_000) -> None:
    """Every case, the good documents, a latin-1 file name and `small_files` small notes."""
    shutil.copytree(good_documents, root)
    for name in CASES:
        make_case(root, name)
    write_bytes_name(root, b"caf\xe9.txt", GOOD.encode())
    (root / "many").mkdir()
    for n in range(small_files):
        (root / "many" / f"{n:04d}.txt").write_text(f"Note {n}.\n")
