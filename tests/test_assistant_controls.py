"""The controls (docs/controls.md), through the real loop with gpiozero's MockFactory button:
the plain stop (a press or a hold while it listens, thinks or speaks: quiet, then idle), the
volume mode (a triple press; presses louder, double presses quieter) and the keys of PC mode,
and the volume kept across restarts in the state folder."""

from __future__ import annotations

import dataclasses
import json
import threading

import pytest
from support.fakes import (
    BUTTON_PIN,
    ScriptedMicrophone,
    make_daemon,
    press,
    running,
    speech,
    spoken,
    wait_for,
)
from support.oracle import oracle_engine

import assistant.service.daemon as daemon_mod
from assistant.config import ButtonConfig
from assistant.service.daemon import (
    LOUDER_SAID,
    LOUDEST,
    NOTHING_HEARD,
    QUIETER_SAID,
    VOLUME_PROMPT,
)
from assistant.service.volume import (
    LEVELS,
    louder,
    quieter,
    remember_volume,
    remembered_volume,
)
from assistant.voice.button import Event

QUESTION = "when does the library open"
HOLDING = ButtonConfig(pin=BUTTON_PIN, bounce_time=0, double_press_seconds=0, hold_seconds=0.3)
QUICK = ButtonConfig(pin=BUTTON_PIN, bounce_time=0, double_press_seconds=0.5, hold_seconds=5)


class RealTimeMicrophone(ScriptedMicrophone):
    """Delivers its blocks at the pace of a real microphone (30 ms each), so that a gesture
    made while it listens arrives while it listens."""

    def read(self, timeout: float) -> bytes:
        threading.Event().wait(0.03)
        return super().read(timeout)


def with_button(config, button: ButtonConfig):
    return dataclasses.replace(config, button=button)


def hold(pins, daemon) -> None:
    """Press and keep holding until the daemon has been told of the hold, then let go."""
    pin = pins.pin(BUTTON_PIN)
    seen = len(daemon.events_seen)
    pin.drive_low()
    wait_for(lambda: Event.HOLD in daemon.events_seen[seen:])
    pin.drive_high()


def recording_events(daemon) -> None:
    """Note every event the loop takes from its queue in `daemon.events_seen`."""
    daemon.events_seen = []
    take = daemon.events.get
    take_now = daemon.events.get_nowait

    def get(*args, **kwargs):
        event = take(*args, **kwargs)
        daemon.events_seen.append(event)
        return event

    def get_nowait():
        event = take_now()
        daemon.events_seen.append(event)
        return event

    daemon.events.get = get
    daemon.events.get_nowait = get_nowait


def test_a_hold_while_speaking_stops_quietly_and_says_nothing_more(
    config, engine, pins, notify_socket
) -> None:
    holding = threading.Event()

    def hold_during_first_answer(play: int, block: int) -> None:
        if play == 1 and block == 1 and not holding.is_set():
            holding.set()
            threading.Thread(target=hold, args=(pins, daemon)).start()

    daemon, voice = make_daemon(
        with_button(config, HOLDING),
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=[QUESTION],
        during=hold_during_first_answer,
        button=HOLDING,
    )
    recording_events(daemon)
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: Event.HOLD in daemon.events_seen and daemon.state.value == "idle")
        wait_for(lambda: pins.pin(BUTTON_PIN).state)  # let go
    assert voice.said == ["nine in the morning"]  # not "I found that in ..."
    assert daemon.parts.microphone.opened == 1


def test_a_hold_while_idle_says_where_the_answer_was_found(
    config, engine, pins, notify_socket
) -> None:
    daemon, voice = make_daemon(
        with_button(config, HOLDING),
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=[QUESTION],
        button=HOLDING,
    )
    recording_events(daemon)
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
        daemon.parts.microphone = RealTimeMicrophone(speech(5.0))  # the press opens it
        hold(pins, daemon)
        wait_for(lambda: daemon.turns == 2 and daemon.state.value == "idle")
    assert voice.said[0] == "nine in the morning"
    assert voice.said[1] == "I found that in opening hours, on library."


def test_stop_while_listening_gives_no_didnt_hear_prompt(config, engine, pins, notify_socket):
    mic = RealTimeMicrophone(speech(5.0))  # still speaking when the stop comes
    daemon, voice = make_daemon(
        config, engine, pins, notify_socket, microphone=mic, transcripts=[QUESTION]
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: mic.open_now)
        daemon.events.put(Event.CANCEL)  # "s" Enter in PC mode
        wait_for(lambda: daemon.state.value == "idle" and not mic.open_now)
        daemon.parts.microphone = mic = ScriptedMicrophone(speech())
        press(pins)  # and the next press asks as usual
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
    assert NOTHING_HEARD not in " ".join(voice.said)
    assert voice.said == ["nine in the morning"]


class SlowReader:
    """Reads (after the question, not early) until `go` is set, then until told to stop."""

    def __init__(self) -> None:
        self.reading = threading.Event()
        self.go = threading.Event()

    def answer(self, question, context, stop=None):
        if threading.current_thread().name.startswith("early-answer"):
            raise RuntimeError("no early answer: the question is answered while thinking")
        self.reading.set()
        self.go.wait(30)
        while stop is not None and not stop():
            pass
        return None


def test_a_press_while_thinking_drops_the_question(config, pins, notify_socket) -> None:
    reader = SlowReader()
    daemon, voice = make_daemon(
        config,
        reader,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=[QUESTION],
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.state.value == "thinking" and reader.reading.is_set())
        press(pins)
        wait_for(lambda: not daemon.events.empty())
        reader.go.set()
        wait_for(lambda: daemon.state.value == "idle")
    assert voice.said == [] and daemon.turns == 0


def test_the_volume_mode_with_the_button_and_the_volume_kept_across_restarts(
    config, pins, notify_socket, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(daemon_mod, "VOLUME_MODE_SECONDS", 60.0)  # ended by a hold below
    config = with_button(config, QUICK)
    engine = oracle_engine(tmp_path, {"nine in the morning": "open"})
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=[QUESTION],
        button=QUICK,
    )
    speaker = daemon.parts.speaker
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins), press(pins), press(pins)  # a triple press
        wait_for(lambda: voice.said[-2:] == spoken(VOLUME_PROMPT))
        press(pins)
        wait_for(lambda: voice.said[-1] == LOUDER_SAID)
        assert speaker.volume == 1.4
        press(pins), press(pins)  # a double press
        wait_for(lambda: voice.said[-1] == QUIETER_SAID)
        press(pins)
        wait_for(lambda: voice.said.count(LOUDER_SAID) == 2)
        daemon.events.put(Event.HOLD)  # ends the volume mode
        wait_for(lambda: daemon.state.value == "idle")
    assert (speaker.volume, daemon.volume) == (1.4, 1.4)
    assert json.loads((config.state_dir / "volume.json").read_text())["volume"] == 1.4
    again, _ = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=[QUESTION],
        with_library=False,
        button=QUICK,
    )
    assert (again.volume, again.parts.speaker.volume) == (1.4, 1.4)
    again.parts.button.close()


def test_louder_and_quieter_keys(config, engine, pins, notify_socket) -> None:
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=[QUESTION],
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        for turn in range(1, 6):  # 1.0 -> 4.0, then no louder
            daemon.events.put(Event.LOUDER)
            wait_for(lambda turn=turn: daemon.turns == turn and daemon.state.value == "idle")
        daemon.events.put(Event.QUIETER)
        wait_for(lambda: daemon.turns == 6 and daemon.state.value == "idle")
    assert voice.said == spoken(*[LOUDER_SAID] * 4, LOUDEST, QUIETER_SAID)
    assert daemon.parts.speaker.volume == 2.8
    assert remembered_volume(config.state_dir, config.audio.volume) == 2.8


def test_volume_steps_and_limits() -> None:
    assert louder(1.0) == 1.4 and quieter(1.0) == 0.7
    assert louder(LEVELS[-1]) == LEVELS[-1] and quieter(LEVELS[0]) == LEVELS[0]
    assert louder(1.2) == 1.4 and quieter(1.2) == 1.0  # a configured value between levels


@pytest.mark.parametrize(
    ("saved", "configured", "expected"),
    [
        ({"volume": 2.0, "configured": 1.0}, 1.0, 2.0),
        ({"volume": 2.0, "configured": 1.0}, 1.5, 1.5),  # audio.volume edited since: it wins
        ({"volume": 99, "configured": 1.0}, 1.0, 1.0),
        ("not json", 1.0, 1.0),
        (None, 0.5, 0.5),
    ],
)
def test_remembered_volume(tmp_path, saved, configured: float, expected: float) -> None:
    if saved is not None:
        text = saved if isinstance(saved, str) else json.dumps(saved)
        (tmp_path / "volume.json").write_text(text)
    assert remembered_volume(tmp_path, configured) == expected


def test_remember_volume_round_trip_and_an_unwritable_folder(tmp_path, caplog) -> None:
    remember_volume(tmp_path / "state", 0.7, 1.0)
    assert remembered_volume(tmp_path / "state", 1.0) == 0.7
    blocked = tmp_path / "file"
    blocked.write_text("")
    remember_volume(blocked, 0.7, 1.0)  # a file where the folder should be: logged only
    assert "cannot keep the volume" in caplog.text
