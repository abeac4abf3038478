"""The volume while the assistant runs: louder and quieter in steps of about 3 dB, kept across
restarts in the state folder (`volume.json`).

The volume is the speaker's software gain (`audio.volume`, 0-4; 1 = as rendered). A volume set
with the button or the keys is remembered together with the `audio.volume` it started from; it
applies at the next start unless `audio.volume` has been changed in the configuration since
(then the configuration's value wins: an edit of the file is never silently overridden).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

# about 3 dB apart; the configuration allows any gain from 0 to 4
LEVELS = (0.125, 0.18, 0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0)
FILE = "volume.json"


def louder(volume: float) -> float:
    """The next level above `volume`; `volume` itself when it is the loudest already."""
    return next((level for level in LEVELS if level > volume * 1.01), volume)


def quieter(volume: float) -> float:
    """The next level below `volume`; `volume` itself when it is the quietest already."""
    return next((level for level in reversed(LEVELS) if level < volume / 1.01), volume)


def remembered_volume(state_dir: Path, configured: float) -> float:
    """The volume last set while running, unless `configured` (audio.volume) is not the one it
    was set from; `configured` when nothing (readable) is remembered."""
    try:
        saved = json.loads((state_dir / FILE).read_text(encoding="utf-8"))
        volume, since = float(saved["volume"]), float(saved["configured"])
    except (OSError, ValueError, KeyError, TypeError):
        return configured
    if since != configured or not 0 <= volume <= LEVELS[-1]:
        return configured
    return volume


def remember_volume(state_dir: Path, volume: float, configured: float) -> None:
    """Keep `volume` (set from `configured`) for the next start: written to a temporary file
    and renamed over the old one. A failure is logged, never raised (the volume still
    applies until the assistant stops)."""
    path = state_dir / FILE
    temporary = path.with_name(f".{FILE}.tmp")
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps({"volume": volume, "configured": configured}) + "\n")
        os.replace(temporary, path)
    except OSError as err:
        log.warning("cannot keep the volume in %s (%s); it applies until the next start", path, err)
        with contextlib.suppress(OSError):
            temporary.unlink()
