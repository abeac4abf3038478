"""The pieces of a voice turn: button gestures (MockFactory pins, the real gpiozero Button), the
keyboard's commands, the generated tones, the software volume and speech rendered sentence by
sentence (real espeak-ng)."""

from __future__ import annotations

import io
import queue
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from assistant.answering.replies import sentence_around, where_text
from assistant.config import ButtonConfig, TtsConfig
from assistant.voice.audio import WavOutput, read_wav_16k, with_volume
from assistant.voice.button import Event, GpioButton, KeyboardButton
from assistant.voice.pyttsx3_voice import Pyttsx3Synthesizer
from assistant.voice.synthesis import TtsError
from assistant.voice.tones import TONES, tone_samples, write_tones
from assistant.voice.tts import render_ahead, sentences

PIN = 17


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    factory = MockFactory()
    Device.pin_factory = factory
    yield factory
    factory.reset()
    Device.pin_factory = None


def events_of(events: queue.Queue[Event], timeout: float = 0.0) -> list[Event]:
    seen = []
    while True:
        try:
            seen.append(events.get(timeout=timeout))
        except queue.Empty:
            return seen


def click(pins: MockFactory) -> None:
    pin = pins.pin(PIN)
    pin.drive_low()
    pin.drive_high()


def test_quick_presses_are_a_repeat_then_the_volume_and_a_fourth_starts_afresh(pins) -> None:
    events: queue.Queue[Event] = queue.Queue()
    button = GpioButton(ButtonConfig(pin=PIN, bounce_time=0, double_press_seconds=60), events)
    for _ in range(5):
        click(pins)
    button.close()
    presses = [e for e in events_of(events) if e is not Event.RELEASE]
    assert presses == [Event.PRESS, Event.REPEAT, Event.VOLUME, Event.PRESS, Event.REPEAT]


def test_presses_further_apart_than_the_double_press_window_are_presses(pins) -> None:
    events: queue.Queue[Event] = queue.Queue()
    button = GpioButton(ButtonConfig(pin=PIN, bounce_time=0, double_press_seconds=0), events)
    click(pins)
    click(pins)
    button.close()
    assert [e for e in events_of(events) if e is not Event.RELEASE] == [Event.PRESS] * 2


def test_holding_the_button_is_a_hold(pins) -> None:
    events: queue.Queue[Event] = queue.Queue()
    button = GpioButton(ButtonConfig(pin=PIN, bounce_time=0, hold_seconds=0.3), events)
    pins.pin(PIN).drive_low()
    assert events.get(timeout=5) is Event.PRESS
    assert events.get(timeout=5) is Event.HOLD  # gpiozero's hold thread, after hold_seconds
    pins.pin(PIN).drive_high()
    button.close()


def test_keyboard_commands_and_end_of_input() -> None:
    events: queue.Queue[Event] = queue.Queue()
    KeyboardButton(events, io.StringIO("\nr\nW\ns\n+\n-\nsomething\n"))
    seen = [events.get(timeout=5) for _ in range(10)]
    assert seen == [
        Event.PRESS,
        Event.RELEASE,
        Event.REPEAT,
        Event.WHERE,
        Event.CANCEL,
        Event.LOUDER,
        Event.QUIETER,
        Event.PRESS,
        Event.RELEASE,
        Event.STOP,
    ]


@pytest.mark.parametrize("name", sorted(TONES))
def test_tones_are_short_audible_and_click_free(name: str) -> None:
    samples = tone_samples(name).astype(np.int32)
    assert 0.1 < len(samples) / 22050 < 0.5
    assert np.abs(samples).max() > 4000
    assert abs(samples[0]) < 200 and abs(samples[-1]) < 200  # faded in and out


def test_tones_are_written_as_playable_wavs(tmp_path: Path) -> None:
    paths = write_tones(tmp_path)
    assert set(paths) == set(TONES)
    for path in paths.values():
        assert len(read_wav_16k(path)) > 2 * 1600


def test_volume_scales_and_clips() -> None:
    pcm = np.array([1000, -1000, 30000, -30000], dtype=np.int16).tobytes()
    assert with_volume(pcm, 1.0) == pcm
    assert np.frombuffer(with_volume(pcm, 0.5), dtype=np.int16).tolist() == [
        500,
        -500,
        15000,
        -15000,
    ]
    louder = np.frombuffer(with_volume(pcm, 2.0), dtype=np.int16).tolist()
    assert louder == [2000, -2000, 32767, -32768]


def test_wav_output_keeps_everything_said_in_order(tmp_path: Path) -> None:
    tones = write_tones(tmp_path)
    out = tmp_path / "out.wav"
    speaker = WavOutput(out, volume=0.5)
    speaker.play(tones["listening"], lambda: False)
    speaker.play(tones["done"], lambda: False)
    with wave.open(str(out)) as w:
        assert w.getframerate() == 16000
        said = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    expected = [read_wav_16k(tones[n]) for n in ("listening", "done")]
    assert len(said) * 2 == sum(len(e) for e in expected)
    first = np.frombuffer(expected[0], dtype=np.int16)
    assert np.abs(said[: len(first)]).max() == pytest.approx(np.abs(first).max() / 2, abs=2)


def test_sentences() -> None:
    assert sentences("Twelve.") == ["Twelve."]
    assert sentences(" It opens at 9.30 a.m. Then it closes! Why? ") == [
        "It opens at 9.30 a.m.",
        "Then it closes!",
        "Why?",
    ]


def test_render_ahead_yields_each_sentence_as_a_complete_wav(tmp_path: Path) -> None:
    text = "The library opens at nine. Members can borrow twelve books. Late books cost money."
    wavs = list(render_ahead(Pyttsx3Synthesizer(TtsConfig()), text, tmp_path))
    assert [w.name for w in wavs] == ["sentence-0.wav", "sentence-1.wav", "sentence-2.wav"]
    assert all(len(read_wav_16k(w)) > 2 * 8000 for w in wavs)


class BrokenVoice:
    def render(self, text: str, wav: Path) -> None:
        raise TtsError("speech synthesis produced no audio")


def test_render_ahead_raises_when_a_sentence_cannot_be_rendered(tmp_path: Path) -> None:
    with pytest.raises(TtsError, match="no audio"):
        list(render_ahead(BrokenVoice(), "One. Two.", tmp_path))


def test_sentence_around_a_span() -> None:
    text = (
        "The library opens at 9.30 a.m. from Monday to Saturday. Members may borrow up to "
        "twelve books.\nLate books cost money! Ask at the desk."
    )
    start = text.index("twelve")
    assert sentence_around(text, start, start + 6) == "Members may borrow up to twelve books."
    start = text.index("9.30")
    assert sentence_around(text, start, start + 4) == (
        "The library opens at 9.30 a.m. from Monday to Saturday."
    )
    start = text.index("money")
    assert sentence_around(text, start, start + 5) == "Late books cost money!"
    across = text.index("Saturday")
    assert sentence_around(text, across, text.index("twelve")).startswith("The library")


def test_where_text() -> None:
    assert where_text("opening_hours.txt", "KINGSTON", "It opens at nine.") == (
        "I found that in opening hours, on KINGSTON. It says: It opens at nine."
    )


def test_log_lines_carry_journal_priorities_under_systemd() -> None:
    import logging

    from assistant.service.journal import formatter

    def line(level: int, environ: dict[str, str]) -> str:
        record = logging.LogRecord(
            "assistant.service.daemon", level, __file__, 1, "mic gone\nretry", (), None
        )
        return formatter(environ).format(record)

    journal = {"JOURNAL_STREAM": "8:12345"}
    assert line(logging.ERROR, journal) == "<3>ERROR assistant.service.daemon: mic gone\n    retry"
    assert line(logging.WARNING, journal).startswith("<4>WARNING ")
    assert line(logging.INFO, journal).startswith("<6>INFO ")
    assert not line(logging.ERROR, {}).startswith("<")
