"""The QA engine: question + context -> windows -> model -> best span.

Runner-agnostic: the Pi uses `TFLiteRunner`; the converter's PyTorch reference runner plugs in
the same way, so source and converted models are compared through identical pre- and
post-processing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.qa.answer_type import type_filter
from assistant.qa.bundle import (
    BUNDLE_JSON,
    MODEL_FILE,
    VOCAB_FILE,
    BundleError,
    BundleInfo,
    load_bundle,
)
from assistant.qa.decoding import Span, best_span
from assistant.qa.echo import echo_filter
from assistant.qa.entries import entry_referent, entry_term
from assistant.qa.features import QATokenizer
from assistant.qa.line_match import line_prior
from assistant.qa.rows import focus
from assistant.qa.runner import Runner, TFLiteRunner


@dataclass(frozen=True)
class Prediction:
    """The best span (None if no window had a valid one) and how many windows were run."""

    span: Span | None
    windows: int


class QAEngine:
    """Extractive QA over any context length with one `Runner`."""

    def __init__(
        self,
        tokenizer: QATokenizer,
        runner: Runner,
        *,
        n_best: int = 20,
        max_answer_len: int = 30,
        info: BundleInfo | None = None,
    ) -> None:
        self.tokenizer = tokenizer
        self.runner = runner
        self.n_best = n_best
        self.max_answer_len = max_answer_len
        self.info = info  # the bundle's description when loaded from one

    @classmethod
    def from_bundle(cls, folder: str | Path, *, threads: int = 2, verify: bool = True) -> QAEngine:
        """Load a bundle made by qa-convert and run one full-length window through it.

        Raises `BundleError` naming the bad file or bundle.json field: a vocabulary without
        the special tokens, a signature or tensor name the model lacks, a max_seq_len the
        model cannot run.
        """
        folder = Path(folder)
        info = load_bundle(folder, verify=verify)
        try:
            tokenizer = tokenizer_for_bundle(folder, info)
        except ValueError as err:  # names the vocabulary file, or the lengths of bundle.json
            where = "" if str(folder) in str(err) else f"{folder / BUNDLE_JSON}: "
            raise BundleError(f"{where}{err}") from None
        try:
            runner = runner_for_bundle(folder, info, threads)
        except RuntimeError as err:
            raise BundleError(str(err)) from None
        engine = cls(tokenizer, runner, info=info)
        engine._probe(folder / BUNDLE_JSON)
        return engine

    def _probe(self, description: Path) -> None:
        """Run a window of max_seq_len tokens; raises `BundleError` when the model cannot."""
        length = self.tokenizer.max_seq_len
        window = self.tokenizer.windows("probe", "probe " * length)[0]
        try:
            starts, ends = self.runner.run(window)
        except (RuntimeError, ValueError) as err:
            raise BundleError(
                f"{description}: max_seq_len: the model cannot run a window of {len(window)} "
                f"tokens ({err})"
            ) from None
        if min(len(starts), len(ends)) < len(window):
            raise BundleError(
                f"{description}: outputs: the model returns {min(len(starts), len(ends))} "
                f"logits for a window of {len(window)} tokens"
            )

    def predict(
        self, question: str, context: str, stop: Callable[[], bool] | None = None
    ) -> Prediction:
        """The best span over the windows of `context`.

        `stop` is polled before each window; reading ends at its first True and the best span
        of the windows read so far is returned (None when none was read).
        """
        windows = self.tokenizer.windows(question, context)
        starts, ends = [], []
        for window in windows:
            if stop is not None and stop():
                break
            s, e = self.runner.run(window)
            starts.append(s)
            ends.append(e)
        read = windows[: len(starts)]
        span = best_span(
            context,
            read,
            starts,
            ends,
            n_best=self.n_best,
            max_answer_len=self.max_answer_len,
            refuse=_refusals(question),
            referent=entry_referent,
            line_prior=line_prior(question, context),
        )
        if span is not None:
            span = entry_term(question, context, span)
        return Prediction(span, len(read))

    def answer(
        self, question: str, context: str, stop: Callable[[], bool] | None = None
    ) -> Span | None:
        """The best answer span of `context`, or None when there is none (see `predict`); a
        table is read only in the rows the question names (`assistant.qa.rows`)."""
        focused = focus(question, context)
        if focused is None:
            return self.predict(question, context, stop).span
        span = self.predict(question, focused.text, stop).span
        return None if span is None else focused.mapped(span)


def tokenizer_for_bundle(folder: Path, info: BundleInfo) -> QATokenizer:
    return QATokenizer(
        folder / VOCAB_FILE,
        lowercase=info.lowercase,
        max_seq_len=info.max_seq_len,
        max_query_len=info.max_query_len,
        doc_stride=info.doc_stride,
    )


def runner_for_bundle(folder: Path, info: BundleInfo, threads: int) -> TFLiteRunner:
    return TFLiteRunner(
        folder / MODEL_FILE,
        inputs=info.inputs,
        outputs=info.outputs,
        signature=info.signature,
        threads=threads,
    )


def _refusals(question: str) -> Callable[[str], bool]:
    """The spans the decoder passes over for `question`: those that only point back at it
    (`echo_filter`) and those that cannot be the kind of answer it asks for (`type_filter`)."""
    echoes, wrong_kind = echo_filter(question), type_filter(question)
    return lambda text: echoes(text) or wrong_kind(text)
