"""The configuration file: TOML read and validated into the `assistant.config.Config`.

Every key is optional. An unknown section or key, a value of the wrong type, or a value out of
range raises `ConfigError` whose message names the key (``audio.silence_seconds: ...``), so a
typo in /etc/qa-assistant/config.toml stops the daemon before READY instead of being ignored.
Without `--config`, the file is the service's (/etc/qa-assistant/config.toml) or the user's own
(~/.config/qa-assistant/config.toml), by the rule of `assistant.host`.
An engine name must be a key of its table (`assistant.speech.engines.ENGINES`,
`assistant.voice.tts.ENGINES`).
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, get_type_hints

from assistant.config import Config, ConfigError
from assistant.host import default_config_path
from assistant.speech.engines import ENGINES as ASR_ENGINES
from assistant.voice.tts import ENGINES as TTS_ENGINES

# the allowed values of a string key
_CHOICES: dict[str, Callable[[], Iterable[str]]] = {
    "audio.endpointing": lambda: ("silero", "energy", "webrtcvad"),
    "asr.engine": lambda: ASR_ENGINES,
    "tts.engine": lambda: TTS_ENGINES,
    "usb.mode": lambda: ("add", "replace"),
    "answer.speak": lambda: ("auto", "sentence", "span"),
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
    "asr.whisper_threads": (1, 64),
    "tts.rate": (50, 500),
    "button.pin": (0, 53),
    "button.bounce_time": (0, 5),
    "button.double_press_seconds": (0, 2),
    "button.hold_seconds": (0.3, 10),
    "led.pin": (0, 53),
}


def load_config(path: str | Path | None = None) -> Config:
    """The configuration at `path`, or at `assistant.host.default_config_path()` when that
    exists, else the defaults.

    An explicitly given `path` must exist. Raises `ConfigError`.
    """
    if path is None:
        path = default_config_path()
        if not path.is_file():
            return Config()
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


def allowed_range(key: str) -> tuple[float, float]:
    """The (lowest, highest) value the configuration allows for `key` ("answer.top_k"), so a
    command-line option that overrides the key allows the same."""
    return _RANGES[key]
