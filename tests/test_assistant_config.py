"""Configuration validation, sd_notify, and the USB mount watcher."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from assistant.config import AsrConfig, Config, ConfigError, TtsConfig
from assistant.config_file import config_from_dict, load_config
from assistant.service.notify import Notifier
from assistant.speech.engines import make_recognizer
from assistant.voice.tts import make_synthesizer


def test_defaults_when_nothing_is_configured() -> None:
    config = config_from_dict({})
    assert config == Config()
    assert config.answer.top_k == 5
    assert config.audio.input_device == "default"


def test_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        "[answer]\ntop_k = 5\nthreshold = 2\n[audio]\nhold_to_talk = true\n"
        '[usb]\nwatch = ["/media/pi"]\nmode = "replace"\n'
    )
    config = load_config(path)
    assert (config.answer.top_k, config.answer.threshold) == (5, 2.0)
    assert config.audio.hold_to_talk is True
    assert (config.usb.watch, config.usb.mode) == (["/media/pi"], "replace")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"answr": {}}, "answr: unknown section"),
        ({"answer": {"topk": 3}}, "answer.topk: unknown key"),
        ({"answer": {"top_k": "3"}}, "answer.top_k: must be an integer"),
        ({"answer": {"top_k": 0}}, "answer.top_k: must be between 1 and 100"),
        ({"audio": {"hold_to_talk": 1}}, "audio.hold_to_talk: must be true or false"),
        ({"audio": {"endpointing": "magic"}}, "audio.endpointing: must be one of"),
        ({"asr": {"engine": "whisper-large"}}, "asr.engine: must be one of vosk, pocketsphinx"),
        ({"tts": {"engine": "sam"}}, "tts.engine: must be one of pyttsx3, piper"),
        ({"usb": {"mode": "merge"}}, "usb.mode: must be one of add, replace"),
        ({"usb": {"watch": "/media"}}, "usb.watch: must be a list of strings"),
        ({"library": {"passage_min_words": 300}}, "library.passage_min_words: must not exceed"),
        ({"button": []}, "button: must be a [button] table"),
    ],
)
def test_errors_name_the_key(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        config_from_dict(raw)


@pytest.mark.parametrize(
    ("make", "config", "message"),
    [
        (
            make_recognizer,
            AsrConfig(engine="deepspeech"),
            "asr.engine: unknown engine 'deepspeech'",
        ),
        (make_synthesizer, TtsConfig(engine="sam"), "tts.engine: unknown engine 'sam'"),
    ],
)
def test_an_unknown_engine_is_a_config_error_naming_the_choices(make, config, message) -> None:
    """A config built without validation still never falls back to another engine."""
    with pytest.raises(ConfigError, match=re.escape(message) + r" \(choices: [\w+]+(, [\w+]+)+\)"):
        make(config)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[answer\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_config(bad)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text("[answer]\nthreads = 0\n")
    with pytest.raises(ConfigError, match=r"wrong.toml: answer.threads: must be between"):
        load_config(wrong)


def test_notifier_sends_datagrams(tmp_path: Path) -> None:
    path = str(tmp_path / "n")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "4000000"})
        assert notifier.watchdog_interval == 2.0
        notifier.ready("idle")
        notifier.watchdog()
        assert server.recv(100) == b"READY=1\nSTATUS=idle"
        assert server.recv(100) == b"WATCHDOG=1"


def test_notifier_without_systemd_is_silent() -> None:
    notifier = Notifier({"WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"})
    assert notifier.watchdog_interval is None  # the watchdog is for another process
    notifier.ready("idle")  # no socket: nothing happens, nothing raises
