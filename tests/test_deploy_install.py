"""systemd/install.sh with DESTDIR: the files it installs, idempotence, and --uninstall."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
INSTALL = REPO / "systemd" / "install.sh"

pytestmark = pytest.mark.skipif(
    shutil.which("systemd-sysusers") is None or shutil.which("systemctl") is None,
    reason="install.sh needs systemd-sysusers and systemctl (Debian package systemd)",
)

INSTALLED = {
    "etc/systemd/system/qa-assistant.service": REPO / "systemd" / "qa-assistant.service",
    "etc/udev/rules.d/99-qa-assistant-usb.rules": REPO / "systemd" / "99-qa-assistant-usb.rules",
    "etc/sysusers.d/qa-assistant.conf": REPO / "systemd" / "qa-assistant.sysusers",
    "etc/qa-assistant/config.toml": REPO / "systemd" / "config.toml",
}


def install(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["bash", str(INSTALL), *args],
        env={**os.environ, "DESTDIR": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done


def tree(root: Path) -> dict[str, str]:
    """Every path below root -> its content hash, link target, or "dir"."""
    found = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[key] = "dir"
        else:
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def test_install_produces_the_expected_files(tmp_path: Path) -> None:
    install(tmp_path, "--no-venv")
    for installed, source in INSTALLED.items():
        assert (tmp_path / installed).read_bytes() == source.read_bytes(), installed
    assert os.readlink(tmp_path / "usr/local/bin/qa-assistant") == (
        "/opt/qa-assistant/venv/bin/qa-assistant"
    )
    wants = tmp_path / "etc/systemd/system/multi-user.target.wants/qa-assistant.service"
    assert os.readlink(wants) == "/etc/systemd/system/qa-assistant.service"
    assert (tmp_path / "opt/qa-assistant/models").is_dir()

    passwd = (tmp_path / "etc/passwd").read_text().splitlines()
    user = next(line.split(":") for line in passwd if line.startswith("qa-assistant:"))
    assert user[5:] == ["/var/lib/qa-assistant", "/usr/sbin/nologin"]
    assert int(user[2]) < 1000  # a system user
    groups = {line.split(":")[0]: line.split(":")[3] for line in (tmp_path / "etc/group").open()}
    assert groups["audio"].strip() == groups["gpio"].strip() == "qa-assistant"


def test_install_is_idempotent_and_keeps_an_edited_config(tmp_path: Path) -> None:
    install(tmp_path, "--no-venv")
    config = tmp_path / "etc/qa-assistant/config.toml"
    config.write_text('[answer]\nmodel = "/srv/bundle"\n')
    before = tree(tmp_path)
    second = install(tmp_path, "--no-venv")
    assert "keeping the existing /etc/qa-assistant/config.toml" in second.stdout
    after = tree(tmp_path)
    after.pop("etc/.pwd.lock", None), before.pop("etc/.pwd.lock", None)
    assert after == before


def test_an_earlier_releases_threshold_is_retired_but_the_users_own_is_kept(tmp_path: Path):
    """A config.toml from a release that wrote `threshold = 28.0` (another score scale: it
    would refuse nearly every answer now) gets the code's calibrated default back."""
    from assistant.config import Config
    from assistant.config_file import load_config

    install(tmp_path, "--no-venv")
    config = tmp_path / "etc/qa-assistant/config.toml"
    config.write_text('[answer]\nthreshold = 28.0\nmodel = "/srv/bundle"\n')
    upgrade = install(tmp_path, "--no-venv")
    assert "commented out 'threshold = 28.0'" in upgrade.stdout
    assert config.read_text().splitlines()[1].startswith("# threshold = 28.0")
    loaded = load_config(config)
    assert loaded.answer.threshold == Config().answer.threshold
    assert loaded.answer.model == "/srv/bundle"

    config.write_text("[answer]\nthreshold = 9.5\n")  # the user's own choice
    install(tmp_path, "--no-venv")
    assert config.read_text() == "[answer]\nthreshold = 9.5\n"
    assert load_config(config).answer.threshold == 9.5


def test_the_shipped_bundles_are_upgraded_but_one_put_there_by_hand_is_kept(tmp_path: Path):
    install(tmp_path, "--no-venv")
    models = tmp_path / "opt/qa-assistant/models"
    shipped = {
        "bundle": REPO / "models/minilm-l6-qa-int8",
        "retriever": REPO / "models/minilm-l6-retriever-int8",
    }
    for name, source in shipped.items():
        assert tree(models / name) == tree(source), name
    # an earlier release's copy: replaced by the current bundle
    (models / "bundle" / "model.tflite").write_bytes(b"an older model")
    (models / "bundle" / "old-file").write_text("gone after the upgrade")
    install(tmp_path, "--no-venv")
    assert tree(models / "bundle") == tree(shipped["bundle"])
    assert sorted(p.name for p in models.iterdir()) == ["SHIPPED", "bundle", "retriever"]
    # a copy made before models/SHIPPED existed: an earlier release's bundle is upgraded, an
    # unchanged copy of the current one is listed from now on
    (models / "SHIPPED").unlink()
    earlier = "3e3b2d8da2f75a007e82b954fa2cf2ee66736ac5c3ad6835caf12d33f71cd023"
    (models / "bundle" / "bundle.json").write_text(f'{{"files": {{"model.tflite": "{earlier}"}}}}')
    install(tmp_path, "--no-venv")
    assert tree(models / "bundle") == tree(shipped["bundle"])
    assert (models / "SHIPPED").read_text().split() == ["bundle", "retriever"]
    # a bundle the user copied there: kept as it is
    shutil.rmtree(models / "bundle")
    (models / "SHIPPED").write_text("retriever\n")
    (models / "bundle").mkdir()
    (models / "bundle" / "model.tflite").write_bytes(b"the user's own model")
    again = install(tmp_path, "--no-venv")
    assert "keeping /opt/qa-assistant/models/bundle: not a copy made by install.sh" in again.stdout
    assert (models / "bundle" / "model.tflite").read_bytes() == b"the user's own model"
    assert (models / "SHIPPED").read_text() == "retriever\n"


def test_uninstall_removes_all_but_the_library_unless_purged(tmp_path: Path) -> None:
    install(tmp_path, "--no-venv")
    library = tmp_path / "var/lib/qa-assistant"
    library.mkdir(parents=True)
    (library / "passages.json").write_text("[]")

    install(tmp_path, "--uninstall")
    left = {p for p, kind in tree(tmp_path).items() if kind != "dir"}
    assert {p for p in left if not p.startswith("etc/")} == {"var/lib/qa-assistant/passages.json"}
    assert not any("qa-assistant" in p for p in left if p.startswith("etc/"))
    for accounts in ("passwd", "group", "shadow", "gshadow"):
        assert "qa-assistant:" not in (tmp_path / "etc" / accounts).read_text()

    install(tmp_path, "--uninstall", "--purge")
    assert not library.exists()


def test_install_refuses_unknown_options(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(INSTALL), "--frobnicate"],
        env={**os.environ, "DESTDIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr == "install.sh: unknown option --frobnicate (see --help)\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="apt-get install shellcheck")
def test_shell_scripts_are_shellcheck_clean() -> None:
    scripts = [INSTALL, *sorted((REPO / "scripts").glob("*.sh"))]
    done = subprocess.run(["shellcheck", *map(str, scripts)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
