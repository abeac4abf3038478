"""Speech to text behind one small streaming interface, with Vosk and PocketSphinx engines.

    recognizer.start()            a new utterance
    recognizer.feed(pcm) -> str   16 kHz mono int16 audio in; the partial transcript so far
    recognizer.finish() -> Heard  the final transcript ("" when nothing was recognized) and
                                  how sure the engine is of it

Vosk is the default (a model folder from alphacephei.com in `asr.vosk_model`); with
`asr.vocabulary_hints` its recognizer is limited to the loaded documents' words plus common
question words (Vosk grammars only work with the small, dynamic-graph models). PocketSphinx uses
the US English acoustic model that ships with its PyPI package, and the collection's document
language model and pronunciations (`assistant.doc_speech`) once documents are loaded
(`use_documents`). When the Vosk model is missing or unusable (a first boot before it is copied
over), `make_recognizer` falls back to PocketSphinx with a warning, and the recognizer's
`fallback_reason` says why (the daemon speaks `VOSK_FALLBACK_SPOKEN`), so the assistant still
answers.

Both engines ask for up to `nbest` hypotheses (Vosk: `SetMaxAlternatives`) and keep the one the
documents support best, then repair near-miss words toward document words
(`assistant.hypotheses`); `nbest=1` and `repair=False` turn those levers off. PocketSphinx first
takes steady background noise out of a noisy utterance (`assistant.denoise`; `denoise=False`
turns it off). `peek` gives the transcript `finish` would give so far, chosen and repaired the
same way.

Confidence (`Heard.confidence`, 0-1) is the mean posterior probability of the transcript's
content words: PocketSphinx's word posteriors of its best hypothesis (from its lattice), and for
Vosk the share of the n-best's probability mass (its alternatives' scores, softmaxed) whose
hypothesis holds the word, or Vosk's own word confidences when it gives no alternatives. On
spoken training questions (clean and noisy) it separates badly misheard questions from well
heard ones with an AUC of 0.85 (PocketSphinx; `bench/spoken_qa.py`, README "The voice loop").
"""

from __future__ import annotations

import itertools
import json
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from assistant.audio import SAMPLE_RATE
from assistant.config import AsrConfig
from assistant.denoise import denoise
from assistant.doc_speech import DocumentSpeech, cmu_dictionary
from assistant.engines import Engine, pick
from assistant.errors import SetupError
from assistant.hypotheses import Repairer, choose, read_phones
from assistant.library import _STOPWORDS

log = logging.getLogger(__name__)

QUESTION_WORDS = (
    "what when where who whom whose which why how is are was were do does did can could "
    "would should will the a an of in on at to for from by with about and or not many much "
    "long time there their it its this that these those i you we me my your our tell me please"
).split()


VOSK_FALLBACK_SPOKEN = (
    "The Vosk speech model is not installed, so I am using a simpler speech recognizer."
)


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
    scored = [posteriors.get(w, 0.0) for w in words if w not in _STOPWORDS]
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


def _merge(tables: Iterable[dict[str, float]]) -> dict[str, float]:
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


NBEST = 10
# PocketSphinx's language weight with the document LM (its default, 6.5, suits the generic
# one); chosen on spoken train.json questions (bench/spoken_qa.py), not on the dev set.
DOCUMENT_LM_WEIGHT = 4.0


def _pick(nbest: list[str], speech: DocumentSpeech | None, repairer: Repairer | None) -> str:
    """The transcript: the best-supported of the n-best, repaired (see `assistant.hypotheses`)."""
    nbest = [_clean(h) for h in nbest]
    text = choose(nbest, speech.vocabulary) if speech is not None else (nbest or [""])[0]
    return repairer.repair(text) if repairer is not None else text


def _repairer(speech: DocumentSpeech) -> Repairer:
    return Repairer(read_phones(speech.dictionary), read_phones(cmu_dictionary()))


class VoskRecognizer:
    def __init__(
        self, model_dir: str | Path, *, hints: bool = False, nbest: int = NBEST, repair: bool = True
    ) -> None:
        folder = Path(model_dir)
        if not folder.is_dir():
            raise AsrError(
                f"asr.vosk_model: the Vosk model folder {folder} does not exist: unzip a model "
                "from https://alphacephei.com/vosk/models (e.g. vosk-model-small-en-us-0.15) there"
            )
        if not any((folder / sub).exists() for sub in ("am", "conf", "graph")):
            raise AsrError(
                f"asr.vosk_model: {folder} does not look like a Vosk model folder: it must be "
                "the unzipped model folder, with am/, conf/ and graph/ inside"
            )
        try:
            import vosk
        except ImportError:
            raise AsrError("the vosk package is not installed (the 'pi' extra)") from None

        vosk.SetLogLevel(-1)
        try:
            self._model = vosk.Model(str(folder))
        except Exception as err:  # vosk raises a bare Exception for a broken model
            raise AsrError(f"asr.vosk_model: {folder} is broken ({err})") from None
        self._vosk = vosk
        self._hints = hints
        self._nbest = nbest
        self._repair = repair
        self._grammar: str | None = None
        self._speech: DocumentSpeech | None = None
        self._repairer: Repairer | None = None
        self._rec = None
        self._final: list[tuple[str, dict[str, float]]] = []  # segments and word posteriors
        self._so_far: tuple[tuple[tuple[str, dict[str, float]], ...], str, dict[str, float]]
        self._so_far = ((), "", {})

    def use_documents(self, speech: DocumentSpeech) -> None:
        self._speech = speech
        self._repairer = _repairer(speech) if self._repair else None
        if self._hints:
            vocabulary = sorted(speech.vocabulary | set(QUESTION_WORDS))
            self._grammar = json.dumps([*vocabulary, "[unk]"])

    def start(self) -> None:
        args = (self._model, SAMPLE_RATE) + ((self._grammar,) if self._grammar else ())
        self._rec = self._vosk.KaldiRecognizer(*args)
        if self._nbest > 1:
            self._rec.SetMaxAlternatives(self._nbest)
        self._rec.SetWords(True)  # word confidences when there are no alternatives
        self._rec.SetPartialWords(True)  # and for the partial transcript `peek` uses
        self._final = []
        self._so_far = ((), "", {})

    def feed(self, pcm: bytes) -> str:
        if self._rec.AcceptWaveform(pcm):
            self._final.append(self._best(self._rec.Result()))
            partial, posteriors = "", {}
        else:
            parsed = json.loads(self._rec.PartialResult())
            partial = parsed.get("partial", "")
            posteriors = _word_posteriors(parsed.get("partial_result", []))
        # one assignment: peek sees the segments and the partial of the same moment
        self._so_far = (tuple(self._final), partial, posteriors)
        return " ".join([*(text for text, _ in self._final), partial]).strip()

    def peek(self) -> Heard:
        """The finished segments (chosen and repaired as in `finish`) and the latest partial,
        repaired (a partial has no alternatives); Vosk's recognizer is not touched from here."""
        final, partial, posteriors = self._so_far
        last = (_pick([partial], self._speech, self._repairer), posteriors)
        return _heard([*final, last])

    def finish(self) -> Heard:
        self._final.append(self._best(self._rec.FinalResult()))
        return _heard(self._final)

    def _best(self, result: str) -> tuple[str, dict[str, float]]:
        """One segment's transcript and word posteriors, from {"text": ..., "result": [{"word":
        ..., "conf": ...}, ...]}, or with alternatives {"alternatives": [{"text": ...,
        "confidence": log-likelihood}, ...]} (best first)."""
        parsed = json.loads(result)
        if "alternatives" in parsed:
            alternatives = [
                (_clean(a.get("text", "")), float(a.get("confidence", 0.0)))
                for a in parsed["alternatives"]
            ]
            posteriors = nbest_posteriors(alternatives)
            nbest = [text for text, _ in alternatives]
        else:
            posteriors = _word_posteriors(parsed.get("result", []))
            nbest = [parsed.get("text", "")]
        return _pick(nbest, self._speech, self._repairer), posteriors


class PocketSphinxRecognizer:
    """Buffers the utterance and decodes it whole in `finish` (`feed` returns no partials):
    PocketSphinx's live cepstral-mean estimate makes block-by-block decoding of a short
    question clearly worse than one full-utterance pass, which takes a fraction of real time.
    `peek` decodes the audio so far with the same `_decode` (document LM, n-best choice and
    repair), so an early answer hears what `finish` would have heard."""

    def __init__(
        self,
        *,
        document_lm: bool = True,
        nbest: int = NBEST,
        repair: bool = True,
        denoise: bool = True,
        fallback_reason: str | None = None,
    ) -> None:
        """`document_lm=False` keeps the generic English LM and dictionary with documents;
        `denoise`: steady noise is taken out of a noisy utterance (`assistant.denoise`);
        `fallback_reason`: why this replaces the configured Vosk engine (None: configured)."""
        self.fallback_reason = fallback_reason
        self._document_lm = document_lm
        self._denoise = denoise
        self._nbest = nbest
        self._repair = repair
        self._speech: DocumentSpeech | None = None
        self._repairer: Repairer | None = None
        self._decoder = self._load()

    @staticmethod
    def _load(**model: str | float) -> object:
        try:
            from pocketsphinx import Decoder

            return Decoder(samprate=SAMPLE_RATE, loglevel="FATAL", **model)
        except (ImportError, RuntimeError, ValueError) as err:
            raise AsrError(f"PocketSphinx cannot start ({err})") from None

    def use_documents(self, speech: DocumentSpeech) -> None:
        """Decode with the documents' LM and pronunciations (when `document_lm`)."""
        self._speech = speech
        self._repairer = _repairer(speech) if self._repair else None
        if self._document_lm:
            self._decoder = self._load(
                lm=str(speech.language_model), dict=str(speech.dictionary), lw=DOCUMENT_LM_WEIGHT
            )

    def start(self) -> None:
        self._audio = bytearray()

    def feed(self, pcm: bytes) -> str:
        self._audio += pcm
        return ""

    def peek(self) -> Heard:
        """A full decode of the audio fed so far (feed only appends meanwhile)."""
        return self._decode(bytes(self._audio))

    def finish(self) -> Heard:
        heard = self._decode(bytes(self._audio))
        self._audio = bytearray()
        return heard

    def _decode(self, audio: bytes) -> Heard:
        """`audio` decoded as one utterance (denoised when noisy): the best-supported of the
        n-best, repaired, with the word posteriors of the best hypothesis."""
        if self._denoise:
            audio = denoise(audio)
        self._decoder.start_utt()
        self._decoder.process_raw(audio, False, True)
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        if hyp is None:
            return Heard("")
        nbest = [hyp.hypstr]
        if self._nbest > 1:
            # the n-best search can end in an empty entry (None) on a short, noisy utterance
            alternatives = (h.hypstr for h in self._decoder.nbest() if h is not None)
            nbest += [h for h in itertools.islice(alternatives, self._nbest) if h != hyp.hypstr]
        # dictionary variants are "word(2)"; fillers and sentence marks are not in transcripts
        posteriors = _merge({seg.word.split("(")[0]: seg.prob} for seg in self._decoder.seg())
        return _heard([(_pick(nbest, self._speech, self._repairer), posteriors)])


def _clean(text: str) -> str:
    words = [w for w in text.split() if w not in ("[unk]", "<unk>")]
    return " ".join(words)


def _word_posteriors(words: Iterable[dict]) -> dict[str, float]:
    """Vosk's [{"word": ..., "conf": ...}, ...] as a table (a repeated word keeps its best)."""
    return _merge({w.get("word", ""): float(w.get("conf", 0.0))} for w in words)


def _heard(segments: Sequence[tuple[str, dict[str, float]]]) -> Heard:
    """The utterance's segments (transcript, word posteriors) as one `Heard`."""
    text = _clean(" ".join(text for text, _ in segments))
    return Heard(text, confidence(text, _merge(p for _, p in segments)))


def _vosk_or_pocketsphinx(config: AsrConfig) -> Recognizer:
    """Vosk; PocketSphinx, with a warning, when the Vosk model cannot be used (first boot)."""
    try:
        return VoskRecognizer(config.vosk_model, hints=config.vocabulary_hints)
    except AsrError as err:
        log.warning("%s; using PocketSphinx until a Vosk model is installed", err)
        return PocketSphinxRecognizer(fallback_reason=str(err))


ENGINES: dict[str, Engine[AsrConfig, Recognizer]] = {
    "vosk": Engine(_vosk_or_pocketsphinx, lambda c: f"Vosk model {c.vosk_model}"),
    "pocketsphinx": Engine(
        lambda c: PocketSphinxRecognizer(), lambda c: "pocketsphinx's built-in US English model"
    ),
}


def make_recognizer(config: AsrConfig) -> Recognizer:
    """The configured engine, loaded now (errors surface before the daemon reports READY)."""
    return pick(ENGINES, "asr.engine", config.engine).make(config)
