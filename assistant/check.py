"""`qa-assistant check`: is this Pi ready to run the assistant? Each problem in plain words.

`run_checks(config)` runs, in order, and never raises for what it finds:

- bundle:       the model bundle's files match the sha256 sums in its bundle.json;
- model:        the model loads and answers a known question (`KNOWN_QUESTION`) correctly;
- speech model: the Vosk model folder loads (or pocketsphinx's built-in model, per asr.engine);
- microphone / speaker: the configured ALSA devices open, by name, and record / play 0.1 s;
- button / led: the GPIO pins open (the LED only when led.pin is set).

Audio and GPIO devices are exclusive: run the check with the service stopped, as its user
(docs/deploy.md). Devices are opened through ALSA's plughw, as the service does
(PA_ALSA_PLUGHW=1), so a 16 kHz mono stream works on any card.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.audio import SAMPLE_RATE
from assistant.config import AsrConfig, ButtonConfig, Config, LedConfig, load_config

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


def run_checks(config: Config, known: KnownQuestion = KNOWN_QUESTION) -> list[CheckResult]:
    """Every check for `config`, in the order of the module docstring; none raises."""
    bundle = _guarded("bundle", check_bundle, config.answer.model)
    results = [bundle]
    if bundle.ok:
        results.append(
            _guarded("model", check_model, config.answer.model, config.answer.threads, known)
        )
    else:
        results.append(CheckResult("model", False, "not tried: the bundle check failed"))
    results += [
        _guarded("speech model", check_asr, config.asr),
        _guarded("microphone", check_audio, "microphone", config.audio.input_device),
        _guarded("speaker", check_audio, "speaker", config.audio.output_device),
        _guarded("button", check_button, config.button),
    ]
    if config.led.pin:
        results.append(_guarded("led", check_led, config.led))
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


def check_asr(asr: AsrConfig) -> CheckResult:
    """Load the configured recognizer exactly as the daemon does (`asr.make_recognizer`)."""
    from assistant.asr import AsrError, PocketSphinxRecognizer, make_recognizer

    started = time.monotonic()
    try:
        recognizer = make_recognizer(asr)
    except AsrError as err:
        return CheckResult("speech model", False, str(err))
    if isinstance(recognizer, PocketSphinxRecognizer) and recognizer.fallback_reason:
        return CheckResult(
            "speech model",
            False,
            f"{recognizer.fallback_reason} (meanwhile the service uses PocketSphinx)",
        )
    what = (
        "pocketsphinx's built-in US English model"
        if asr.engine == "pocketsphinx"
        else f"Vosk model {asr.vosk_model}"
    )
    return CheckResult("speech model", True, f"{what} loads ({time.monotonic() - started:.1f} s)")


def check_audio(name: str, device: str) -> CheckResult:
    """Open `device` ("microphone": input, "speaker": output), record or play 0.1 s.

    The device is found by name as the daemon finds it (`audio.resolve_device`).
    """
    is_input = name == "microphone"
    os.environ.setdefault("PA_ALSA_PLUGHW", "1")
    from assistant.audio import AudioError, resolve_device

    try:
        index = resolve_device(device, "input" if is_input else "output")
    except AudioError as err:
        return CheckResult(name, False, str(err))
    import numpy as np
    import sounddevice as sd

    frames = SAMPLE_RATE // 10
    try:
        if is_input:
            with sd.InputStream(device=index, channels=1, samplerate=SAMPLE_RATE) as stream:
                stream.read(frames)
        else:
            with sd.OutputStream(device=index, channels=1, samplerate=SAMPLE_RATE) as stream:
                stream.write(np.zeros((frames, 1), dtype=np.float32))
    except sd.PortAudioError as err:
        hint = f": {STOP_SERVICE_HINT}" if "unavailable" in str(err).lower() else ""
        return CheckResult(name, False, f"{device!r} does not open ({err}){hint}")
    opened = sd.query_devices(index)["name"]
    verb = "records" if is_input else "plays"
    return CheckResult(name, True, f"{opened!r} opens and {verb} 16 kHz mono")


def check_button(button: ButtonConfig) -> CheckResult:
    def open_button() -> Any:
        from gpiozero import Button

        return Button(button.pin, pull_up=button.pull_up, bounce_time=button.bounce_time or None)

    return _check_gpio("button", button.pin, open_button)


def check_led(led: LedConfig) -> CheckResult:
    def open_led() -> Any:
        from gpiozero import LED, PWMLED

        return (PWMLED if led.pwm else LED)(led.pin)

    return _check_gpio("led", led.pin, open_led)


def _check_gpio(name: str, pin: int, open_device: Callable[[], Any]) -> CheckResult:
    try:
        from gpiozero.exc import BadPinFactory, GPIOPinInUse
    except ImportError:
        return CheckResult(name, False, "the gpiozero package is not installed (the 'pi' extra)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # gpiozero warns about each factory it falls back from
            device = open_device()
    except BadPinFactory:
        return CheckResult(
            name,
            False,
            "no GPIO library works here: on a Raspberry Pi 5 the venv needs lgpio "
            "(pip install lgpio); on a PC this check cannot pass",
        )
    except GPIOPinInUse:
        return CheckResult(name, False, f"GPIO{pin} is in use: {STOP_SERVICE_HINT}")
    except PermissionError as err:
        return CheckResult(
            name, False, f"no permission for GPIO{pin} ({err}): add the user to group gpio"
        )
    except Exception as err:  # GPIOZeroError, OSError, and lgpio's own lgpio.error ("GPIO busy")
        hint = f": {STOP_SERVICE_HINT}" if "busy" in str(err).lower() else ""
        return CheckResult(name, False, f"GPIO{pin} does not open ({err}){hint}")
    device.close()
    return CheckResult(name, True, f"GPIO{pin} opens")


def check_arguments(parser: argparse.ArgumentParser) -> None:
    """The `check` subcommand's own options (--config comes from the common parser)."""
    parser.add_argument("--model", metavar="BUNDLE", help="QA model bundle (default: answer.model)")


def main_check(args: argparse.Namespace) -> int:
    """`qa-assistant check`: print each result; 0 when all pass, 1 otherwise.

    An invalid configuration raises `ConfigError` (the CLI prints it and exits 2).
    """
    config = load_config(args.config)
    if args.model:
        config = dataclasses.replace(
            config, answer=dataclasses.replace(config.answer, model=args.model)
        )
    results = run_checks(config)
    for result in results:
        print(f"{'ok' if result.ok else 'FAIL':4}  {result.name}: {result.message}")
    failed = sum(not result.ok for result in results)
    print(f"{failed} of {len(results)} checks failed" if failed else "all checks passed")
    return 1 if failed else 0
