"""The conversation around a turn, through the real loop (MockFactory button, the real
endpointer, shelf, answerer and QA engine with the oracle model; scripted audio and voice):
tones, repeat and where gestures, the sentence mode, the follow-up window, the end of keyboard
input, and the early answer made while the endpointer waits."""

from __future__ import annotations

import dataclasses

import numpy as np
from pulse_server import render_question
from support.fakes import (
    ScriptedMicrophone,
    ScriptedRecognizer,
    make_daemon,
    press,
    running,
    speech,
    spoken,
    wait_for,
)

from assistant.answering.answerer import NOT_FOUND
from assistant.service.daemon import NOTHING_YET
from assistant.speech.pocketsphinx import PocketSphinxRecognizer
from assistant.speech.recognizer import Heard
from assistant.voice.audio import SAMPLE_RATE, read_wav_16k
from assistant.voice.button import Event
from assistant.voice.tones import TONES

ANSWER = "nine in the morning"
AIRSPEED = "What is the airspeed velocity of an unladen swallow?"
SENTENCE = "The Riverside Community Library opens at nine in the morning from Monday to Saturday."


def with_audio(config, **audio):
    return dataclasses.replace(config, audio=dataclasses.replace(config.audio, **audio))


class ToneSpeaker:
    """Records what is played: a tone's name, or "speech"."""

    def __init__(self, microphone) -> None:
        self.microphone = microphone
        self.played: list[str] = []

    def play(self, wav, interrupted) -> bool:
        assert not self.microphone.open_now, "recording while playing"
        self.played.append(wav.stem if wav.stem in TONES else "speech")
        return True


def test_tones_frame_each_turn(config, engine, pins, notify_socket) -> None:
    mic = ScriptedMicrophone(speech())
    config = with_audio(config, tones=True)
    daemon, _ = make_daemon(
        config, engine, pins, notify_socket, microphone=mic, transcripts=["when does it open", "x"]
    )
    daemon.parts.speaker = speaker = ToneSpeaker(mic)
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
        press(pins)  # "x" finds nothing
        wait_for(lambda: daemon.turns == 2 and daemon.state.value == "idle")
    assert speaker.played == ["listening", "speech", "done", "listening", "speech", "failed"]


def test_double_press_repeats_and_hold_says_where(config, engine, pins, notify_socket) -> None:
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=["when does the library open"],
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        daemon.events.put(Event.REPEAT)  # nothing answered yet
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 2 and daemon.state.value == "idle")
        daemon.events.put(Event.REPEAT)
        wait_for(lambda: daemon.turns == 3 and daemon.state.value == "idle")
        daemon.events.put(Event.WHERE)
        wait_for(lambda: daemon.turns == 4 and daemon.state.value == "idle")
    where = f"I found that in opening hours, on library. It says: {SENTENCE}"
    assert voice.said == spoken(NOTHING_YET, ANSWER, ANSWER, where)
    assert daemon.last_answer.answer == ANSWER  # the where turn is not an answer to repeat


def test_sentence_mode_says_the_whole_sentence(config, engine, pins, notify_socket) -> None:
    config = dataclasses.replace(
        config, answer=dataclasses.replace(config.answer, speak="sentence")
    )
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=["when does the library open"],
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
    assert voice.said == [SENTENCE]


def test_an_unsure_recognizer_says_what_it_heard_first(config, engine, pins, notify_socket):
    question = "when does the library open"
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=[Heard(question, 0.3), Heard(question, 0.9), Heard("x y", 0.1)],
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        for turn in (1, 2, 3):
            press(pins)
            wait_for(lambda turn=turn: daemon.turns == turn and daemon.state.value == "idle")
    assert voice.said == spoken(
        f"I heard: {question}. The answer is: {ANSWER}.",
        ANSWER,  # sure enough (0.9 >= asr.say_heard_below 0.5): the bare answer
        f"I heard: x y. {NOT_FOUND}",
    )


def test_say_heard_below_zero_never_says_it(config, engine, pins, notify_socket) -> None:
    config = dataclasses.replace(config, asr=dataclasses.replace(config.asr, say_heard_below=0))
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=[Heard("when does the library open", 0.01)],
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
    assert voice.said == [ANSWER]


def test_a_real_recognizer_is_unsure_of_a_question_the_documents_do_not_know(
    config, engine, pins, notify_socket, tmp_path
) -> None:
    """PocketSphinx with the library's speech model, on Piper-voiced questions: sure of a
    question in the documents' words, unsure of one far from them (it hears "what is the air
    speak blah ..."), which is then said back before the answer."""
    recordings = []
    for n, text in enumerate(("When does the library open?", AIRSPEED)):
        render_question(text, tmp_path / f"q{n}.wav")
        recordings.append(read_wav_16k(tmp_path / f"q{n}.wav") + bytes(2 * SAMPLE_RATE))
    config = with_audio(config, endpointing="silero", silence_seconds=0.6)
    daemon, _ = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=SequenceMicrophone(recordings),
        transcripts=[],
        recognizer=PocketSphinxRecognizer(),
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
        first = daemon.last_turn
        press(pins)
        wait_for(lambda: daemon.turns == 2 and daemon.state.value == "idle")
        second = daemon.last_turn
    assert first.confidence >= 0.5 and not first.answer.startswith("I heard"), first
    assert second.confidence < 0.5, second
    assert second.answer.startswith(f"I heard: {second.heard}. "), second


class SequenceMicrophone(ScriptedMicrophone):
    """Hears `recordings[n]` the n-th time it is opened (the last one again after the end)."""

    def __init__(self, recordings: list[bytes]) -> None:
        super().__init__(recordings[0])
        self.recordings = recordings

    def open(self):
        self.pcm = self.recordings[min(self.opened, len(self.recordings) - 1)]
        return super().open()


def test_follow_up_window_listens_again_once_without_a_press(
    config, engine, pins, notify_socket
) -> None:
    config = with_audio(config, follow_up_seconds=0.5)
    mic = SequenceMicrophone([speech(), speech(), bytes(2 * SAMPLE_RATE)])
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=mic,
        transcripts=["when does the library open"],
    )
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        # the follow-up hears the question again and answers; in the next one nobody speaks,
        # which ends the conversation without a "didn't hear" message
        wait_for(lambda: mic.opened == 3 and daemon.state.value == "idle")
    assert voice.said == [ANSWER, ANSWER]


def test_end_of_keyboard_input_stops_the_loop_while_idle(config, engine, pins, notify_socket):
    daemon, _ = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech()),
        transcripts=["x"],
    )
    with running(daemon) as thread:
        wait_for(lambda: daemon.state.value == "idle")
        daemon.events.put(Event.STOP)  # what KeyboardButton sends on Ctrl-D
        thread.join(timeout=10)
        assert not thread.is_alive()


class GrowingRecognizer(ScriptedRecognizer):
    """Transcribes what it was fed so far: the first words until the second burst of speech."""

    def __init__(self, first: str, whole: str) -> None:
        super().__init__([whole])
        self.first, self.whole = first, whole
        self.fed = 0
        self.finished = 0

    def start(self) -> None:
        super().start()
        self.fed = 0

    def feed(self, pcm: bytes) -> str:
        self.fed += len(pcm)
        return ""

    def peek(self) -> Heard:
        return Heard(self.whole if self.fed > 2 * int(1.0 * SAMPLE_RATE) else self.first)

    def finish(self) -> Heard:
        self.finished += 1
        return self.peek()


def bursts(*seconds: tuple[float, float]) -> bytes:
    """Loud tone bursts (speech to the energy endpointer), each followed by a pause."""
    pcm = b""
    for loud, quiet in seconds:
        t = np.arange(int(loud * SAMPLE_RATE)) / SAMPLE_RATE
        pcm += (8000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16).tobytes()
        pcm += bytes(2 * int(quiet * SAMPLE_RATE))
    return pcm


def test_the_early_answer_stands_when_the_pause_ends_the_question(
    config, engine, pins, notify_socket
) -> None:
    recognizer = GrowingRecognizer("when does the library open", "when does the library open")
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(bursts((0.6, 1.0))),
        transcripts=[],
    )
    daemon.parts.recognizer = recognizer
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
    assert voice.said == [ANSWER]
    assert recognizer.finished == 0  # the transcript of the pause was the final one
    assert daemon.last_turn.heard == "when does the library open"


def test_an_early_answer_is_dropped_when_speech_goes_on(config, engine, pins, notify_socket):
    # a pause long enough to start an early answer (0.15 s) but not to end the question (0.3 s)
    recognizer = GrowingRecognizer("when does the", "so when does the library open")
    daemon, voice = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(bursts((0.4, 0.2), (0.8, 1.0))),
        transcripts=[],
    )
    daemon.parts.recognizer = recognizer
    with running(daemon):
        wait_for(lambda: daemon.state.value == "idle")
        press(pins)
        wait_for(lambda: daemon.turns == 1 and daemon.state.value == "idle")
    assert daemon.last_turn.heard == "so when does the library open"
    assert voice.said == [ANSWER]


def test_end_of_keyboard_input_stops_the_wait_for_a_microphone(
    config, engine, pins, notify_socket
) -> None:
    daemon, _ = make_daemon(
        config,
        engine,
        pins,
        notify_socket,
        microphone=ScriptedMicrophone(speech(), check_failures=1000),
        transcripts=["x"],
    )
    with running(daemon) as thread:
        wait_for(lambda: daemon.parts.microphone.check_failures < 1000)  # it is retrying
        daemon.events.put(Event.STOP)
        thread.join(timeout=10)
        assert not thread.is_alive()
