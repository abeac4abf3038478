"""QA training passages written as lists of entries: "term — what it is", one entry a line.

Real documents state much of what a user asks about as entries rather than prose: definition
lists ("klog — Used by klogd, the kernel logger."), arrow lists ("65534 → The nobody UID"),
option tables ("-s, --strict use strict DER decoding"). A reader trained on prose alone takes
the term at the start of a line for the end of the entry before it, and answers "Which user is
used by klogd?" with the next entry's term. These passages teach it that a line's leading term
belongs to the text after it. (Tried on the shipped reader and not shipped: it learns these
lists, not the real documents'; the model card has the figures.)

Each entry is made from an answerable training question whose answer is short: the answer is
the term, the sentence of the paragraph that holds it is the description, its answer replaced
by "this" (as descriptions say "Members of this group"): only the line's structure tells which
term the description is about. Entries of one article are grouped into lists of MIN_ENTRIES
to MAX_ENTRIES with one separator per list (the entries of articles too small for a list are
grouped within their source); each question is asked against its list, its answer the term at
the start of its own line.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

from distill.errors import DistillError

SEPARATORS = (" — ", " → ", ": ", " - ", " – ")
MIN_ENTRIES = 3
MAX_ENTRIES = 8
MAX_TERM_WORDS = 5
MIN_DESCRIPTION_WORDS = 4
MAX_DESCRIPTION_WORDS = 40
_SENTENCE = re.compile(r"[^.!?]*(?:[.!?]+|$)\s*")


def add_entry_lists(
    path: str | Path, out: str | Path, *, per_question: int = 1, seed: int = 0
) -> tuple[int, int]:
    """Write `out`: the SQuAD 2.0 file `path` plus its short-answer questions asked again
    against `per_question` lists of entries each, grouped anew each time (ids `<id>-e<k>`,
    one article per source titled "<source> entries"). Returns (lists, questions) added."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    rng = random.Random(seed)
    articles = list(_entries_by_article(doc))
    added: dict[str, list[dict]] = {}
    for k in range(per_question):
        leftovers: dict[str, list[tuple[str, str, dict]]] = {}
        for source, entries in articles:
            rest = _add_lists(list(entries), added.setdefault(source, []), rng, k)
            leftovers.setdefault(source, []).extend(rest)
        for source, entries in leftovers.items():
            _add_lists(entries, added[source], rng, k)
    added = {source: paragraphs for source, paragraphs in added.items() if paragraphs}
    if not added:
        raise DistillError(f"{path}: no article has {MIN_ENTRIES} short-answer questions")
    for source, paragraphs in sorted(added.items()):
        doc["data"].append(
            {"title": f"{source} entries", "source": source, "paragraphs": paragraphs}
        )
    lists = sum(len(p) for p in added.values())
    questions = sum(len(p["qas"]) for ps in added.values() for p in ps)
    Path(out).write_text(json.dumps(doc), encoding="utf-8")
    return lists, questions


def _add_lists(
    entries: list[tuple[str, str, dict]], paragraphs: list[dict], rng: random.Random, k: int
) -> list[tuple[str, str, dict]]:
    """Append lists (the `k`-th round) of MIN_ENTRIES to MAX_ENTRIES shuffled `entries` to
    `paragraphs`; return the entries too few to make one more list."""
    rng.shuffle(entries)
    while len(entries) >= MIN_ENTRIES:
        size = rng.randint(MIN_ENTRIES, min(MAX_ENTRIES, len(entries)))
        group, entries = entries[:size], entries[size:]
        paragraphs.append(_entry_list(group, rng, k))
    return entries


def _entries_by_article(doc: dict) -> Iterator[tuple[str, list[tuple[str, str, dict]]]]:
    """(source, [(term, sentence, question)]) per article, for every answerable question whose
    first answer is a term of at most MAX_TERM_WORDS words inside a sentence of usable length;
    one entry per distinct term of an article."""
    for article in doc["data"]:
        entries: dict[str, tuple[str, str, dict]] = {}
        for paragraph in article["paragraphs"]:
            for question in paragraph["qas"]:
                if question.get("is_impossible") or not question["answers"]:
                    continue
                entry = _entry(paragraph["context"], question)
                if entry and entry[0].lower() not in entries:
                    entries[entry[0].lower()] = entry
        if entries:
            yield str(article.get("source", "")), list(entries.values())


def _entry(context: str, question: dict) -> tuple[str, str, dict] | None:
    """(term, the sentence holding it, question), or None when the answer is too long or its
    sentence too short or too long."""
    answer = question["answers"][0]
    term, start = answer["text"].strip(), answer["answer_start"]
    if not term or len(term.split()) > MAX_TERM_WORDS or context[start : start + len(term)] != term:
        return None
    for match in _SENTENCE.finditer(context):
        if match.start() <= start < match.end():
            sentence = match.group().strip()
            words = len(sentence.split())
            if MIN_DESCRIPTION_WORDS <= words <= MAX_DESCRIPTION_WORDS and term in sentence:
                return term, sentence, question
            return None
    return None


def _entry_list(group: list[tuple[str, str, dict]], rng: random.Random, k: int) -> dict:
    """One SQuAD paragraph: the entries one a line, each question answered by its line's term."""
    separator = rng.choice(SEPARATORS)
    lines, qas, offset = [], [], 0
    for term, sentence, question in group:
        lines.append(f"{term}{separator}{sentence.replace(term, 'this', 1)}")
        qas.append(
            {
                "id": f"{question['id']}-e{k}",
                "question": question["question"],
                "answers": [{"text": term, "answer_start": offset}],
                "is_impossible": False,
            }
        )
        offset += len(lines[-1]) + 1
    return {"context": "\n".join(lines), "qas": qas}
