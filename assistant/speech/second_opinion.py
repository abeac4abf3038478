"""A second opinion on a weak spoken question (`asr.engine = "pocketsphinx+whisper"`).

The first recognizer (PocketSphinx with the documents' LM: it hears the documents' names) hears
every question. When its answer is "not found" (`weak`), the second (Whisper: it hears ordinary
English) transcribes the same audio, that transcript is answered too, and `choose` keeps one
answer with a combined score, which the not-found threshold then judges:

- the two answers agree (the same words): the better score (two transcripts that lead to the
  same answer are evidence for it);
- they differ: the second answer when its score less `SWITCH_MARGIN` beats the first's score,
  with that discounted score (the better of two noisy scores is biased upward, so without the
  discount the pair answers more questions whose answer is not loaded); otherwise the first.

Chosen on 80 spoken training questions in three conditions (clean, pink noise at 20 and 10 dB),
each asked with its article loaded and not loaded, by replaying rules on recorded answers
(`bench/second_opinion_rule.py`, docs/experiments.md): asking also on low-scoring found answers
or on low recognizer confidence gained up to 2 F1 points for 10-20 % more turns with Whisper
(1.3-1.7 s each on a Pi 5); a margin of 0.5 answered more absent questions, 1.5 no more
present ones. Re-measured with Whisper's transcripts lower case and respelt (clean and 10 dB):
asking on more turns gains up to 3.5 points, but then most answerable turns wait for Whisper.
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

SWITCH_MARGIN = 1.0

_PUNCTUATION = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class Opinion:
    """A transcript and the answer to it."""

    heard: Heard
    answer: Answer


def _score(answer: Answer) -> float:
    return -math.inf if answer.score is None else answer.score


def weak(first: Opinion, threshold: float) -> bool:
    """Whether the first recognizer's turn asks for a second opinion: its answer scores below
    `threshold` (not found, or a name the documents do not mention)."""
    return _score(first.answer) < threshold


def agree(a: Answer, b: Answer) -> bool:
    """Whether two answers say the same: the same words, punctuation and case aside."""
    if a.score is None or b.score is None:
        return False

    def words(text: str) -> str:
        return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())

    return bool(words(a.text)) and words(a.text) == words(b.text)


def choose(first: Opinion, second: Opinion, threshold: float) -> Opinion:
    """The opinion kept, its answer carrying the combined score and found only at or above
    `threshold` (module docstring)."""
    one, two = _score(first.answer), _score(second.answer)
    if agree(first.answer, second.answer):
        kept, score = (first, one) if one >= two else (second, two)
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
        self._again: tuple[int, Heard] | None = None  # (audio bytes heard, what second heard)

    def use_documents(self, speech: DocumentSpeech) -> None:
        self.first.use_documents(speech)
        self.second.use_documents(speech)

    def start(self) -> None:
        self._audio = bytearray()
        self._again = None
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
        until `start`); heard once for the same audio (a `finish` that fell back to it)."""
        audio = bytes(self._audio)
        if self._again is None or self._again[0] != len(audio):
            self.second.start()
            self.second.feed(audio)
            self._again = (len(audio), self.second.finish())
        return self._again[1]

    def answer(
        self,
        answerer: Answerer,
        heard: Heard,
        threshold: float,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> tuple[Heard, Answer]:
        """The answer to `heard` (what `first` heard), with a second opinion when it is weak
        at `threshold`; the answer's timings gain `second_asr_ms` when one was asked."""
        first = Opinion(heard, answerer.answer(heard.text.strip(), cancelled=cancelled))
        if not weak(first, threshold):
            return heard, first.answer
        started = time.perf_counter()
        again = self.again()
        asr_ms = round((time.perf_counter() - started) * 1000, 1)
        if not again.text.strip():
            return heard, dataclasses.replace(
                first.answer, timings={**first.answer.timings, "second_asr_ms": asr_ms}
            )
        second = Opinion(again, answerer.answer(again.text.strip(), cancelled=cancelled))
        two = _score(second.answer)
        if not first.answer.found and threshold <= two < threshold + SWITCH_MARGIN:
            # only agreement can keep this answer: read the first transcript's own best answer,
            # which a not-found answer does not say (a copy that answers whatever it scores)
            unbounded = copy.copy(answerer)
            unbounded.threshold = -math.inf
            first = Opinion(heard, unbounded.answer(heard.text.strip(), cancelled=cancelled))
        kept = choose(first, second, threshold)
        timings = {**kept.answer.timings, "second_asr_ms": asr_ms}
        return kept.heard, dataclasses.replace(kept.answer, timings=timings)
