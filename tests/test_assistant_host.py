"""Who runs the assistant and where (`assistant.host`): the service's files or a user's own
(XDG folders), and a Raspberry Pi or a PC."""

from __future__ import annotations

import pwd
from pathlib import Path

import pytest

import assistant.host as host
from assistant.config import Config
from assistant.config_file import load_config


def test_a_user_with_an_empty_home_gets_their_own_folders(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path)}
    assert host.default_state_dir(False, environ) == tmp_path / ".local/state/qa-assistant"
    assert host.default_config_path(False, environ) == (
        tmp_path / ".config/qa-assistant/config.toml"
    )


def test_xdg_folders_are_followed_and_relative_ones_ignored(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), "XDG_STATE_HOME": "/srv/state", "XDG_CONFIG_HOME": "conf"}
    assert host.default_state_dir(False, environ) == Path("/srv/state/qa-assistant")
    assert host.default_config_path(False, environ) == (
        tmp_path / ".config/qa-assistant/config.toml"
    )


def test_the_service_uses_the_system_files(tmp_path: Path) -> None:
    environ = {"HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path)}
    assert host.default_state_dir(True, environ) == Path("/var/lib/qa-assistant")
    assert host.default_config_path(True, environ) == Path("/etc/qa-assistant/config.toml")


def test_the_service_is_recognised_by_its_user(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pwd.getpwuid

    def fake(uid: int) -> pwd.struct_passwd:
        if uid == 990:
            return pwd.struct_passwd(("qa-assistant", "x", 990, 990, "", "/", "/sbin/nologin"))
        if uid == 991:
            raise KeyError(uid)
        return real(uid)

    monkeypatch.setattr(host.pwd, "getpwuid", fake)
    assert host.running_as_service(990)
    assert not host.running_as_service(991)  # an id without a name
    assert not host.running_as_service(0)  # root is a user like any other


def test_the_default_state_folder_is_the_users_own(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setattr(host, "running_as_service", lambda: False)
    assert Config().state_dir == tmp_path / ".local/state/qa-assistant"


def test_the_users_config_file_is_read_without_config(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setattr(host, "running_as_service", lambda: False)
    assert load_config() == Config()  # no file: the defaults
    path = tmp_path / ".config/qa-assistant/config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("[answer]\ntop_k = 3\n")
    assert load_config().answer.top_k == 3


@pytest.mark.parametrize(
    ("model", "pi"),
    [
        (b"Raspberry Pi 5 Model B Rev 1.0\0", True),
        (b"Raspberry Pi 4 Model B Rev 1.4\0", True),
        (b"QEMU Virtual Machine\0", False),
        (None, False),
    ],
)
def test_a_raspberry_pi_is_told_by_its_device_tree(tmp_path: Path, model, pi: bool) -> None:
    path = tmp_path / "model"
    if model is not None:
        path.write_bytes(model)
    assert host.on_raspberry_pi(path) is pi
