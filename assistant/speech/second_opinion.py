"""A second opinion on a weak spoken question (`asr.engine = "pocketsphinx+whisper"`).

The first recognizer (PocketSphinx with the documents' LM: it hears the documents' names) hears
every question. When its turn is weak (`weak`: its answer scores below the not-found threshold
plus `WEAK_MARGIN`, or its confidence is below `WEAK_CONFIDENCE`), the second (Whisper: it hears
ordinary English) transcribes the same audio, that transcript is answered too, and `choose`
keeps one answer with a combined score, which the not-found threshold then judges:

- the two answers agree: the better score plus `AGREE_BONUS` (two transcripts that lead to the
  same answer are evidence for it);
- they differ: the second answer when its score less `SWITCH_MARGIN` beats the first's score,
  with that discounted score (the better of two noisy scores is biased upward, so without the
  discount the pair answers more questions whose answer is not loaded); otherwise the first.

So the answers are read at the threshold less `AGREE_BONUS`, and an answer below the threshold
is said only when both transcripts agree on it. The constants were chosen on spoken training
questions (`bench/spoken_qa.py`, docs/benchmarks.md), never on the dev set.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answering.answerer import NOT_FOUND, Answer, Answerer
from assistant.speech.document_speech import DocumentSpeech
from assistant.speech.recognizer import Heard, Recognizer

WEAK_MARGIN = 2.0
WEAK_CONFIDENCE = 0.0
SWITCH_MARGIN = 1.0
AGREE_BONUS = 0.0

_PUNCTUATION = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class Opinion:
    """A transcript and the answer to it."""

    heard: Heard
    answer: Answer


def _score(answer: Answer) -> float:
    return -math.inf if answer.score is None else answer.score


def weak(first: Opinion, threshold: float) -> bool:
    """Whether the first recognizer's turn asks for a second opinion (module docstring)."""
    confidence = first.heard.confidence
    unsure = confidence is not None and confidence < WEAK_CONFIDENCE
    return unsure or _score(first.answer) < threshold + WEAK_MARGIN


def agree(a: Answer, b: Answer) -> bool:
    """Whether two answers say the same: the same words, punctuation and case aside."""
    if a.score is None or b.score is None:
        return False

    def words(text: str) -> str:
        return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())

    return bool(words(a.text)) and words(a.text) == words(b.text)


def choose(first: Opinion, second: Opinion, threshold: float) -> Opinion:
    """The opinion kept, its answer carrying the combined score and found only at or above
    `threshold` (module docstring); both answers were read at `threshold` - `AGREE_BONUS`."""
    one, two = _score(first.answer), _score(second.answer)
    if agree(first.answer, second.answer):
        kept, score = (first, one) if one >= two else (second, two)
        score += AGREE_BONUS
    elif two - SWITCH_MARGIN > one:
        kept, score = second, two - SWITCH_MARGIN
    else:
        kept, score = first, one
    return judged(kept, score, threshold)


def judged(opinion: Opinion, score: float, threshold: float) -> Opinion:
    """`opinion` with `score` as its answer's score, "not found" below `threshold`; an answer
    without a score ("not found" without a passage, a name not in the documents) as it is."""
    answer = opinion.answer
    if answer.score is None:
        return opinion
    if score < threshold:
        answer = dataclasses.replace(answer, text=NOT_FOUND, found=False, sentence="")
    return Opinion(opinion.heard, dataclasses.replace(answer, score=round(score, 3)))


class SecondOpinion:
    """A `Recognizer` that is `first`, keeping the utterance's audio so that `second` can hear
    it again (`answer`); a `first` that hears no words at all is replaced by `second`."""

    def __init__(self, first: Recognizer, second: Recognizer) -> None:
        self.first = first
        self.second = second
        self.fallback_reason = first.fallback_reason
        self._audio = bytearray()

    def use_documents(self, speech: DocumentSpeech) -> None:
        self.first.use_documents(speech)
        self.second.use_documents(speech)

    def start(self) -> None:
        self._audio = bytearray()
        self.first.start()

    def feed(self, pcm: bytes) -> str:
        self._audio += pcm
        return self.first.feed(pcm)

    def peek(self) -> Heard:
        heard = self.first.peek()
        return heard if heard.text.strip() else self.again()

    def finish(self) -> Heard:
        heard = self.first.finish()
        return heard if heard.text.strip() else self.again()

    def again(self) -> Heard:
        """What `second` hears in the audio of the utterance so far (or of the last one,
        until `start`)."""
        self.second.start()
        self.second.feed(bytes(self._audio))
        return self.second.finish()

    def answer(
        self,
        answerer: Answerer,
        heard: Heard,
        threshold: float,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> tuple[Heard, Answer]:
        """The answer to `heard` (what `first` heard), with a second opinion when the turn is
        weak; the answer's timings gain `second_asr_ms` when one was asked."""
        below = copy.copy(answerer)  # reads answers down to where agreement can lift them
        below.threshold = threshold - AGREE_BONUS
        first = Opinion(heard, below.answer(heard.text.strip(), cancelled=cancelled))
        if not weak(first, threshold):
            return heard, judged(first, _score(first.answer), threshold).answer
        started = time.perf_counter()
        again = self.again()
        asr_ms = round((time.perf_counter() - started) * 1000, 1)
        if again.text.strip():
            second = Opinion(again, below.answer(again.text.strip(), cancelled=cancelled))
            kept = choose(first, second, threshold)
        else:
            kept = judged(first, _score(first.answer), threshold)
        answer = kept.answer
        timings = {**answer.timings, "second_asr_ms": asr_ms}
        return kept.heard, dataclasses.replace(answer, timings=timings)
