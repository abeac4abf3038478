"""Vosk: a Kaldi model folder from alphacephei.com (`asr.vosk_model`), streaming.

With `asr.vocabulary_hints` its recognizer is limited to the loaded documents' words plus common
question words (Vosk grammars only work with the small, dynamic-graph models). It asks for up
to `NBEST` alternatives (`SetMaxAlternatives`); their softmaxed scores give the word
posteriors, or Vosk's own word confidences when it gives none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from assistant.speech.document_speech import DocumentSpeech
from assistant.speech.hypotheses import Repairer
from assistant.speech.recognizer import (
    NBEST,
    AsrError,
    Heard,
    clean,
    heard_of,
    merge_posteriors,
    nbest_posteriors,
    pick_transcript,
    repairer_for,
)
from assistant.voice.audio import SAMPLE_RATE

QUESTION_WORDS = (
    "what when where who whom whose which why how is are was were do does did can could "
    "would should will the a an of in on at to for from by with about and or not many much "
    "long time there their it its this that these those i you we me my your our tell me please"
).split()


class VoskRecognizer:
    """Vosk's streaming recognizer: partial transcripts while the audio is fed."""

    fallback_reason = None

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
        self._repairer = repairer_for(speech) if self._repair else None
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
            posteriors = word_posteriors(parsed.get("partial_result", []))
        # one assignment: peek sees the segments and the partial of the same moment
        self._so_far = (tuple(self._final), partial, posteriors)
        return " ".join([*(text for text, _ in self._final), partial]).strip()

    def peek(self) -> Heard:
        """The finished segments (chosen and repaired as in `finish`) and the latest partial,
        repaired (a partial has no alternatives); Vosk's recognizer is not touched from here."""
        final, partial, posteriors = self._so_far
        last = (pick_transcript([partial], self._speech, self._repairer), posteriors)
        return heard_of([*final, last])

    def finish(self) -> Heard:
        self._final.append(self._best(self._rec.FinalResult()))
        return heard_of(self._final)

    def _best(self, result: str) -> tuple[str, dict[str, float]]:
        """One segment's transcript and word posteriors, from {"text": ..., "result": [{"word":
        ..., "conf": ...}, ...]}, or with alternatives {"alternatives": [{"text": ...,
        "confidence": log-likelihood}, ...]} (best first)."""
        parsed = json.loads(result)
        if "alternatives" in parsed:
            alternatives = [
                (clean(a.get("text", "")), float(a.get("confidence", 0.0)))
                for a in parsed["alternatives"]
            ]
            posteriors = nbest_posteriors(alternatives)
            nbest = [text for text, _ in alternatives]
        else:
            posteriors = word_posteriors(parsed.get("result", []))
            nbest = [parsed.get("text", "")]
        return pick_transcript(nbest, self._speech, self._repairer), posteriors


def word_posteriors(words: Iterable[dict]) -> dict[str, float]:
    """Vosk's [{"word": ..., "conf": ...}, ...] as a table (a repeated word keeps its best)."""
    return merge_posteriors({w.get("word", ""): float(w.get("conf", 0.0))} for w in words)
