"""The mount watcher: mountinfo parsing and diffing always; a real tmpfs mount when root."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from assistant.shelf.mounts import (
    MountEvent,
    MountWatcher,
    diff_mounts,
    mounts_under,
    parse_mountinfo,
    unescape,
)

MOUNTINFO = b"""\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:2 / / rw,relatime shared:1 - ext4 /dev/mmcblk0p2 rw
60 27 0:50 / /run/media/qa-usb/sda1 rw,relatime shared:30 - autofs systemd-1 rw,fd=51
61 60 8:1 / /run/media/qa-usb/sda1 ro,nosuid,nodev,noexec,relatime shared:31 - vfat /dev/sda1 ro
62 27 8:17 / /media/My\\040Stick\\011x\\134y ro,nosuid master:2 - exfat /dev/sdb1 ro
63 27 0:51 / /run/media-other/x rw shared:32 - tmpfs tmpfs rw
"""
ROOTS = ["/media", "/run/media/"]


def test_parse_decodes_fields_and_octal_escapes() -> None:
    mounts = parse_mountinfo(MOUNTINFO)
    assert [m.mount_id for m in mounts] == [22, 27, 60, 61, 62, 63]
    stick = mounts[4]
    assert stick.mount_point == "/media/My Stick\tx\\y"
    assert (stick.fstype, stick.source, stick.parent_id) == ("exfat", "/dev/sdb1", 27)
    assert stick.options == ("ro", "nosuid")
    assert mounts[3].options == ("ro", "nosuid", "nodev", "noexec", "relatime")


def test_parse_keeps_undecodable_names_and_rejects_garbage() -> None:
    assert unescape(b"/media/caf\\303\\251") == "/media/café"
    assert unescape(b"/media/\\377") == os.fsdecode(b"/media/\xff")
    with pytest.raises(ValueError, match="not a mountinfo line"):
        parse_mountinfo(b"22 27 0:21 / /proc rw,relatime proc proc rw\n")


def test_mounts_under_keeps_bottom_mount_strictly_below_roots() -> None:
    found = mounts_under(parse_mountinfo(MOUNTINFO), ROOTS)
    assert sorted(found) == ["/media/My Stick\tx\\y", "/run/media/qa-usb/sda1"]
    assert found["/run/media/qa-usb/sda1"].fstype == "autofs"  # not the vfat stacked on it


def test_diff_reports_added_and_removed_mount_points() -> None:
    lines = MOUNTINFO.splitlines(keepends=True)
    base = b"".join(lines[:2])
    with_automount = base + lines[2]
    with_stick = with_automount + lines[3]
    snap = [mounts_under(parse_mountinfo(x), ROOTS) for x in (base, with_automount, with_stick)]

    added = diff_mounts(snap[0], snap[1])
    assert [(e.kind, e.path, e.mount.fstype) for e in added] == [
        ("added", Path("/run/media/qa-usb/sda1"), "autofs")
    ]
    assert diff_mounts(snap[1], snap[2]) == []  # autofs triggered: same stick, no new event
    assert diff_mounts(snap[2], snap[1]) == []  # idle unmount: still no event
    assert [(e.kind, e.path) for e in diff_mounts(snap[2], snap[0])] == [
        ("removed", Path("/run/media/qa-usb/sda1"))
    ]


def test_diff_reports_a_swapped_stick_as_removed_then_added() -> None:
    before = mounts_under(parse_mountinfo(MOUNTINFO), ROOTS)
    swapped = MOUNTINFO.replace(b"62 27 8:17", b"70 27 8:33")
    after = mounts_under(parse_mountinfo(swapped), ROOTS)
    events = diff_mounts(before, after)
    assert [(e.kind, e.mount.mount_id) for e in events] == [("removed", 62), ("added", 70)]


def test_watcher_reads_a_mountinfo_file(tmp_path: Path) -> None:
    table = tmp_path / "mountinfo"
    table.write_bytes(MOUNTINFO)
    watcher = MountWatcher(ROOTS, mountinfo=table)
    try:
        assert watcher.read_events() == []  # what was mounted at the start is no event
        table.write_bytes(b"".join(MOUNTINFO.splitlines(keepends=True)[:2]))
        events = watcher.read_events()
    finally:
        watcher.close()
    assert sorted((e.kind, e.mount.mount_id) for e in events) == [
        ("removed", 60),
        ("removed", 62),
    ]


def _can_mount() -> str | None:
    """None when this process may mount, else why not (the reason a test skips with)."""
    if os.geteuid() != 0:
        return "needs root to mount a tmpfs"
    if shutil.which("mount") is None or shutil.which("umount") is None:
        return "mount/umount not installed"
    return None


@pytest.mark.skipif(_can_mount() is not None, reason=str(_can_mount()))
def test_watcher_sees_a_real_tmpfs_mount_come_and_go(tmp_path: Path) -> None:
    root = tmp_path.resolve() / "usb"
    point = root / "my stick"  # a space: mountinfo shows it as \040
    point.mkdir(parents=True)
    watcher = MountWatcher([root])
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,nosuid,nodev,noexec,size=64k", "qa-test", point],
            capture_output=True,
            text=True,
        )
        if mounted.returncode != 0:
            pytest.skip(f"mount refused here: {mounted.stderr.strip()}")
        try:
            added = _wait_for(watcher, "added")
        finally:
            subprocess.run(["umount", point], check=True)
        removed = _wait_for(watcher, "removed")
        assert watcher.read_events() == []  # nothing new below the root: no event
    finally:
        watcher.close()
    assert added.path == point
    assert (added.mount.fstype, added.mount.source) == ("tmpfs", "qa-test")
    assert {"ro", "nosuid", "nodev", "noexec"} <= set(added.mount.options)
    assert removed.mount == added.mount


def _wait_for(watcher: MountWatcher, kind: str) -> MountEvent:
    """The first event of `kind`, polled as the shelf polls (a generous cap: only a hang fails)."""
    for _ in range(3000):
        events = [e for e in watcher.read_events() if e.kind == kind]
        if events:
            assert len(events) == 1
            return events[0]
        threading.Event().wait(0.01)
    raise AssertionError(f"no {kind} event")
