"""`qa-assistant check`: each check finds real problems and says so in plain words.

Audio runs in a subprocess against `qa_test_null`, an ALSA null PCM from a test ~/.asoundrc
(PortAudio reads ALSA's configuration once, when sounddevice is first imported). GPIO uses
gpiozero's mock pin factory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pulse_server import pulseaudio_missing

from assistant.cli.check import (
    VOICE_PHRASE,
    CheckResult,
    KnownQuestion,
    check_asr,
    check_bundle,
    check_button,
    check_led,
    check_model,
    check_voice,
    main_check,
    run_checks,
)
from assistant.config import AsrConfig, ButtonConfig, Config, LedConfig, TtsConfig


def fake_bundle(folder: Path) -> Path:
    """A bundle whose checksums match but whose model is only a TFLite header."""
    folder.mkdir()
    files = {"model.tflite": b"\x1c\x00\x00\x00TFL3" + bytes(64), "vocab.txt": b"[PAD]\n"}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    info = {
        "architecture": "bert",
        "max_seq_len": 128,
        "lowercase": True,
        "signature": "serving_default",
        "inputs": {"input_ids": "input_ids"},
        "outputs": {"start_logits": "start_logits", "end_logits": "end_logits"},
        "quantization": "dynamic",
        "source": "test",
        "converter_version": "0",
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    (folder / "bundle.json").write_text(json.dumps(info))
    return folder


def test_bundle_checksums(tmp_path: Path) -> None:
    bundle = fake_bundle(tmp_path / "bundle")
    result = check_bundle(str(bundle))
    assert result.ok, result.message
    assert "checksums of all 2 files match" in result.message

    (bundle / "vocab.txt").write_bytes(b"[UNK]\n")
    result = check_bundle(str(bundle))
    assert not result.ok
    assert result.message == f"{bundle / 'vocab.txt'}: checksum mismatch (corrupted or modified)"


def test_bundle_missing_or_not_configured(tmp_path: Path) -> None:
    assert check_bundle("").message == "no model bundle configured: set answer.model"
    result = check_bundle(str(tmp_path / "nowhere"))
    assert not result.ok
    assert "does not exist: copy the bundle made by qa-convert there" in result.message


def test_model_that_does_not_run(tmp_path: Path) -> None:
    bundle = fake_bundle(tmp_path / "bundle")
    result = check_model(str(bundle), 1, KnownQuestion("q", "c", "c"))
    assert not result.ok
    assert result.message.startswith("the model does not run: ")


@pytest.mark.slow
def test_model_answers_the_known_question(request: pytest.FixtureRequest) -> None:
    pytest.importorskip("converter.cli", reason="the converter makes the test bundle")
    from assistant.qa.engine import QAEngine

    bundle = str(request.getfixturevalue("tiny_bundle"))
    question, context = "Where is the Eiffel tower?", "The Eiffel tower is in Paris."
    span = QAEngine.from_bundle(bundle).answer(question, context)
    assert span is not None
    assert check_model(bundle, 1, KnownQuestion(question, context, span.text)).ok

    wrong = check_model(bundle, 1, KnownQuestion(question, context, "Shakespeare"))
    assert not wrong.ok
    assert f"the model answered {span.text!r} instead of 'Shakespeare'" in wrong.message


def test_vosk_model_folder(tmp_path: Path) -> None:
    pytest.importorskip("vosk")
    missing = check_asr(Config(asr=AsrConfig(engine="vosk", vosk_model=str(tmp_path / "vosk"))))
    assert not missing.ok
    assert f"the Vosk model folder {tmp_path / 'vosk'} does not exist" in missing.message

    (tmp_path / "vosk").mkdir()
    (tmp_path / "vosk" / "README").write_text("not a model")
    broken = check_asr(Config(asr=AsrConfig(engine="vosk", vosk_model=str(tmp_path / "vosk"))))
    assert not broken.ok
    assert "does not look like a Vosk model folder" in broken.message

    (tmp_path / "vosk" / "am").mkdir()
    (tmp_path / "vosk" / "am" / "final.mdl").write_bytes(b"garbage")
    garbage = check_asr(Config(asr=AsrConfig(engine="vosk", vosk_model=str(tmp_path / "vosk"))))
    assert not garbage.ok
    assert f"{tmp_path / 'vosk'} is broken" in garbage.message


def test_pocketsphinx_builtin_model() -> None:
    pytest.importorskip("pocketsphinx")
    result = check_asr(Config(asr=AsrConfig(engine="pocketsphinx")))
    assert result.ok, result.message
    assert result.message.startswith("pocketsphinx's built-in US English model loads (")


def test_voice_renders_a_phrase() -> None:
    result = check_voice(Config())
    assert result.ok, result.message
    assert result.message.startswith("espeak-ng voice (pyttsx3) loads in ")
    assert f"renders {VOICE_PHRASE!r} (" in result.message


def test_missing_piper_voice(tmp_path: Path) -> None:
    voice = tmp_path / "voice.onnx"
    result = check_voice(Config(tts=TtsConfig(engine="piper", piper_voice=str(voice))))
    assert not result.ok
    assert result.message == f"tts.piper_voice: {voice} (and {voice}.json) must exist"


AUDIO_CODE = """
import dataclasses, json, sys
from assistant.cli.check import check_microphone, check_speaker
from assistant.config_file import config_from_dict
name, device = sys.argv[1:]
config = config_from_dict({"audio": {"input_device": device, "output_device": device}})
check = check_microphone if name == "microphone" else check_speaker
print(json.dumps(dataclasses.asdict(check(config))))
"""


def _check_audio(home: Path, name: str, device: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", AUDIO_CODE, name, device],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(home)},
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture
def null_alsa_home(tmp_path: Path) -> Path:
    pytest.importorskip("sounddevice", reason="needs libportaudio2")
    (tmp_path / ".asoundrc").write_text("pcm.qa_test_null { type null }\n")
    return tmp_path


def test_audio_devices_open_by_name(null_alsa_home: Path) -> None:
    for name, verb in (("microphone", "records"), ("speaker", "plays")):
        result = _check_audio(null_alsa_home, name, "qa_test_null")
        assert result["ok"], result["message"]
        assert result["message"] == f"'qa_test_null' opens and {verb} 16 kHz mono"


def test_audio_device_that_does_not_exist(null_alsa_home: Path) -> None:
    result = _check_audio(null_alsa_home, "microphone", "USB PnP")
    assert not result["ok"]
    message = str(result["message"])
    assert message.startswith("input device 'USB PnP' not usable (No input device matching")
    assert "input devices here: qa_test_null. Set audio.input_device" in message


@pytest.fixture
def mock_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    monkeypatch.setattr(Device, "pin_factory", MockFactory(pin_class=MockPWMPin))


@pytest.mark.usefixtures("mock_pins")
def test_gpio_pins_open() -> None:
    config = Config(button=ButtonConfig(pin=17), led=LedConfig(pin=27, pwm=True))
    assert check_button(config).ok
    assert check_led(config).ok


@pytest.mark.usefixtures("mock_pins")
def test_gpio_pin_in_use() -> None:
    from gpiozero import Button

    with Button(17):
        result = check_button(Config(button=ButtonConfig(pin=17)))
    assert not result.ok
    assert result.message.startswith("GPIO17 is in use: is the qa-assistant service running?")


def test_main_check_prints_every_result(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[asr]\nvosk_model = "{tmp_path / "none"}"\n[led]\npin = 27\n')
    args = argparse.Namespace(config=str(config), model=str(tmp_path / "bundle"), pi=True)
    assert main_check(args) == 1
    header, *lines = capsys.readouterr().out.splitlines()
    assert header == "checking as on a Raspberry Pi (--pi)"
    names = [line.split(":")[0].split(maxsplit=1)[1] for line in lines[:-1]]
    assert names == [
        "bundle",
        "model",
        "retriever",
        "speech model",
        "voice",
        "microphone",
        "speaker",
        "button",
        "led",
    ]
    assert lines[0].startswith("FAIL  bundle: ")
    assert lines[1] == "FAIL  model: not tried: the bundle check failed"
    assert lines[2].startswith("ok    retriever: ")
    assert lines[-1].endswith(" of 9 checks failed")


def test_retriever_check(tmp_path: Path) -> None:
    from assistant.cli.check import check_retriever
    from assistant.config import DEFAULT_MODEL, DEFAULT_RETRIEVER

    assert check_retriever(DEFAULT_RETRIEVER, 1).ok
    assert check_retriever("", 1).ok  # BM25 only
    missing = check_retriever(str(tmp_path / "nowhere"), 1)
    assert not missing.ok and "does not exist" in missing.message
    qa_model = check_retriever(DEFAULT_MODEL, 1)
    assert not qa_model.ok and "not a sentence-encoder bundle" in qa_model.message


def test_on_a_pc_gpio_and_the_vosk_model_are_not_needed(tmp_path: Path) -> None:
    pytest.importorskip("pocketsphinx")
    config = Config(
        asr=AsrConfig(engine="vosk", vosk_model=str(tmp_path / "vosk")), led=LedConfig(pin=27)
    )
    on_a_pc = run_checks(config, pi=False)
    by_name = {result.name: result for result in on_a_pc}
    assert by_name["speech model"].ok
    assert by_name["speech model"].message.startswith(
        "the Vosk model is not needed here (a PC): PocketSphinx, the fallback recognizer, loads"
    )
    assert by_name["button"].ok and by_name["button"].message.startswith("not needed here")
    assert by_name["led"] == CheckResult("led", True, "not needed here (a PC)")
    on_a_pi = check_asr(config, pi=True)  # strict: the Pi's recognizer is Vosk
    assert not on_a_pi.ok
    assert "does not exist" in on_a_pi.message


@pytest.mark.slow
@pytest.mark.skipif(pulseaudio_missing() is not None, reason=str(pulseaudio_missing()))
def test_check_passes_on_a_pc_with_a_sound_server(tmp_path: Path) -> None:
    """`qa-assistant check` as a user with an empty home on this PC, its default audio
    devices those of a (private) PulseAudio server: every check passes."""
    from pulse_server import private_pulseaudio

    with private_pulseaudio():
        done = subprocess.run(
            [sys.executable, "-m", "assistant.cli", "check"],
            capture_output=True,
            text=True,
            env={**os.environ, "HOME": str(tmp_path)},
            timeout=300,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("checking as on a PC (")
    assert lines[-1] == "all checks passed"
    assert any(  # the shipped engine: PocketSphinx with Whisper's second opinion
        line.startswith("ok    speech model: pocketsphinx's built-in US English model; on a 'not")
        and "Whisper tiny.en, int8, 4 threads, the packaged weights" in line
        for line in lines
    )
