"""Loads run by root into a state folder that belongs to the service's user.

The service (user qa-assistant) must be able to read its library and, at the next load, replace
and delete it. `sudo qa-assistant load` would write root-owned files there that the service can
never remove, so a load running as root into a folder owned by another user is refused with
the command to use instead (`foreign_owner`). `NOT_YOURS` is the message for a library or lock
that the current user may not read or write.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

NOT_YOURS = (
    "permission denied: the library belongs to another user (the service's); run the "
    "command as that user, e.g. sudo -u qa-assistant qa-assistant ..."
)


def foreign_owner(state: Path) -> str | None:
    """The name of the user owning `state` when we run as root and it is not root's, else None
    (also when `state` does not exist yet)."""
    if os.geteuid() != 0:
        return None
    try:
        uid = state.stat().st_uid
    except FileNotFoundError:
        return None
    if uid == 0:
        return None
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
