"""Hostile inputs besides the stick (issue 18): bundles whose checksums match but whose
bundle.json or files are wrong, and command-line or configuration values that used to end in
a traceback, a silent surprise or a run that never ends."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from assistant.cli.check import run_checks
from assistant.cli.main import main
from assistant.config import DEFAULT_MODEL, ConfigError
from assistant.config_file import config_from_dict
from assistant.qa.bundle import BundleError
from assistant.qa.engine import QAEngine


def broken_bundle(folder: Path, changes: dict[str, Any], files: dict[str, bytes] | None = None):
    """A copy of the shipped bundle with `changes` in bundle.json and `files` replaced, every
    checksum updated to match: only the content is wrong."""
    shutil.copytree(DEFAULT_MODEL, folder, ignore=shutil.ignore_patterns("eval", "README.md"))
    info = json.loads((folder / "bundle.json").read_text())
    for name, data in (files or {}).items():
        (folder / name).write_bytes(data)
        info["files"][name] = hashlib.sha256(data).hexdigest()
    info.update(changes)
    (folder / "bundle.json").write_text(json.dumps(info))
    return folder


BROKEN_BUNDLES: dict[str, tuple[dict[str, Any], dict[str, bytes] | None, str]] = {
    "wrong type": ({"max_seq_len": "256"}, None, "max_seq_len: must be an integer"),
    "format as a string": ({"format_version": "1"}, None, "format_version: must be an integer"),
    "null inputs": ({"inputs": None}, None, "inputs: must be an object, not None"),
    "null lowercase": ({"lowercase": None}, None, "lowercase: must be true or false"),
    "files not an object": ({"files": []}, None, "files: must be an object"),
    "unknown field": ({"colour": "red"}, None, "colour: unknown field"),
    "tiny max_seq_len": ({"max_seq_len": 8}, None, "max_seq_len: must be an integer between"),
    "no room for windows": ({"max_seq_len": 128}, None, "max_seq_len=128 leaves no room"),
    "huge max_seq_len": ({"max_seq_len": 2048}, None, "max_seq_len: the model cannot run"),
    "wrong signature": ({"signature": "nope"}, None, "signature: the model has no signature"),
    "wrong tensor name": (
        {"inputs": {"input_ids": "ids", "attention_mask": "attention_mask"}},
        None,
        "inputs: the model has no tensor named 'ids'",
    ),
    "unknown role": ({"outputs": {"logits": "x"}}, None, "outputs.logits: unknown role"),
    "empty vocab": ({}, {"vocab.txt": b""}, "vocabulary has no"),
    "not a model": ({}, {"model.tflite": b"hello, I am a text file\n"}, "not a TensorFlow Lite"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_BUNDLES))
def test_a_broken_bundle_is_a_bundle_error_naming_the_field(tmp_path: Path, case: str) -> None:
    changes, files, message = BROKEN_BUNDLES[case]
    bundle = broken_bundle(tmp_path / "bundle", changes, files)
    with pytest.raises(BundleError, match=message.replace("(", r"\(")):
        QAEngine.from_bundle(bundle, threads=1)


def test_check_and_ask_report_broken_bundles_without_a_traceback(tmp_path: Path, capsys) -> None:
    docs = str(Path(__file__).parent / "data")
    for n, case in enumerate(("null inputs", "wrong signature", "empty vocab")):
        changes, files, message = BROKEN_BUNDLES[case]
        bundle = broken_bundle(tmp_path / f"b{n}", changes, files)
        assert main(["ask", "--docs", docs, "--model", str(bundle), "q"]) == 2
        err = capsys.readouterr().err
        assert f"error: {bundle}" in err and message in err
        assert "Traceback" not in err
        config = config_from_dict({"answer": {"model": str(bundle)}})
        failed = {r.name: r.message for r in run_checks(config)[:2] if not r.ok}
        assert message in " ".join(failed.values()), failed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "-k", "-1", "q"], "argument -k/--top-k: must be at least 1, not -1"),
        (["ask", "-k", "two", "q"], "argument -k/--top-k: must be a whole number"),
        (["ask", "-k", "1" + "0" * 30, "q"], "argument -k/--top-k: must be at most 100, not 1"),
        (["ask", "--threshold", "nan", "q"], "argument --threshold: must be a finite number"),
        (["ask", "--threshold", "inf", "q"], "argument --threshold: must be a finite number"),
        (["ask", "caf\udce9?"], "argument question: is not valid UTF-8 text"),
        (["run", "--input", "/nonexistent/q.wav"], "argument --input: /nonexistent/q.wav: not a"),
        (["run", "--output", "/nonexistent/a.wav"], "the folder /nonexistent does not exist"),
        (["run", "--output", "/proc/a.wav"], "argument --output: /proc/a.wav: cannot write there"),
    ],
)
def test_bad_command_line_values_are_usage_errors(argv, message, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_a_question_with_invalid_utf8_bytes_from_a_real_command_line(tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", b"caf\xe9?"],
        capture_output=True,
        cwd=Path(__file__).resolve().parents[1],
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert b"is not valid UTF-8 text" in done.stderr
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize("state_dir", ["", "relative/state"])
def test_state_dir_must_be_an_absolute_path(state_dir: str) -> None:
    with pytest.raises(ConfigError, match=r"library\.state_dir: must be an absolute path"):
        config_from_dict({"library": {"state_dir": state_dir}})


def test_one_default_vosk_model_path_everywhere() -> None:
    import tomllib

    from assistant.config import AsrConfig

    root = Path(__file__).resolve().parents[1]
    installed = tomllib.loads((root / "systemd/config.toml").read_text())["asr"]["vosk_model"]
    assert AsrConfig().vosk_model == installed == "/opt/qa-assistant/models/vosk-model"
    assert installed in (root / "systemd/install.sh").read_text().replace(
        "$PREFIX", "/opt/qa-assistant"
    )
    assert installed in (root / "docs/deploy.md").read_text()
