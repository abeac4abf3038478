"""Document-aware speech recognition data, built when a collection is loaded and stored with it.

    <collection>/speech/words.txt        the documents' vocabulary (one word a line)
    <collection>/speech/documents.lm     trigram ARPA model of question patterns (the only
                                         sentence openings) and of the documents' sentences
                                         (so questions about them decode)
    <collection>/speech/documents.dict   CMU-format pronunciations of every LM word: the CMU
                                         dictionary's, or espeak-ng's for the words it lacks
    <collection>/speech/names.txt        the documents' most frequent names and capitalized
                                         terms as written ("Royal Society"), one a line

PocketSphinx decodes with the LM and dictionary; Vosk uses the vocabulary as grammar hints;
both engines' n-best hypotheses are chosen and repaired against the vocabulary
(`assistant.speech.hypotheses`); Whisper is prompted with the names (`assistant.speech.whisper`).
`store_document_speech` is the shelf's load `extra`: it writes
into the new collection folder before the catalog switches to it, so the speech data is
replaced atomically with the documents. A library of several collections gets one model built
from all their passages when it is opened (`assistant.speech.spoken.library_speech`).
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.documents.scan import Document
from assistant.speech.ngram import write_arpa
from assistant.speech.pronounce import espeak_pronunciations, read_dictionary
from assistant.text import STOPWORDS

log = logging.getLogger(__name__)

SPEECH_DIR = "speech"
WORDS = "words.txt"
LM = "documents.lm"
DICTIONARY = "documents.dict"
NAMES = "names.txt"

# How ordinary questions open: the LM's only sentence starts. Each line counts QUESTION_WEIGHT
# times, so its words are likely next to the documents' own wording.
QUESTION_PATTERNS = """
what is the | what was the | what are the | what were the | what is a | what does the
what did the | what do the | what type of | what kind of | what year did | what year was
what is the name of the | what was the name of the | what percentage of | what happened in
what happened to the | what is another name for | what is the purpose of the
who was the | who is the | who were the | who did | who founded the | who wrote the
when was the | when did the | when is the | when were the | when does the
where is the | where was the | where did the | where are the | where do the
which of the | which year did | which country | which city
why did the | why is the | why was the | why are the
how many | how much | how long | how long is the | how many people | how old was
how did the | how does the | how is the | how was the | how far is the
in what year | in what year did the | in which year | in what country | in what city
on what date | at what time | for how long | by whom was the | to what
can you tell me | tell me about the | is there a | are there any | do members
what time does the | how do i | can i
"""
QUESTION_WEIGHT = 3.0
# The generic English LM's most likely words join the vocabulary as unigrams holding this share
# of the documents' word count, so question words the documents lack can still be heard.
ENGLISH_WORDS = 5000
# at most this many document words missing from the CMU dictionary get espeak-ng pronunciations
MAX_PRONOUNCED = 2000
ENGLISH_WEIGHT = 0.1

# at most this many names are stored: a Whisper prompt holds about 220 tokens
MAX_NAMES = 60

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# a run of capitalized words, possibly joined by "of"/"the"/"and" ("Duke of Normandy")
_NAME = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:(?:of|the|and|de|von)\s+)*[A-Z][\w'’-]*)*")
_SENTENCE_END = re.compile(r"[.!?;:\n]+")


def speech_words(text: str) -> list[str]:
    """The words a recognizer can say for `text`: lower-case, accents removed, digits kept."""
    text = text.lower().replace("’", "'")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _WORD.findall(plain)


def _sentences(texts: Iterable[str]) -> Iterator[list[str]]:
    for text in texts:
        for sentence in _SENTENCE_END.split(text):
            words = speech_words(sentence)
            if words:
                yield words


def _question_patterns() -> list[list[str]]:
    return [speech_words(p) for p in QUESTION_PATTERNS.replace("\n", "|").split("|") if p.strip()]


def document_names(texts: Iterable[str], count: int = MAX_NAMES) -> list[str]:
    """The `count` most frequent names of `texts`: runs of capitalized words, less a sentence's
    first word (which is capitalized anyway), most frequent first, ties in first-seen order;
    a run that is only a stopword ("The") or shorter than 3 characters ("R" of "R&B") is none."""
    counts: Counter[str] = Counter()
    for text in texts:
        for sentence in _SENTENCE_END.split(text):
            opening = len(sentence) - len(sentence.lstrip())
            for match in _NAME.finditer(sentence):
                words = match.group().split()
                if match.start() == opening:  # a sentence's first word is capitalized anyway
                    words = list(itertools.dropwhile(str.islower, words[1:]))  # and its "of the"
                name = " ".join(words)
                if len(name) >= 3 and name.lower() not in STOPWORDS:
                    counts[name] += 1
    return [name for name, _ in counts.most_common(count)]


@dataclass(frozen=True)
class DocumentSpeech:
    """The speech data of one collection (see the module docstring); `names` is empty for a
    collection stored before names were."""

    folder: Path
    vocabulary: frozenset[str]
    names: tuple[str, ...] = ()

    @property
    def language_model(self) -> Path:
        return self.folder / LM

    @property
    def dictionary(self) -> Path:
        return self.folder / DICTIONARY


def cmu_dictionary() -> Path:
    """The CMU pronouncing dictionary that ships with the pocketsphinx package."""
    from pocketsphinx import get_model_path

    return Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"


@functools.cache
def english_unigrams(count: int) -> dict[str, float]:
    """The `count` most likely words of PocketSphinx's generic English LM, with their unigram
    probabilities renormalized to sum to one."""
    from pocketsphinx import NGramModel, get_model_path

    model = NGramModel.readfile(str(Path(get_model_path()) / "en-us" / "en-us.lm.bin"))
    words = set()
    with cmu_dictionary().open(encoding="utf-8") as f:
        for line in f:
            head = line.split(" ", 1)[0]
            if "(" not in head and _WORD.fullmatch(head):
                words.add(head)
    logp = sorted(((model.prob([w]), w) for w in words), reverse=True)[:count]
    probs = {w: 1.0001**lp for lp, w in logp}  # prob() is in logmath base 1.0001
    total = sum(probs.values())
    return {w: p / total for w, p in probs.items()}


def _to_pronounce(unknown: set[str], sentences: list[list[str]]) -> list[str]:
    """The words espeak-ng is asked to pronounce: the `MAX_PRONOUNCED` most frequent unknown
    ones, so that a document of numbers or noise cannot make a load slow."""
    counts = Counter(w for s in sentences for w in s if w in unknown)
    words = sorted(unknown, key=lambda w: (-counts[w], w))
    return sorted(words[:MAX_PRONOUNCED])


def build_document_speech(
    texts: Iterable[str], collection: Path, known: Iterable[Path] = (), *, espeak: bool = True
) -> DocumentSpeech:
    """Write <collection>/speech for the documents' `texts`; the folder must not exist yet.
    Pronunciations come from the CMU dictionary, then from the `known` dictionaries (those of
    stored collections), then (with `espeak`) from espeak-ng. Raises OSError when it cannot be
    written."""
    started = time.monotonic()
    texts = list(texts)
    sentences = list(_sentences(texts))
    patterns = _question_patterns()
    document_words = sum(len(s) for s in sentences)
    english = {
        w: ENGLISH_WEIGHT * document_words * p for w, p in english_unigrams(ENGLISH_WORDS).items()
    }
    vocabulary = {w for s in sentences for w in s} | {w for p in patterns for w in p} | set(english)
    pronunciations = read_dictionary(cmu_dictionary(), vocabulary)
    for dictionary in known:
        unknown = vocabulary - pronunciations.keys()
        pronunciations.update(read_dictionary(dictionary, unknown))
    missing = _to_pronounce(vocabulary - pronunciations.keys(), sentences) if espeak else []
    for word, phones in espeak_pronunciations(missing).items():
        pronunciations[word] = [phones]
    sayable = set(pronunciations)

    folder = collection / SPEECH_DIR
    folder.mkdir()
    # a spoken question opens the way questions do, not the way the documents' sentences do
    # ("who was", not "the was"): only the patterns count as sentence starts
    bodies = [[w for w in s if w in sayable] for s in sentences]
    write_arpa(
        [(p, QUESTION_WEIGHT) for p in patterns],
        folder / LM,
        unigrams=english,
        continuations=[(b, 1.0) for b in bodies if b],
    )
    with (folder / DICTIONARY).open("w", encoding="utf-8") as f:
        for word in sorted(sayable):
            for n, phones in enumerate(pronunciations[word], start=1):
                f.write(f"{word if n == 1 else f'{word}({n})'} {phones}\n")
    (folder / WORDS).write_text("".join(f"{w}\n" for w in sorted(sayable)), encoding="utf-8")
    names = document_names(texts)
    (folder / NAMES).write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
    log.info(
        "speech model: %d words (%d pronounced by espeak-ng), %d sentences, %.1f s",
        len(sayable),
        len(missing),
        len(sentences),
        time.monotonic() - started,
    )
    return DocumentSpeech(folder, frozenset(sayable), tuple(names))


def store_document_speech(documents: Sequence[Document], collection: Path) -> Path:
    """The speech data of a load's `documents` written into its new `collection` folder (the
    shelf's load `extra`, `assistant.shelf.store.WriteExtra`); the folder it wrote."""
    return build_document_speech((d.text for d in documents), collection).folder


def open_document_speech(collection: Path) -> DocumentSpeech | None:
    """The speech data stored in `collection`, or None when it has none (an older library) or
    its word list is unreadable (then it is built again from the passages); without a names
    list (stored before there were names) it has none."""
    folder = collection / SPEECH_DIR
    try:
        words = (folder / WORDS).read_text(encoding="utf-8").split()
    except (OSError, ValueError):
        return None
    if not (folder / LM).is_file() or not (folder / DICTIONARY).is_file():
        return None
    try:
        names = (folder / NAMES).read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):
        names = []
    return DocumentSpeech(folder, frozenset(words), tuple(n for n in names if n.strip()))
