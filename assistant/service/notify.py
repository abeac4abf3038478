"""systemd's notify protocol (sd_notify), without a dependency.

`Notifier` sends datagrams to $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace);
without that variable every call is a no-op, so the daemon runs the same under systemd, in a
terminal and in tests. `watchdog_interval` is half of $WATCHDOG_USEC (systemd's advice), or
None when no watchdog is configured for this process.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        self._address = "\0" + address[1:] if address.startswith("@") else address
        self._failed = False  # warn once, then only debug-log, not at every watchdog tick
        self.watchdog_interval: float | None = None
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        if usec.isdigit() and int(usec) > 0 and (not pid or pid == str(os.getpid())):
            self.watchdog_interval = int(usec) / 2e6

    def notify(self, *fields: str) -> None:
        """Send "KEY=value" fields in one datagram; never blocks, failures are only logged."""
        if not self._address:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
                s.setblocking(False)  # a congested manager must not stall the main loop
                s.connect(self._address)
                s.send("\n".join(fields).encode())
        except OSError as err:
            log.log(logging.DEBUG if self._failed else logging.WARNING, "sd_notify failed: %s", err)
            self._failed = True

    def ready(self, status: str) -> None:
        self.notify("READY=1", f"STATUS={status}")

    def status(self, status: str) -> None:
        self.notify(f"STATUS={status}")

    def watchdog(self) -> None:
        self.notify("WATCHDOG=1")

    def extend_startup(self, seconds: float) -> None:
        """Ask systemd for more start-up time (while waiting for a microphone)."""
        self.notify(f"EXTEND_TIMEOUT_USEC={int(seconds * 1e6)}")

    def stopping(self) -> None:
        self.notify("STOPPING=1", "STATUS=stopping")
