"""`qa-assistant check`: is this Pi (or PC) ready to run the assistant? Each problem in plain
words.

A Raspberry Pi is checked strictly; on a PC (`assistant.host.on_raspberry_pi`: no Raspberry Pi
in the device tree; `--pi` / `--pc` override it) the button and LED are "not needed here" (Enter
is the button: `run --button keyboard`), and a missing Vosk model is too when PocketSphinx, the
fallback recognizer, loads. The check passes on a PC when what PC mode needs works.

`run_checks(config, pi=...)` runs, in order, and never raises for what it finds:

- bundle:       the model bundle's files match the sha256 sums in its bundle.json;
- model:        the model loads and answers a known question (`KNOWN_QUESTION`) correctly;
- retriever:    the sentence encoder of answer.retriever loads (checksums too) and embeds a
                sentence ("" = BM25 only, which passes);
- speech model: the configured recognizer loads (`asr.ENGINES` names what it is); a Vosk
                model that is missing is a failure on a Pi, and on a PC is reported with
                the fallback that is used instead;
- voice: the configured voice renders a short phrase (and how long that took);
- microphone / speaker: the configured ALSA devices open, by name, and record / play 0.1 s;
- button / led: the GPIO pins open (the LED only when led.pin is set); on a Pi only.

Every part is made by the daemon's own builders (`assistant.service.assembly`), so the check opens
devices exactly as the service does. Audio and GPIO devices are exclusive: run the check with
the service stopped, as its user (docs/deploy.md). Devices are opened through ALSA's plughw, as
the service does (PA_ALSA_PLUGHW=1), so a 16 kHz mono stream works on any card.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import queue
import tempfile
import time
import warnings
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Config
from assistant.config_file import load_config
from assistant.errors import SetupError
from assistant.host import DEVICE_TREE_MODEL, board_model, on_raspberry_pi

STOP_SERVICE_HINT = (
    "is the qa-assistant service running? stop it first: sudo systemctl stop qa-assistant"
)


@dataclass(frozen=True)
class CheckResult:
    """One check: `ok`, and a message that says what was found or what to fix."""

    name: str
    ok: bool
    message: str


@dataclass(frozen=True)
class KnownQuestion:
    """A question any working QA model answers: `expected` must appear in its answer."""

    question: str
    context: str
    expected: str


KNOWN_QUESTION = KnownQuestion(
    question="Who wrote Hamlet?",
    context="Hamlet is a tragedy written by William Shakespeare around 1600. It is set in Denmark.",
    expected="Shakespeare",
)


NOT_NEEDED = "not needed here (a PC)"


def run_checks(
    config: Config, known: KnownQuestion = KNOWN_QUESTION, *, pi: bool = True
) -> list[CheckResult]:
    """Every check for `config`, in the order of the module docstring, as on a Raspberry Pi
    (`pi`) or on a PC; none raises."""
    bundle = _guarded("bundle", check_bundle, config.answer.model)
    results = [bundle]
    if bundle.ok:
        results.append(
            _guarded("model", check_model, config.answer.model, config.answer.threads, known)
        )
    else:
        results.append(CheckResult("model", False, "not tried: the bundle check failed"))
    results += [
        _guarded("retriever", check_retriever, config.answer.retriever, config.answer.threads),
        _guarded("speech model", check_asr, config, pi),
        _guarded("voice", check_voice, config),
        _guarded("microphone", check_microphone, config),
        _guarded("speaker", check_speaker, config),
    ]
    if not pi:
        results.append(
            CheckResult(
                "button", True, f"{NOT_NEEDED}: Enter is the button (run --button keyboard)"
            )
        )
        if config.led.pin:
            results.append(CheckResult("led", True, NOT_NEEDED))
        return results
    results.append(_guarded("button", check_button, config))
    if config.led.pin:
        results.append(_guarded("led", check_led, config))
    return results


def _guarded(name: str, check: Callable[..., CheckResult], *args: Any) -> CheckResult:
    """`check(*args)`, with anything it raises reported as that check's failure."""
    try:
        return check(*args)
    except Exception as err:  # a check must report, never end the others
        return CheckResult(
            name, False, f"the check failed unexpectedly ({type(err).__name__}: {err})"
        )


def check_bundle(folder: str) -> CheckResult:
    from assistant.qa.bundle import BundleError, load_bundle

    if not folder:
        return CheckResult("bundle", False, "no model bundle configured: set answer.model")
    if not Path(folder).is_dir():
        return CheckResult(
            "bundle", False, f"{folder} does not exist: copy the bundle made by qa-convert there"
        )
    try:
        info = load_bundle(folder, verify=True)
    except (BundleError, OSError) as err:
        return CheckResult("bundle", False, str(err))
    return CheckResult(
        "bundle", True, f"{folder}: the checksums of all {len(info.files)} files match"
    )


def check_model(folder: str, threads: int, known: KnownQuestion) -> CheckResult:
    from assistant.qa.engine import QAEngine

    try:
        started = time.monotonic()
        engine = QAEngine.from_bundle(folder, threads=threads, verify=False)
        loaded = time.monotonic()
        span = engine.answer(known.question, known.context)
        answered = time.monotonic()
    except (RuntimeError, ValueError, OSError) as err:
        return CheckResult("model", False, f"the model does not run: {err}")
    text = "" if span is None else span.text
    if known.expected.lower() not in text.lower():
        return CheckResult(
            "model",
            False,
            f"asked {known.question!r}, the model answered {text!r} instead of "
            f"{known.expected!r}: is the bundle an untrained or wrong model?",
        )
    return CheckResult(
        "model",
        True,
        f"loaded in {loaded - started:.1f} s; {known.question!r} -> {text!r} "
        f"in {answered - loaded:.2f} s",
    )


def check_retriever(folder: str, threads: int) -> CheckResult:
    from assistant.qa.bundle import BundleError
    from assistant.retrieval.encoder import SentenceEncoder

    if not folder:
        return CheckResult("retriever", True, "none configured (answer.retriever): BM25 only")
    if not Path(folder).exists():
        return CheckResult(
            "retriever",
            False,
            f"{folder} does not exist: copy the shipped models/minilm-l6-retriever-int8 there, "
            'or set answer.retriever = "" for BM25 only',
        )
    try:
        encoder = SentenceEncoder(folder, threads=threads)
        encoder.embed(KNOWN_QUESTION.question)
    except BundleError as err:
        return CheckResult("retriever", False, str(err))
    except (RuntimeError, ValueError) as err:
        return CheckResult("retriever", False, f"the sentence encoder does not run: {err}")
    return CheckResult("retriever", True, f"{folder}: loads and embeds ({encoder.dim} values)")


def check_asr(config: Config, pi: bool = True) -> CheckResult:
    """Load the configured recognizer exactly as the daemon does. Vosk's fallback to
    PocketSphinx fails the check on a Pi (`pi`), and passes on a PC, where it is announced."""
    from assistant.service.assembly import build_recognizer
    from assistant.speech.engines import engine_label

    started = time.monotonic()
    try:
        recognizer = build_recognizer(config)
    except SetupError as err:
        return CheckResult("speech model", False, str(err))
    seconds = time.monotonic() - started
    if recognizer.fallback_reason and pi:
        return CheckResult(
            "speech model",
            False,
            f"{recognizer.fallback_reason} (meanwhile the service uses PocketSphinx)",
        )
    if recognizer.fallback_reason:
        return CheckResult(
            "speech model",
            True,
            f"the Vosk model is {NOT_NEEDED}: PocketSphinx, the fallback recognizer, loads "
            f"({seconds:.1f} s) and is used instead (no Vosk model at {config.asr.vosk_model})",
        )
    what = engine_label(config.asr)
    return CheckResult("speech model", True, f"{what} loads ({seconds:.1f} s)")


VOICE_PHRASE = "Hello, I am ready."


def check_voice(config: Config) -> CheckResult:
    """Load the configured voice as the daemon does and render `VOICE_PHRASE` with it."""
    from assistant.service.assembly import build_synthesizer
    from assistant.voice.tts import ENGINES, render

    try:
        started = time.monotonic()
        synthesizer = build_synthesizer(config)
        loaded = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="qa-check-") as tmp:
            wav = Path(tmp) / "voice.wav"
            render(synthesizer, VOICE_PHRASE, wav)
            rendered = time.monotonic()
            with wave.open(str(wav), "rb") as w:
                seconds = w.getnframes() / w.getframerate()
    except SetupError as err:
        return CheckResult("voice", False, str(err))
    what = ENGINES[config.tts.engine].label(config.tts)
    return CheckResult(
        "voice",
        True,
        f"{what} loads in {loaded - started:.1f} s and renders {VOICE_PHRASE!r} "
        f"({seconds:.1f} s of speech) in {(rendered - loaded) * 1000:.0f} ms",
    )


def check_microphone(config: Config) -> CheckResult:
    """Open the microphone as the daemon does and record until one block arrives."""
    os.environ.setdefault("PA_ALSA_PLUGHW", "1")
    from assistant.service.assembly import build_microphone
    from assistant.voice.audio import AudioError

    device = config.audio.input_device
    try:
        with build_microphone(config).open() as stream:
            while stream.read(0.1) is None:  # the stream raises once it stalls
                pass
    except AudioError as err:
        return CheckResult("microphone", False, _with_hint(str(err)))
    return CheckResult(
        "microphone", True, f"{_device_name(device, 'input')!r} opens and records 16 kHz mono"
    )


def check_speaker(config: Config) -> CheckResult:
    """Play 0.1 s of silence on the speaker as the daemon plays its answers."""
    os.environ.setdefault("PA_ALSA_PLUGHW", "1")
    from assistant.service.assembly import build_speaker
    from assistant.voice.audio import SAMPLE_RATE, AudioError

    device = config.audio.output_device
    try:
        with tempfile.TemporaryDirectory(prefix="qa-check-") as tmp:
            wav = Path(tmp) / "silence.wav"
            with wave.open(str(wav), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(SAMPLE_RATE)
                w.writeframes(bytes(2 * SAMPLE_RATE // 10))
            build_speaker(config).play(wav, lambda: False)
    except AudioError as err:
        return CheckResult("speaker", False, _with_hint(str(err)))
    return CheckResult(
        "speaker", True, f"{_device_name(device, 'output')!r} opens and plays 16 kHz mono"
    )


def _device_name(device: str, kind: str) -> str:
    """The full name of the `kind` device that `device` names (as the daemon resolves it)."""
    import sounddevice as sd

    from assistant.voice.audio import resolve_device

    return sd.query_devices(resolve_device(device, kind))["name"]


def _with_hint(message: str) -> str:
    busy = "unavailable" in message.lower() or "busy" in message.lower()
    return f"{message}: {STOP_SERVICE_HINT}" if busy else message


def check_button(config: Config) -> CheckResult:
    from assistant.service.assembly import build_button

    return _check_gpio("button", config.button.pin, lambda: build_button(config, queue.Queue()))


def check_led(config: Config) -> CheckResult:
    from assistant.service.assembly import build_led

    return _check_gpio("led", config.led.pin, lambda: build_led(config))


def _check_gpio(name: str, pin: int, open_part: Callable[[], Any]) -> CheckResult:
    """Open a GPIO part with the daemon's builder; say why it failed, from the cause the
    builder's SetupError carries."""
    try:
        from gpiozero.exc import BadPinFactory, GPIOPinInUse
    except ImportError:
        return CheckResult(name, False, "the gpiozero package is not installed (the 'pi' extra)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # gpiozero warns about each factory it falls back from
            part = open_part()
    except Exception as err:  # SetupError, and lgpio's own lgpio.error ("GPIO busy")
        cause = err.__cause__ if isinstance(err, SetupError) and err.__cause__ else err
        return CheckResult(name, False, _gpio_problem(pin, cause, BadPinFactory, GPIOPinInUse))
    part.close()
    return CheckResult(name, True, f"GPIO{pin} opens")


def _gpio_problem(pin: int, cause: BaseException, bad_factory: type, in_use: type) -> str:
    if isinstance(cause, bad_factory):
        return (
            "no GPIO library works here: on a Raspberry Pi 5 the venv needs lgpio "
            "(pip install lgpio); on a PC this check cannot pass"
        )
    if isinstance(cause, in_use):
        return f"GPIO{pin} is in use: {STOP_SERVICE_HINT}"
    if isinstance(cause, PermissionError):
        return f"no permission for GPIO{pin} ({cause}): add the user to group gpio"
    hint = f": {STOP_SERVICE_HINT}" if "busy" in str(cause).lower() else ""
    return f"GPIO{pin} does not open ({cause}){hint}"


def check_arguments(parser: argparse.ArgumentParser) -> None:
    """The `check` subcommand's own options (--config comes from the common parser)."""
    parser.add_argument("--model", metavar="BUNDLE", help="QA model bundle (default: answer.model)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--pi", dest="pi", action="store_true", default=None, help="check as on a Raspberry Pi"
    )
    where.add_argument(
        "--pc",
        dest="pi",
        action="store_false",
        help="check as on a PC: no GPIO, no Vosk model needed (default: decided from "
        "/proc/device-tree/model)",
    )


def main_check(args: argparse.Namespace) -> int:
    """`qa-assistant check`: print each result; 0 when all pass, 1 otherwise.

    An invalid configuration raises `ConfigError` (the CLI prints it and exits 2).
    """
    config = load_config(args.config)
    if args.model:
        config = dataclasses.replace(
            config, answer=dataclasses.replace(config.answer, model=args.model)
        )
    pi = getattr(args, "pi", None)
    if pi is None:
        pi = on_raspberry_pi()
        why = board_model() or f"no Raspberry Pi in {DEVICE_TREE_MODEL}"
        print(f"checking as on {'a Raspberry Pi' if pi else 'a PC'} ({why})")
    else:
        print(f"checking as on {'a Raspberry Pi' if pi else 'a PC'} ({'--pi' if pi else '--pc'})")
    results = run_checks(config, pi=pi)
    for result in results:
        print(f"{'ok' if result.ok else 'FAIL':4}  {result.name}: {result.message}")
    failed = sum(not result.ok for result in results)
    print(f"{failed} of {len(results)} checks failed" if failed else "all checks passed")
    return 1 if failed else 0
