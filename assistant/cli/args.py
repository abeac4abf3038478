"""Argument types of `qa-assistant`: each value is checked when parsed, so a bad one is a
usage error (exit status 2, the option named) instead of a traceback or a silent surprise."""

from __future__ import annotations

import argparse
import math
from pathlib import Path


def positive_int(text: str) -> int:
    """An integer >= 1 (e.g. -k: how many passages to read)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def top_k(text: str) -> int:
    """-k: how many passages to read, within the range of `answer.top_k` in the configuration
    (reading every passage of a large library would take minutes)."""
    from assistant.config_file import allowed_range

    value = positive_int(text)
    high = int(allowed_range("answer.top_k")[1])
    if value > high:
        raise argparse.ArgumentTypeError(f"must be at most {high}, not {value}")
    return value


def finite_float(text: str) -> float:
    """A number that is not nan or infinite (a score threshold)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
    return value


def utf8_text(text: str) -> str:
    """Text that was valid UTF-8 on the command line (argv keeps bad bytes as surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError("is not valid UTF-8 text") from None
    return text


def wav_to_read(text: str) -> str:
    """A WAV file that can be read now (16-bit PCM)."""
    from assistant.voice.audio import AudioError, read_wav_16k

    try:
        read_wav_16k(Path(text))
    except AudioError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def wav_to_write(text: str) -> str:
    """A file path that can be written now: a folder that exists, and opening the file for
    writing works (a file created by this check is removed again)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: the folder {path.parent} does not exist")
    existed = path.exists()
    try:
        with path.open("ab"):
            pass
    except OSError as err:
        raise argparse.ArgumentTypeError(f"{text}: cannot write there ({err.strerror})") from None
    if not existed:
        path.unlink()
    return text
