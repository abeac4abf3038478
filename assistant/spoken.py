"""A spoken question: audio -> the configured recognizer -> the answerer.

The one code path of `qa-assistant ask --audio` and of `bench/spoken_qa.py`. The recognizer
first gets the library's speech data (`assistant.doc_speech`) from `library_speech`, which the
daemon's shelf (`assistant.shelf.StickShelf`) uses too: the data stored with a library of one
collection, or one built now into a scratch folder from the passages of all collections (several
collections, documents read on the fly with `ask --docs`, or a collection stored without it).
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

from assistant.answering import Answer, Answerer
from assistant.asr import Heard, Recognizer, make_recognizer
from assistant.audio import FRAME_BYTES, read_wav_16k
from assistant.config import Config
from assistant.doc_speech import DocumentSpeech, build_document_speech, open_document_speech
from assistant.library import Library


def library_speech(library: Library, scratch: Path) -> DocumentSpeech:
    """The one speech model for all of `library`'s collections: the data stored with its
    collection when it has exactly one and that one has it; otherwise built now from the
    passages of every collection into a new folder under `scratch` (which the caller owns),
    with the pronunciations the collections already store (espeak-ng only for collections that
    store none)."""
    if len(library.collections) == 1 and library.collections[0].folder is not None:
        stored = open_document_speech(library.collections[0].folder)
        if stored is not None:
            return stored
    stored = [open_document_speech(c.folder) if c.folder else None for c in library.collections]
    known = [speech.dictionary for speech in stored if speech is not None]
    folder = Path(tempfile.mkdtemp(prefix="speech-", dir=scratch))
    # every collection's own words were pronounced (or left out) when it was loaded
    espeak = any(speech is None for speech in stored)
    return build_document_speech((p.text for p in library.passages), folder, known, espeak=espeak)


def transcribe(recognizer: Recognizer, pcm: bytes) -> Heard:
    """What the recognizer hears in 16 kHz mono int16 `pcm`, fed in 30 ms frames as the
    microphone does."""
    recognizer.start()
    for pos in range(0, len(pcm), FRAME_BYTES):
        recognizer.feed(pcm[pos : pos + FRAME_BYTES])
    return recognizer.finish()


def answer_spoken(answerer: Answerer, recognizer: Recognizer, pcm: bytes) -> tuple[Heard, Answer]:
    """(what was heard, the answer to it); the answer's timings gain `asr_ms` and a total that
    includes it. An empty transcript matches no passage: it is answered as not found."""
    started = time.perf_counter()
    heard = transcribe(recognizer, pcm)
    asr_ms = round((time.perf_counter() - started) * 1000, 1)
    answer = answerer.answer(heard.text)
    timings = {"asr_ms": asr_ms, **answer.timings}
    timings["total_ms"] = round(asr_ms + answer.timings.get("total_ms", 0.0), 1)
    return heard, dataclasses.replace(answer, timings=timings)


def ask_audio(config: Config, answerer: Answerer, wav: str) -> tuple[Heard, Answer]:
    """`qa-assistant ask --audio`: the WAV (any rate/channels) through the configured engine
    with the speech data of the answerer's library, then answered."""
    pcm = read_wav_16k(Path(wav))
    recognizer = make_recognizer(config.asr)
    with tempfile.TemporaryDirectory(prefix="qa-speech-") as scratch:
        recognizer.use_documents(library_speech(answerer.library, Path(scratch)))
        return answer_spoken(answerer, recognizer, pcm)
