"""The daemon put together from the configuration, one builder per part.

`qa-assistant run` uses `build_daemon`; `qa-assistant check` opens the microphone, speaker,
recognizer, voice, button and LED with these same builders, so both find and open devices
the same way. `build_shelf` is the shelf every command loads into: each load also stores the
documents' speech model (`assistant.speech.document_speech.store_document_speech`).
"""

from __future__ import annotations

import logging
import queue
from pathlib import Path

from assistant.config import Config
from assistant.service.daemon import Daemon, Parts
from assistant.service.live_shelf import LiveShelf
from assistant.shelf.mounts import MountWatcher
from assistant.shelf.shelf import Shelf
from assistant.speech.document_speech import store_document_speech
from assistant.speech.engines import engine_label, make_recognizer
from assistant.speech.recognizer import Recognizer
from assistant.voice.audio import AudioInput, AudioOutput, Microphone, Speaker, WavInput, WavOutput
from assistant.voice.button import Event, GpioButton, KeyboardButton, StatusLed
from assistant.voice.synthesis import Synthesizer
from assistant.voice.tts import ENGINES as TTS_ENGINES
from assistant.voice.tts import make_synthesizer

log = logging.getLogger(__name__)


def build_shelf(config: Config, state_dir: str | Path | None = None) -> Shelf:
    """The shelf of `state_dir` (default: library.state_dir); its loads store speech models."""
    return Shelf(config, state_dir, extra=store_document_speech)


def build_microphone(config: Config, input_wav: str | None = None) -> AudioInput:
    """The configured microphone, or the WAV file `input_wav` (PC mode)."""
    return WavInput(input_wav) if input_wav else Microphone(config.audio.input_device)


def build_speaker(config: Config, output_wav: str | None = None) -> AudioOutput:
    """The configured speaker, or the WAV file `output_wav` (PC mode)."""
    volume = config.audio.volume
    if output_wav:
        return WavOutput(output_wav, volume)
    return Speaker(config.audio.output_device, volume)


def build_recognizer(config: Config) -> Recognizer:
    return make_recognizer(config.asr)


def build_synthesizer(config: Config) -> Synthesizer:
    return make_synthesizer(config.tts)


def build_button(config: Config, events: queue.Queue[Event]) -> GpioButton:
    return GpioButton(config.button, events)


def build_led(config: Config) -> StatusLed | None:
    """The status LED; None when led.pin is 0 (no LED)."""
    return StatusLed(config.led) if config.led.pin else None


def build_daemon(
    config: Config,
    *,
    model: str,
    button: str = "gpio",
    input_wav: str | None = None,
    output_wav: str | None = None,
) -> Daemon:
    """The daemon with the configured parts, all loaded now: a missing model, Vosk model,
    retriever, voice or GPIO raises (SetupError/BundleError) before anything reports READY."""
    from assistant.answering.answerer import load_reader

    events: queue.Queue[Event] = queue.Queue()
    reader = load_reader(model, config.answer.threads)
    shelf = build_shelf(config)
    if shelf.encoder is None:  # built now: a bad retriever bundle stops start-up before READY
        log.info("retriever: none (answer.retriever is empty): BM25 only")
    recognizer = build_recognizer(config)
    synthesizer = build_synthesizer(config)
    once = input_wav is not None
    button_part: GpioButton | KeyboardButton | None
    if once:
        button_part = None
    elif button == "keyboard":
        button_part = KeyboardButton(events)
    else:
        button_part = build_button(config, events)
    mounts = MountWatcher(config.usb.watch) if config.usb.auto_load and not once else None
    parts = Parts(
        shelf=LiveShelf(shelf, reader, recognizer, mounts),
        microphone=build_microphone(config, input_wav),
        recognizer=recognizer,
        synthesizer=synthesizer,
        speaker=build_speaker(config, output_wav),
        button=button_part,
        led=build_led(config),
    )
    daemon = Daemon(config, parts, events, once=once)
    # the fallback recognizer is reported here and by `check`, never aloud
    log.info(
        "listening with %s; speaking with %s",
        "PocketSphinx, the fallback recognizer (no usable Vosk model)"
        if recognizer.fallback_reason
        else engine_label(config.asr),
        TTS_ENGINES[config.tts.engine].label(config.tts),
    )
    return daemon
