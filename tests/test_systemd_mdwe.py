"""MemoryDenyWriteExecute=yes in the unit: the Pi's runtime works under the same W^X rule.

scripts/mdwe-exec.py applies systemd's seccomp rule (and the kernel's PR_SET_MDWE) before
exec'ing a fresh Python, as systemd does for the service. Under it: the TFLite QA engine on a
real converted bundle must give the same answer as without it, Vosk's and pocketsphinx's
libraries must load, and a sounddevice stream in blocking mode must open, read and write.
Whisper (CTranslate2) is refused on x86, where its kernels come from oneDNN's JIT: the unit's
setting must allow it wherever it is refused.
cffi callbacks (sounddevice's `callback=`, `sd.play`, `sd.rec`) are refused under W^X, and
assistant/voice/audio.py captures through one: the last test ties the unit's setting to that.
"""

from __future__ import annotations

import ctypes.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MDWE_EXEC = REPO / "scripts" / "mdwe-exec.py"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or ctypes.util.find_library("seccomp") is None,
    reason="needs Linux and libseccomp (apt-get install libseccomp2)",
)

QA_CODE = """
import json, sys
from assistant.qa.engine import QAEngine
engine = QAEngine.from_bundle(sys.argv[1])
span = engine.answer("Where is the Eiffel tower?", "The Eiffel tower was built in Paris in 1889.")
print(json.dumps(None if span is None else span.text))
"""

LIBS_CODE = """
import vosk
vosk.SetLogLevel(-1)
try:
    vosk.Model("/nonexistent")
except Exception as err:
    assert "Failed to create a model" in str(err), err
import pocketsphinx
pocketsphinx.Decoder()
print("libraries ok")
"""

AUDIO_CODE = """
import numpy, sounddevice as sd
with sd.InputStream(device="qa_test_null", channels=1, samplerate=16000) as s:
    frames, _ = s.read(1600)
with sd.OutputStream(device="qa_test_null", channels=1, samplerate=16000) as s:
    s.write(numpy.zeros((1600, 1), dtype="float32"))
print("blocking ok", len(frames))
"""

WHISPER_CODE = """
import assistant.speech.whisper as whisper
whisper.speech_span = lambda pcm: pcm  # run the model even on silence
recognizer = whisper.WhisperRecognizer(threads=1)
try:
    recognizer.transcribe(bytes(32000))
    print("whisper ok")
except RuntimeError as err:
    print("refused:", err)
"""

MICROPHONE_CODE = """
from assistant.voice.audio import Microphone
try:
    Microphone("qa_test_null").check()
    print("microphone ok")
except MemoryError as err:
    print("refused:", err)
"""


def _python(code: str, *args: str, mdwe: bool, home: Path | None = None) -> str:
    prefix = [sys.executable, str(MDWE_EXEC)] if mdwe else []
    env = None if home is None else {**os.environ, "HOME": str(home)}
    done = subprocess.run(
        [*prefix, sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def null_alsa_home(tmp_path: Path) -> Path:
    """A HOME whose ~/.asoundrc defines `qa_test_null`, an ALSA null PCM PortAudio lists."""
    (tmp_path / ".asoundrc").write_text("pcm.qa_test_null { type null }\n")
    return tmp_path


def test_the_filter_refuses_writable_executable_memory() -> None:
    code = "import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_WRITE | mmap.PROT_EXEC)"
    done = subprocess.run(
        [sys.executable, str(MDWE_EXEC), sys.executable, "-c", code],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "PermissionError" in done.stderr


@pytest.mark.slow
def test_tflite_engine_answers_the_same_under_mdwe(request: pytest.FixtureRequest) -> None:
    pytest.importorskip("converter.cli", reason="the converter makes the test bundle")
    bundle = str(request.getfixturevalue("tiny_bundle"))
    plain = json.loads(_python(QA_CODE, bundle, mdwe=False))
    assert json.loads(_python(QA_CODE, bundle, mdwe=True)) == plain


def test_speech_libraries_load_under_mdwe() -> None:
    pytest.importorskip("vosk")
    pytest.importorskip("pocketsphinx")
    assert _python(LIBS_CODE, mdwe=True).strip() == "libraries ok"


def test_blocking_audio_streams_work_under_mdwe(null_alsa_home: Path) -> None:
    pytest.importorskip("sounddevice", reason="needs libportaudio2")
    out = _python(AUDIO_CODE, mdwe=True, home=null_alsa_home)
    assert out.strip() == "blocking ok 1600"


def test_unit_setting_matches_what_the_microphone_code_needs(null_alsa_home: Path) -> None:
    """MemoryDenyWriteExecute is on exactly when assistant.voice.audio's capture works under it."""
    pytest.importorskip("sounddevice", reason="needs libportaudio2")
    unit = (REPO / "systemd" / "qa-assistant.service").read_text()
    setting = re.search(r"^MemoryDenyWriteExecute=(yes|no)$", unit, re.MULTILINE)
    assert setting, "the unit must say MemoryDenyWriteExecute=yes or =no"
    out = _python(MICROPHONE_CODE, mdwe=True, home=null_alsa_home).strip()
    if setting.group(1) == "yes":
        assert out == "microphone ok"
    else:
        assert out.startswith("refused: Cannot allocate write+execute memory"), (
            "the microphone now works under W^X: set MemoryDenyWriteExecute=yes in the unit"
        )


def test_unit_setting_allows_whisper() -> None:
    """Where CTranslate2 cannot run under W^X (x86: "could not create a primitive"),
    MemoryDenyWriteExecute must stay off for asr.engine = "whisper" / "pocketsphinx+whisper"."""
    pytest.importorskip("faster_whisper")
    unit = (REPO / "systemd" / "qa-assistant.service").read_text()
    setting = re.search(r"^MemoryDenyWriteExecute=(yes|no)$", unit, re.MULTILINE)
    assert setting, "the unit must say MemoryDenyWriteExecute=yes or =no"
    assert _python(WHISPER_CODE, mdwe=False).strip() == "whisper ok"
    out = _python(WHISPER_CODE, mdwe=True).strip()
    if setting.group(1) == "yes":
        assert out == "whisper ok", "Whisper needs write+execute memory here: set =no"
    else:
        assert out in ("whisper ok", "refused: could not create a primitive"), out
