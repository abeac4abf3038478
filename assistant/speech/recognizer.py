"""Speech to text behind one small streaming interface; the engines are one module each.

    recognizer.start()            a new utterance
    recognizer.feed(pcm) -> str   16 kHz mono int16 audio in; the partial transcript so far
    recognizer.finish() -> Heard  the final transcript ("" when nothing was recognized) and
                                  how sure the engine is of it

The engines (`assistant.speech.vosk`, `assistant.speech.pocketsphinx`) are listed in
`assistant.speech.engines`. Both ask for up to `NBEST` hypotheses and keep the one the
documents support best, then repair near-miss words toward document words
(`pick_transcript`, `assistant.speech.hypotheses`). `peek` gives the transcript `finish` would
give so far, chosen and repaired the same way.

Confidence (`Heard.confidence`, 0-1) is the mean posterior probability of the transcript's
content words: PocketSphinx's word posteriors of its best hypothesis (from its lattice), and for
Vosk the share of the n-best's probability mass (its alternatives' scores, softmaxed) whose
hypothesis holds the word, or Vosk's own word confidences when it gives no alternatives. On
spoken training questions (clean and noisy) it separates badly misheard questions from well
heard ones with an AUC of 0.85 (PocketSphinx; `bench/spoken_qa.py`, docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.errors import SetupError
from assistant.speech.document_speech import DocumentSpeech, cmu_dictionary
from assistant.speech.hypotheses import Repairer, choose, read_phones
from assistant.text import STOPWORDS

NBEST = 10


class AsrError(SetupError):
    """The speech recognizer cannot start (missing or broken model)."""


@dataclass(frozen=True)
class Heard:
    """A transcript and the engine's confidence in it (0-1; None when it gave none)."""

    text: str
    confidence: float | None = None


def confidence(text: str, posteriors: dict[str, float]) -> float | None:
    """The mean posterior of `text`'s content words (of all its words when none is one), a word
    missing from `posteriors` counting 0 (a repair put it there); None for no words."""
    words = text.split()
    scored = [posteriors.get(w, 0.0) for w in words if w not in STOPWORDS]
    scored = scored or [posteriors.get(w, 0.0) for w in words]
    return sum(scored) / len(scored) if scored else None


def nbest_posteriors(alternatives: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Word posteriors from an n-best list of (text, log-likelihood): each word's share of the
    list's probability mass (the likelihoods softmaxed) over the hypotheses that hold it."""
    if not alternatives:
        return {}
    top = max(score for _, score in alternatives)
    weights = [(set(text.split()), math.exp(score - top)) for text, score in alternatives]
    total = sum(w for _, w in weights)
    posteriors: dict[str, float] = {}
    for words, weight in weights:
        for word in words:
            posteriors[word] = posteriors.get(word, 0.0) + weight / total
    return posteriors


def merge_posteriors(tables: Iterable[dict[str, float]]) -> dict[str, float]:
    """One table for several segments: a word keeps its highest posterior."""
    merged: dict[str, float] = {}
    for table in tables:
        for word, p in table.items():
            merged[word] = max(p, merged.get(word, 0.0))
    return merged


class Recognizer(Protocol):
    """One utterance at a time: `start`, `feed` blocks of 16 kHz mono PCM (each returns the
    partial transcript so far, "" when the engine gives none), `finish` (the final transcript
    and the engine's confidence in it). `peek` is what `finish` would give if the utterance
    ended now; it may run in another thread while `feed` goes on, and `finish` is called only
    after it returned."""

    def start(self) -> None: ...
    def feed(self, pcm: bytes) -> str: ...
    def peek(self) -> Heard: ...
    def finish(self) -> Heard: ...
    def use_documents(self, speech: DocumentSpeech) -> None: ...

    # why this engine stands in for the configured one (None: it is the configured one)
    fallback_reason: str | None


class WholeUtterance:
    """A recognizer that buffers the utterance and transcribes it whole: `feed` appends and
    returns no partial, `peek` transcribes the audio so far and `finish` all of it (then
    forgets it), both with the subclass's `transcribe(pcm) -> Heard`."""

    _audio: bytearray

    def transcribe(self, pcm: bytes) -> Heard:
        raise NotImplementedError

    def start(self) -> None:
        self._audio = bytearray()

    def feed(self, pcm: bytes) -> str:
        self._audio += pcm
        return ""

    def peek(self) -> Heard:
        """A transcript of the audio fed so far (feed only appends meanwhile)."""
        return self.transcribe(bytes(self._audio))

    def finish(self) -> Heard:
        heard = self.transcribe(bytes(self._audio))
        self._audio = bytearray()
        return heard


def pick_transcript(
    nbest: list[str], speech: DocumentSpeech | None, repairer: Repairer | None
) -> str:
    """The transcript: the best-supported of the n-best, repaired (`speech.hypotheses`)."""
    nbest = [clean(h) for h in nbest]
    text = choose(nbest, speech.vocabulary) if speech is not None else (nbest or [""])[0]
    return repairer.repair(text) if repairer is not None else text


def repairer_for(speech: DocumentSpeech) -> Repairer:
    """The repairer toward the words of `speech`, pronouncing heard words with CMU's dictionary."""
    return Repairer(read_phones(speech.dictionary), read_phones(cmu_dictionary()))


def clean(text: str) -> str:
    """`text` without the engines' unknown-word marks."""
    words = [w for w in text.split() if w not in ("[unk]", "<unk>")]
    return " ".join(words)


def heard_of(segments: Sequence[tuple[str, dict[str, float]]]) -> Heard:
    """The utterance's segments (transcript, word posteriors) as one `Heard`."""
    text = clean(" ".join(text for text, _ in segments))
    return Heard(text, confidence(text, merge_posteriors(p for _, p in segments)))
