"""PocketSphinx: the US English acoustic model that ships with its PyPI package, with the
documents' language model and pronunciations (`assistant.speech.document_speech`) once
documents are loaded (`use_documents`); steady background noise is taken out of a noisy
utterance first (`assistant.speech.denoise`)."""

from __future__ import annotations

import itertools

from assistant.speech.denoise import denoise
from assistant.speech.document_speech import DocumentSpeech
from assistant.speech.hypotheses import Repairer
from assistant.speech.recognizer import (
    NBEST,
    AsrError,
    Heard,
    WholeUtterance,
    heard_of,
    merge_posteriors,
    pick_transcript,
    repairer_for,
)
from assistant.voice.audio import SAMPLE_RATE

# PocketSphinx's language weight with the document LM (its default, 6.5, suits the generic
# one); chosen on spoken train.json questions (bench/spoken_qa.py), not on the dev set.
DOCUMENT_LM_WEIGHT = 4.0


class PocketSphinxRecognizer(WholeUtterance):
    """Buffers the utterance and decodes it whole in `finish` (`feed` returns no partials):
    PocketSphinx's live cepstral-mean estimate makes block-by-block decoding of a short
    question clearly worse than one full-utterance pass, which takes a fraction of real time.
    `peek` decodes the audio so far with the same `transcribe` (document LM, n-best choice and
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
        `denoise`: steady noise is taken out of a noisy utterance (`assistant.speech.denoise`);
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
        self._repairer = repairer_for(speech) if self._repair else None
        if self._document_lm:
            self._decoder = self._load(
                lm=str(speech.language_model), dict=str(speech.dictionary), lw=DOCUMENT_LM_WEIGHT
            )

    def transcribe(self, audio: bytes) -> Heard:
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
        posteriors = merge_posteriors(
            {seg.word.split("(")[0]: seg.prob} for seg in self._decoder.seg()
        )
        return heard_of([(pick_transcript(nbest, self._speech, self._repairer), posteriors)])
