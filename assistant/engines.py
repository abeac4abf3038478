"""Name -> engine tables (speech recognizers, voices): one entry per engine, nothing else.

The configuration's allowed values for `asr.engine` and `tts.engine` are these tables' keys,
and `qa-assistant check` names what it loaded with an entry's `label`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from assistant.config import ConfigError

C = TypeVar("C")
T = TypeVar("T")


@dataclass(frozen=True)
class Engine(Generic[C, T]):
    """`make(config)` loads the engine now (raising SetupError); `label(config)` says what."""

    make: Callable[[C], T]
    label: Callable[[C], str]


def pick(table: Mapping[str, Engine[C, T]], key: str, name: str) -> Engine[C, T]:
    """The entry `name` of `table`; a ConfigError naming `key` and the choices otherwise."""
    try:
        return table[name]
    except KeyError:
        raise ConfigError(f"{key}: unknown engine {name!r} (choices: {', '.join(table)})") from None
