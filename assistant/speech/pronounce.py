"""Pronunciations for PocketSphinx: the CMU dictionary it ships, and espeak-ng for the rest.

A word missing from the CMU dictionary (a name, a technical term, a number written in digits)
gets espeak-ng's US English IPA transcription mapped phone by phone onto the 39 CMU phones.
espeak-ng runs once for all missing words (one word per line on its standard input).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

# IPA (as espeak-ng writes it for en-us) -> CMU phones; matched longest first.
_IPA_TO_CMU = {
    "aɪ": "AY", "aʊ": "AW", "ɔɪ": "OY", "oʊ": "OW", "eɪ": "EY", "tʃ": "CH", "dʒ": "JH",
    "ɑː": "AA", "ɑ": "AA", "ɒ": "AA", "a": "AA", "æ": "AE", "ʌ": "AH", "ə": "AH", "ɐ": "AH",
    "ɔː": "AO", "ɔ": "AO", "ɛ": "EH", "e": "EH", "ɚ": "ER", "ɜː": "ER", "ɜ": "ER",
    "ɪ": "IH", "ᵻ": "IH", "iː": "IY", "i": "IY", "ʊ": "UH", "uː": "UW", "u": "UW", "o": "OW",
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "ɡ": "G", "g": "G", "f": "F", "v": "V",
    "θ": "TH", "ð": "DH", "s": "S", "z": "Z", "ʃ": "SH", "ʒ": "ZH", "h": "HH", "m": "M",
    "n": "N", "ŋ": "NG", "l": "L", "ɹ": "R", "r": "R", "w": "W", "j": "Y", "ɾ": "T",
    "ʔ": "T", "x": "K", "ç": "HH", "ɬ": "L",
}  # fmt: skip
_LONGEST = max(len(k) for k in _IPA_TO_CMU)


def read_dictionary(path: Path, words: set[str]) -> dict[str, list[str]]:
    """The pronunciations ("W ER D", variants included) of `words` in a CMU-format file."""
    found: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            head, _, phones = line.partition(" ")
            word = head.split("(", 1)[0]
            if word in words:
                found.setdefault(word, []).append(phones.strip())
    return found


def ipa_to_cmu(ipa: str) -> str:
    """CMU phones of one espeak-ng IPA transcription (stress and length marks dropped)."""
    text = ipa.replace("ˈ", "").replace("ˌ", "").replace("̩", "").replace("-", "")
    phones = []
    i = 0
    while i < len(text):
        for size in range(_LONGEST, 0, -1):
            phone = _IPA_TO_CMU.get(text[i : i + size])
            if phone is not None:
                phones.append(phone)
                i += size
                break
        else:
            i += 1  # a space between the parts of a number, or a mark with no CMU phone
    return " ".join(phones)


def espeak_pronunciations(words: Iterable[str]) -> dict[str, str]:
    """CMU phones for each of `words` from espeak-ng (US English). Words it cannot say are
    left out; so are all words, with a warning, when espeak-ng is missing or fails."""
    words = list(words)
    if not words:
        return {}
    binary = shutil.which("espeak-ng")
    if binary is None:
        log.warning("espeak-ng is not installed: %d document words stay unpronounced", len(words))
        return {}
    try:
        done = subprocess.run(
            [binary, "-q", "--ipa", "-v", "en-us"],
            input="\n".join(f"{w}." for w in words) + "\n",
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as err:
        log.warning("espeak-ng failed (%s): %d document words stay unpronounced", err, len(words))
        return {}
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    if len(lines) != len(words):
        log.warning("espeak-ng gave %d lines for %d words; none used", len(lines), len(words))
        return {}
    result = {}
    for word, ipa in zip(words, lines, strict=True):
        phones = ipa_to_cmu(ipa)
        if phones:
            result[word] = phones
    return result
