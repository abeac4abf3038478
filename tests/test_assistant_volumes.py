"""Collection names: the label of the filesystem mounted at a folder (udev's by-label links),
else its UUID (by-uuid), else the folder's name. The mount table is a file in mountinfo format;
the by-label and by-uuid folders hold real symlinks to a stand-in device file."""

from __future__ import annotations

from pathlib import Path

from assistant.shelf.volumes import collection_name, volume_label

BASE = "27 1 8:2 / / rw,relatime shared:1 - ext4 /dev/mmcblk0p2 rw\n"


def _setup(tmp_path: Path, label: str, *, autofs_only: bool = False) -> tuple[Path, Path, Path]:
    stick = tmp_path / "media" / "sda1"
    stick.mkdir(parents=True)
    device = tmp_path / "dev" / "sda1"
    device.parent.mkdir()
    device.write_bytes(b"")
    table = tmp_path / "mountinfo"
    lines = BASE + f"60 27 0:50 / {stick} rw,relatime - autofs systemd-1 rw\n"
    if not autofs_only:
        lines += f"61 60 8:1 / {stick} ro,nosuid - vfat {device} ro\n"
    table.write_text(lines)
    by_label = tmp_path / "by-label"
    by_label.mkdir()
    (by_label / label).symlink_to(device)
    (by_label / "OTHER").symlink_to(tmp_path / "dev" / "sdb1")
    return stick, table, by_label


def test_the_label_of_the_mounted_stick_names_it(tmp_path: Path) -> None:
    stick, table, by_label = _setup(tmp_path, r"MY\x20STICK")  # udev's escape for a space
    assert volume_label(stick, table, by_label) == "MY STICK"
    assert collection_name(stick, table, by_label) == "MY STICK"


def test_an_automount_not_yet_mounted_or_a_plain_folder_is_named_after_the_folder(
    tmp_path: Path,
) -> None:
    stick, table, by_label = _setup(tmp_path, "KINGSTON", autofs_only=True)
    assert volume_label(stick, table, by_label) is None
    assert collection_name(stick, table, by_label) == "sda1"
    plain = tmp_path / "docs"
    plain.mkdir()
    assert collection_name(plain, table, by_label) == "docs"
    assert collection_name(plain, table, tmp_path / "no-such-folder") == "docs"


def test_an_unlabelled_stick_is_named_after_its_filesystem_uuid(tmp_path: Path) -> None:
    """Every unlabelled stick mounts at the same folder ("sda1"): its UUID keeps two such
    sticks two collections. A label still wins."""
    stick, table, by_label = _setup(tmp_path, "OTHER-LABEL")
    (by_label / "OTHER-LABEL").unlink()  # this stick has no label
    by_uuid = tmp_path / "by-uuid"
    by_uuid.mkdir()
    (by_uuid / "1A2B-3C4D").symlink_to(tmp_path / "dev" / "sda1")
    (by_uuid / "5E6F-7A8B").symlink_to(tmp_path / "dev" / "sdb1")
    assert collection_name(stick, table, by_label, by_uuid) == "stick-1A2B-3C4D"
    (by_label / "KINGSTON").symlink_to(tmp_path / "dev" / "sda1")
    assert collection_name(stick, table, by_label, by_uuid) == "KINGSTON"
    plain = tmp_path / "docs"
    plain.mkdir()
    assert collection_name(plain, table, by_label, by_uuid) == "docs"
