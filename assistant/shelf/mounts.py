"""Learn of USB sticks as they are mounted, from /proc/self/mountinfo.

The udev rule in systemd/ mounts each USB filesystem (read-only, automounted) at
/run/media/qa-usb/<kernel name>; the daemon, sandboxed in its own mount namespace, still sees
every mount the host makes after it started (systemd makes that namespace a propagation slave).

The file stays open and is re-read from offset 0 on each poll (the shelf polls every
`assistant.service.live_shelf.MOUNT_POLL_SECONDS` from the daemon's loop).

- `parse_mountinfo`: mountinfo text -> `Mount` records, octal escapes (\\040 ...) decoded.
- `mounts_under`: the mounts whose mount point lies strictly below one of the watched roots.
- `diff_mounts`: two such snapshots -> `MountEvent`s (added / removed), by mount point.
- `MountWatcher`: the open file and `read_events()`.

A mount point counts as new when the mount *at the bottom* of its stack is new. So an automount
(`autofs`) appearing is one event, the real filesystem that autofs later stacks on it when the
folder is first read is no event, nor is the idle unmount that takes it off again; the stick
being pulled out removes the automount too, which is one `removed` event. An `added` event for an
automount therefore reports fstype "autofs": reading the folder mounts the stick.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

MOUNTINFO = Path("/proc/self/mountinfo")
_OCTAL = re.compile(rb"\\([0-7]{3})")


@dataclass(frozen=True)
class Mount:
    """One line of mountinfo (see proc(5)); paths are decoded, as `os.fsdecode` does."""

    mount_id: int
    parent_id: int
    mount_point: str
    fstype: str
    source: str
    options: tuple[str, ...]  # per-mount options, e.g. ("ro", "nosuid", "nodev", "noexec")


@dataclass(frozen=True)
class MountEvent:
    """A mount point that appeared (`added`) or went away (`removed`) below a watched root."""

    kind: str  # "added" | "removed"
    mount: Mount

    @property
    def path(self) -> Path:
        return Path(self.mount.mount_point)


def unescape(field: bytes) -> str:
    """A mountinfo path field with the kernel's \\ooo escapes (space, tab, newline, \\) decoded."""
    return os.fsdecode(_OCTAL.sub(lambda m: bytes([int(m.group(1), 8)]), field))


def parse_mountinfo(data: bytes) -> list[Mount]:
    """Every mount in `data` (the bytes of a mountinfo file), in file order.

    Raises ValueError for a line that does not have mountinfo's shape.
    """
    mounts = []
    for line in data.splitlines():
        if not line.strip():
            continue
        fields = line.split(b" ")
        try:
            sep = fields.index(b"-", 6)
            mounts.append(
                Mount(
                    mount_id=int(fields[0]),
                    parent_id=int(fields[1]),
                    mount_point=unescape(fields[4]),
                    fstype=unescape(fields[sep + 1]),
                    source=unescape(fields[sep + 2]),
                    options=tuple(os.fsdecode(fields[5]).split(",")),
                )
            )
        except (ValueError, IndexError):
            raise ValueError(f"not a mountinfo line: {line!r}") from None
    return mounts


def mounts_under(mounts: Iterable[Mount], roots: Sequence[str | Path]) -> dict[str, Mount]:
    """Mount point -> the bottom mount there, for mount points strictly below a root.

    Roots are compared as the kernel prints paths: give them normalised and free of symlinks.
    """
    prefixes = tuple(os.path.join(os.path.normpath(root), "") for root in roots)
    found: dict[str, Mount] = {}
    for mount in mounts:
        if mount.mount_point.startswith(prefixes):
            found.setdefault(mount.mount_point, mount)
    return found


def diff_mounts(before: Mapping[str, Mount], after: Mapping[str, Mount]) -> list[MountEvent]:
    """The removed then the added mount points between two `mounts_under` snapshots.

    A mount point whose bottom mount was replaced (a stick swapped between two reads) gives a
    `removed` and an `added` event. Events are sorted by mount point within each kind.
    """
    events = [
        MountEvent("removed", mount)
        for point, mount in sorted(before.items())
        if point not in after or after[point].mount_id != mount.mount_id
    ]
    events += [
        MountEvent("added", mount)
        for point, mount in sorted(after.items())
        if point not in before or before[point].mount_id != mount.mount_id
    ]
    return events


class MountWatcher:
    """Mounts appearing and disappearing below `roots`, read from a mountinfo file.

    The file is opened and first read in the constructor, so no change after it is missed
    (what is mounted already is no event); `read_events()` returns what changed since the last
    read. Call `close()` when done.
    """

    def __init__(self, roots: Sequence[str | Path], mountinfo: str | Path = MOUNTINFO) -> None:
        self.roots = tuple(str(root) for root in roots)
        self._fd = os.open(mountinfo, os.O_RDONLY | os.O_CLOEXEC)
        self._known = self._read()

    def read_events(self) -> list[MountEvent]:
        """Re-read the mount table; the events since the previous read (maybe none)."""
        now = self._read()
        events = diff_mounts(self._known, now)
        self._known = now
        return events

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _read(self) -> dict[str, Mount]:
        chunks = []
        offset = 0
        while chunk := os.pread(self._fd, 1 << 16, offset):
            chunks.append(chunk)
            offset += len(chunk)
        return mounts_under(parse_mountinfo(b"".join(chunks)), self.roots)
