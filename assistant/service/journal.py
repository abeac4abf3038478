"""Log lines the systemd journal files under the right priority.

Under systemd the daemon's stderr goes to the journal, which reads a `<N>` prefix on each line as
its syslog priority (SyslogLevelPrefix=, on by default): errors show up as errors in
`journalctl -p err`, warnings as warnings. Elsewhere the lines carry a time stamp instead.
"""

from __future__ import annotations

import logging
import os

# logging level -> syslog priority (sd-daemon.h: SD_ERR 3, SD_WARNING 4, SD_INFO 6, SD_DEBUG 7)
PRIORITIES = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}


def under_systemd(environ: os._Environ | dict[str, str] = os.environ) -> bool:
    """True when stderr is connected to the journal by systemd."""
    return "JOURNAL_STREAM" in environ or "INVOCATION_ID" in environ


class JournalFormatter(logging.Formatter):
    """`<priority>LEVEL name: message`, one journal entry per record (continuation lines of a
    traceback are indented so they stay part of it)."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        priority = PRIORITIES.get(record.levelno, 6)
        text = super().format(record)
        return f"<{priority}>" + text.replace("\n", "\n    ")


def formatter(environ: os._Environ | dict[str, str] = os.environ) -> logging.Formatter:
    """The journal's formatter under systemd, else one with time stamps."""
    if under_systemd(environ):
        return JournalFormatter()
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
