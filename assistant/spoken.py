"""A spoken question: audio -> the configured recognizer -> the answerer.

The one code path of `qa-assistant ask --audio` and of `bench/spoken_qa.py`. The recognizer
first gets the collection's speech data (`assistant.doc_speech`): the stored one of a loaded
library, or one built now into a scratch folder for documents read on the fly (`ask --docs`).
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

from assistant.answering import Answer, Answerer
from assistant.asr import Recognizer, make_recognizer
from assistant.audio import FRAME_BYTES, read_wav_16k
from assistant.config import Config
from assistant.doc_speech import DocumentSpeech, build_document_speech, open_document_speech
from assistant.library import CURRENT_LINK, Library


def library_speech(library_dir: Path | None, library: Library, scratch: Path) -> DocumentSpeech:
    """The speech data stored with the library in `library_dir` (a state folder or a stored
    library); for documents read on the fly or a library stored without it, built now from the
    passages into a new folder under `scratch`."""
    if library_dir is not None:
        current = library_dir / CURRENT_LINK
        stored = open_document_speech(current if current.exists() else library_dir)
        if stored is not None:
            return stored
    folder = Path(tempfile.mkdtemp(prefix="speech-", dir=scratch))
    return build_document_speech((p.text for p in library.passages), folder)


def transcribe(recognizer: Recognizer, pcm: bytes) -> str:
    """The transcript of 16 kHz mono int16 `pcm`, fed in 30 ms frames as the microphone does."""
    recognizer.start()
    for pos in range(0, len(pcm), FRAME_BYTES):
        recognizer.feed(pcm[pos : pos + FRAME_BYTES])
    return recognizer.finish()


def answer_spoken(answerer: Answerer, recognizer: Recognizer, pcm: bytes) -> tuple[str, Answer]:
    """(what was heard, the answer to it); the answer's timings gain `asr_ms` and a total that
    includes it. An empty transcript matches no passage: it is answered as not found."""
    started = time.perf_counter()
    heard = transcribe(recognizer, pcm)
    asr_ms = round((time.perf_counter() - started) * 1000, 1)
    answer = answerer.answer(heard)
    timings = {"asr_ms": asr_ms, **answer.timings}
    timings["total_ms"] = round(asr_ms + answer.timings.get("total_ms", 0.0), 1)
    return heard, dataclasses.replace(answer, timings=timings)


def ask_audio(
    config: Config, answerer: Answerer, wav: str, docs: str | None, library_dir: str | None
) -> tuple[str, Answer]:
    """`qa-assistant ask --audio`: the WAV (any rate/channels) through the configured engine
    with the library's speech data, then answered."""
    pcm = read_wav_16k(Path(wav))
    recognizer = make_recognizer(config.asr)
    folder = None if docs is not None else Path(library_dir or config.state_dir)
    with tempfile.TemporaryDirectory(prefix="qa-speech-") as scratch:
        recognizer.use_documents(library_speech(folder, answerer.library, Path(scratch)))
        return answer_spoken(answerer, recognizer, pcm)
