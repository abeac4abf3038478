"""The test documents, and loading them as every command does."""

from __future__ import annotations

from pathlib import Path

from assistant.config import LibraryConfig
from assistant.shelf.store import LoadSummary, load_folder
from assistant.speech.document_speech import store_document_speech

LIBRARY_DOCS = Path(__file__).parents[1] / "data" / "assistant" / "library"


def load_stick(
    source: str | Path,
    state: str | Path,
    settings: LibraryConfig | None = None,
    **options,
) -> LoadSummary:
    """`load_folder` with the [library] `settings` (default: the shipped ones) and the speech
    model stored as `qa-assistant load` and the daemon store it; `options` as load_folder's."""
    settings = settings or LibraryConfig()
    return load_folder(source, state, settings, extra=store_document_speech, **options)
