"""Nothing lost silently (issue 36): a text cut at the character limit, files and folders that
vanish while a stick is read, and folders nested deeper than Python's recursion limit all end
as documents read or refusals with a reason, never as a silent loss or a failed load."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import assistant.documents.scan as scan
from assistant.documents.scan import MAX_CHARS_PER_FILE, Refusal, scan_folder


def test_a_text_over_the_character_limit_is_cut_with_a_refusal(tmp_path: Path) -> None:
    """A 6 MB .txt was cut at 5,000,000 characters with no refusal: its last sentence was then
    "not found" with nothing to say why."""
    sentence = "The pump needs oil every week. "
    (tmp_path / "big.txt").write_text(sentence * (6_000_000 // len(sentence)))
    result = scan_folder(tmp_path)
    (document,) = result.documents
    assert len(document.text) == MAX_CHARS_PER_FILE
    assert result.refusals == [
        Refusal("big.txt", f"cut at {MAX_CHARS_PER_FILE} characters (the rest is not loaded)")
    ]


def test_files_and_folders_vanishing_while_a_stick_is_read_are_refused(
    tmp_path: Path, monkeypatch
) -> None:
    """Deleting a file while a stick loaded aborted the whole load."""
    stick = tmp_path / "stick"
    (stick / "later").mkdir(parents=True)
    for name in ("a.txt", "b.txt", "c.txt", "later/d.txt"):
        (stick / name).write_text(f"The note {name} is here.\n")
    read_text = scan.READERS[".txt"]

    def read_and_delete(data: bytes) -> str:
        if b"a.txt" in data:  # while a.txt is read, someone deletes b.txt and later/
            (stick / "b.txt").unlink()
            shutil.rmtree(stick / "later")
        return read_text(data)

    monkeypatch.setitem(scan.READERS, ".txt", read_and_delete)
    result = scan_folder(stick)
    assert [d.name for d in result.documents] == ["a.txt", "c.txt"]
    assert result.refusals == [
        Refusal("b.txt", "vanished during the load"),
        Refusal("later/", "folder vanished during the load"),
    ]


def test_a_tree_deeper_than_the_recursion_limit_is_read(tmp_path: Path) -> None:
    """A folder 1,200 levels deep ended the load with a RecursionError."""
    depth = sys.getrecursionlimit() + 200
    folders = [tmp_path.joinpath(*["d"] * n) for n in range(1, depth + 1)]
    for folder in folders:  # os.makedirs and shutil.rmtree recurse themselves
        folder.mkdir()
    (folders[-1] / "deep.txt").write_text("The deepest note.\n")
    (tmp_path / "top.txt").write_text("The top note.\n")
    try:
        result = scan_folder(tmp_path)
    finally:
        (folders[-1] / "deep.txt").unlink()
        for folder in reversed(folders):
            folder.rmdir()
    assert [d.name for d in result.documents] == ["top.txt", "d/" * depth + "deep.txt"]
    assert result.refusals == []


RUSSIAN = "Библиотека открыта с девяти утра до шести вечера. Читатели берут восемь книг."
CHINESE = "图书馆早上九点开门，晚上六点关门。读者一次可以借八本书。"
JAPANESE = "図書館は午前九時に開館し、午後六時に閉館します。一度に八冊まで借りられます。"
FRENCH = "Le château est ouvert du mardi au dimanche. Très bien : les visites guidées à 9 h."
GERMAN = "Grüße aus München. Die Straße ist schön und groß; der Eintritt kostet 5 €."

# file -> (its bytes, the text it must give)
ENCODED = {
    "meta-charset.html": (
        f'<html><head><meta charset="windows-1251"></head><p>{RUSSIAN}</p></html>'.encode("cp1251"),
        RUSSIAN,
    ),
    "http-equiv.html": (
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
            f"<p>{RUSSIAN}</p>"
        ).encode("cp1251"),
        RUSSIAN,
    ),
    "declared-latin1-means-1252.html": (
        f'<meta charset="ISO-8859-1"><p>{GERMAN}</p>'.encode("cp1252"),
        GERMAN,
    ),
    "declared-wrongly.html": (f'<meta charset="utf-8"><p>{FRENCH}</p>'.encode("cp1252"), FRENCH),
    "undeclared-cp1251.html": (f"<p>{RUSSIAN}</p>".encode("cp1251"), RUSSIAN),
    "gb18030.txt": (CHINESE.encode("gb18030"), CHINESE),
    "shift-jis.txt": (JAPANESE.encode("shift_jis"), JAPANESE),  # was refused as "binary"
    "cp1251.md": (RUSSIAN.encode("cp1251"), RUSSIAN),
    "cp1252.txt": (FRENCH.encode("cp1252"), FRENCH),  # not taken for Croatian windows-1250
    "latin-1.txt": (GERMAN.replace("€", "EUR").encode("latin-1"), GERMAN.replace("€", "EUR")),
    "short-cp1252.txt": ("5 €, naïve".encode("cp1252"), "5 €, naïve"),
}


def test_declared_and_detected_charsets_are_honoured(tmp_path: Path) -> None:
    """CP1251 HTML that declared its charset and GB18030 text were stored as mojibake."""
    for name, (data, _) in ENCODED.items():
        (tmp_path / name).write_bytes(data)
    result = scan_folder(tmp_path)
    assert result.refusals == []
    texts = {d.name: d.text for d in result.documents}
    for name, (_, text) in ENCODED.items():
        assert texts[name] == text, name


def test_control_characters_in_a_document_are_not_stored(tmp_path: Path) -> None:
    """An answer printed by `qa-assistant ask` must not carry a terminal escape."""
    (tmp_path / "a.txt").write_text("The pump\x1b[2J needs\x07 oil\x9b.\tDaily.\n")
    (document,) = scan_folder(tmp_path).documents
    assert document.text == "The pump[2J needs oil. Daily."
