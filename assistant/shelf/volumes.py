"""The name of a loaded folder: the label of the filesystem mounted there, else its UUID, else
the folder's name.

The device mounted at the folder is the top of its mount stack in /proc/self/mountinfo (an
automount's `autofs` is passed over: read the folder first, which mounts the stick); its label
(or UUID) is the name of the udev link in /dev/disk/by-label (by-uuid) that points at it (udev
writes unusual characters as \\xNN, decoded here). An unlabelled stick is named after its UUID
("stick-1A2B-3C4D"), not after its mount folder, which every such stick shares ("sda1"): so one
stick's load never replaces another's collection.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from assistant.shelf.mounts import MOUNTINFO, parse_mountinfo

BY_LABEL = Path("/dev/disk/by-label")
BY_UUID = Path("/dev/disk/by-uuid")
_HEX = re.compile(rb"\\x([0-9a-fA-F]{2})")


def _udev_name(folder: str | Path, mountinfo: str | Path, links: str | Path) -> str | None:
    """The name of the udev link in `links` that points at the device mounted at `folder`;
    None when there is no such mount or link."""
    point = os.path.realpath(folder)
    try:
        mounts = parse_mountinfo(Path(mountinfo).read_bytes())
        entries = sorted(Path(links).iterdir())
    except (OSError, ValueError):
        return None
    devices = [
        m.source
        for m in mounts
        if m.mount_point == point
        and m.fstype != "autofs"
        and m.source.startswith("/")  # a device node
    ]
    if not devices:
        return None
    device = os.path.realpath(devices[-1])
    for link in entries:
        if os.path.realpath(link) == device:
            raw = _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), os.fsencode(link.name))
            return raw.decode("utf-8", errors="replace")
    return None


def volume_label(
    folder: str | Path, mountinfo: str | Path = MOUNTINFO, by_label: str | Path = BY_LABEL
) -> str | None:
    """The label of the device mounted at `folder`; None when there is no such mount or label."""
    return _udev_name(folder, mountinfo, by_label)


def collection_name(
    folder: str | Path,
    mountinfo: str | Path = MOUNTINFO,
    by_label: str | Path = BY_LABEL,
    by_uuid: str | Path = BY_UUID,
) -> str:
    """`volume_label(folder)`, else "stick-" + the filesystem UUID of the device mounted
    there, else the folder's own name ("root" for /)."""
    label = volume_label(folder, mountinfo, by_label)
    if label:
        return label
    uuid = _udev_name(folder, mountinfo, by_uuid)
    if uuid:
        return f"stick-{uuid}"
    return Path(os.path.realpath(folder)).name or "root"
