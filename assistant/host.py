"""Where the assistant runs: as the service or as a person, on a Raspberry Pi or on a PC.

Two facts, each decided by one rule (docs/deploy.md, "Who uses which files"):

- **As the service** means: the process runs as the service's user, `qa-assistant` (the unit's
  `User=`, and `sudo -u qa-assistant qa-assistant ...`). It then uses the system's files: the
  configuration /etc/qa-assistant/config.toml and the state folder /var/lib/qa-assistant.
  Every other user, root included, has their own: $XDG_CONFIG_HOME/qa-assistant/config.toml
  (default ~/.config/qa-assistant/config.toml) and $XDG_STATE_HOME/qa-assistant (default
  ~/.local/state/qa-assistant), so a first `qa-assistant load` works for anyone.
- **On a Raspberry Pi** means: the device tree's model (/proc/device-tree/model) names a
  Raspberry Pi. Anything else is a PC, where `qa-assistant check` needs no GPIO and no Vosk
  model (`check --pi` / `--pc` overrides the rule).
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from pathlib import Path

SERVICE_USER = "qa-assistant"
SYSTEM_CONFIG = Path("/etc/qa-assistant/config.toml")
SYSTEM_STATE = Path("/var/lib/qa-assistant")
DEVICE_TREE_MODEL = Path("/proc/device-tree/model")


def running_as_service(uid: int | None = None) -> bool:
    """True when the (effective) user `uid` is the service's user, SERVICE_USER."""
    try:
        return pwd.getpwuid(os.geteuid() if uid is None else uid).pw_name == SERVICE_USER
    except KeyError:  # a user id without a name (a container's): not the service's
        return False


def _xdg(variable: str, fallback: str, environ: Mapping[str, str]) -> Path:
    """The XDG base folder `variable`, else ~/`fallback` (a relative value is ignored, as
    the XDG specification says)."""
    value = environ.get(variable, "")
    if os.path.isabs(value):
        return Path(value)
    home = environ.get("HOME") or str(Path.home())
    return Path(home) / fallback


def default_config_path(
    as_service: bool | None = None, environ: Mapping[str, str] = os.environ
) -> Path:
    """The configuration file read when `--config` is not given (it need not exist)."""
    if running_as_service() if as_service is None else as_service:
        return SYSTEM_CONFIG
    return _xdg("XDG_CONFIG_HOME", ".config", environ) / "qa-assistant" / "config.toml"


def default_state_dir(
    as_service: bool | None = None, environ: Mapping[str, str] = os.environ
) -> Path:
    """The state folder (library.state_dir) when the configuration does not set one."""
    if running_as_service() if as_service is None else as_service:
        return SYSTEM_STATE
    return _xdg("XDG_STATE_HOME", ".local/state", environ) / "qa-assistant"


def board_model(model_file: Path = DEVICE_TREE_MODEL) -> str:
    """The device tree's model string ("Raspberry Pi 5 Model B Rev 1.0"), "" without one."""
    try:
        return model_file.read_bytes().rstrip(b"\0").decode("utf-8", "replace").strip()
    except OSError:
        return ""


def on_raspberry_pi(model_file: Path = DEVICE_TREE_MODEL) -> bool:
    """True when the device tree names a Raspberry Pi."""
    return board_model(model_file).startswith("Raspberry Pi")
