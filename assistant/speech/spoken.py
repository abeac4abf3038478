"""A spoken question: audio -> the configured recognizer -> the answerer.

`SpokenQuestion` is the one code path of the daemon's turns, `qa-assistant ask --audio` and
`bench/spoken_qa.py`: audio is fed as it arrives, what was heard so far can be answered early,
and what was heard in the end is answered. The recognizer first gets the library's speech data
(`assistant.speech.document_speech`) from `library_speech`, which the daemon's live shelf
(`assistant.service.live_shelf`) uses too: the data stored with a library of one collection, or
one built now into a scratch folder from the passages of all collections (several collections,
documents read on the fly with `ask --docs`, or a collection stored without it).

`answer_heard` answers what was heard; with a second-opinion recognizer
(`assistant.speech.second_opinion`) a weak turn is heard again by the second engine and the
better answer kept, in every one of those paths.

Audio in which the voice-activity detector of `audio.endpointing` hears no speech (silence,
noise) is no question, and neither is a transcript without words: the daemon's endpointer
decides the first while it listens, `ask_audio` with `heard_speech` before the recognizer runs.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from assistant.answering.answerer import Answer, Answerer
from assistant.config import AudioConfig, Config
from assistant.retrieval.index import Library
from assistant.speech.document_speech import (
    DocumentSpeech,
    build_document_speech,
    open_document_speech,
)
from assistant.speech.engines import make_recognizer
from assistant.speech.recognizer import Heard, Recognizer
from assistant.speech.second_opinion import SecondOpinion
from assistant.voice.audio import FRAME_BYTES, read_wav_16k
from assistant.voice.endpointing import Endpointer


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


class SpokenQuestion:
    """One utterance of `recognizer`, from its first audio to what was heard in the end."""

    def __init__(self, recognizer: Recognizer) -> None:
        self._recognizer = recognizer
        recognizer.start()

    def feed(self, pcm: bytes) -> str:
        """More 16 kHz mono int16 audio; the partial transcript so far ("" when none)."""
        return self._recognizer.feed(pcm)

    def answer_so_far(
        self, answerer: Answerer | None, cancelled: Callable[[], bool]
    ) -> tuple[Heard, Answer | None]:
        """What was heard so far and its answer (None when nothing was heard or there is no
        answerer); may run in another thread while `feed` goes on, and returns before
        `heard` is called."""
        heard = self._recognizer.peek()
        if not heard.text.strip() or answerer is None:
            return heard, None
        return answer_heard(self._recognizer, answerer, heard, cancelled=cancelled)

    def heard(self) -> Heard:
        """What was heard in the whole utterance; ends it."""
        return self._recognizer.finish()


def answer_heard(
    recognizer: Recognizer,
    answerer: Answerer,
    heard: Heard,
    *,
    threshold: float | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> tuple[Heard, Answer]:
    """The answer to what `recognizer` heard in its current (or last) utterance, and the
    transcript it answers: `heard`, or the second opinion's when that answer is kept.
    `threshold` is the not-found threshold the second opinion is judged at (None: the
    answerer's own; the bench answers without one and applies it itself)."""
    if isinstance(recognizer, SecondOpinion):
        limit = answerer.threshold if threshold is None else threshold
        return recognizer.answer(answerer, heard, limit, cancelled)
    return heard, answerer.answer(heard.text.strip(), cancelled=cancelled)


def transcribe(recognizer: Recognizer, pcm: bytes) -> Heard:
    """What the recognizer hears in 16 kHz mono int16 `pcm`, fed in 30 ms frames as the
    microphone does."""
    question = SpokenQuestion(recognizer)
    for pos in range(0, len(pcm), FRAME_BYTES):
        question.feed(pcm[pos : pos + FRAME_BYTES])
    return question.heard()


def answer_spoken(
    answerer: Answerer, recognizer: Recognizer, pcm: bytes, threshold: float | None = None
) -> tuple[Heard, Answer]:
    """(what was heard, the answer to it: `answer_heard`); the answer's timings gain `asr_ms`
    and a total that includes it (and the second opinion's `second_asr_ms`, when one was
    asked). An empty transcript matches no passage: it is answered as not found."""
    started = time.perf_counter()
    heard = transcribe(recognizer, pcm)
    asr_ms = round((time.perf_counter() - started) * 1000, 1)
    heard, answer = answer_heard(recognizer, answerer, heard, threshold=threshold)
    timings = {"asr_ms": asr_ms, **answer.timings}
    timings["total_ms"] = round(
        asr_ms + answer.timings.get("total_ms", 0.0) + answer.timings.get("second_asr_ms", 0.0),
        1,
    )
    return heard, dataclasses.replace(answer, timings=timings)


def heard_speech(pcm: bytes, audio: AudioConfig) -> bool:
    """Whether the endpointer of `audio` (Silero by default) hears speech anywhere in 16 kHz
    mono int16 `pcm`, as the daemon requires before it takes audio for a question."""
    endpointer = Endpointer(
        dataclasses.replace(audio, start_timeout_seconds=math.inf, max_seconds=math.inf)
    )
    for pos in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
        endpointer.push(pcm[pos : pos + FRAME_BYTES])
        if endpointer.heard_speech:
            return True
    return False


def ask_audio(config: Config, answerer: Answerer, wav: str) -> tuple[Heard, Answer | None]:
    """`qa-assistant ask --audio`: the WAV (any rate/channels) through the configured engine
    with the speech data of the answerer's library, then answered. The answer is None when no
    question was heard: the voice-activity detector hears no speech in the WAV (the recognizer
    then never runs) or the recognizer no words."""
    pcm = read_wav_16k(Path(wav))
    if not heard_speech(pcm, config.audio):
        return Heard(""), None
    recognizer = make_recognizer(config.asr)
    with tempfile.TemporaryDirectory(prefix="qa-speech-") as scratch:
        recognizer.use_documents(library_speech(answerer.library, Path(scratch)))
        heard, answer = answer_spoken(answerer, recognizer, pcm)
    return heard, answer if heard.text.strip() else None
