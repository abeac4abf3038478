"""The user-facing errors shared by several packages (each message names what to fix)."""


class SetupError(Exception):
    """A component (microphone, speaker, speech recognizer, voice) is unusable.

    The message is for the user and names what to fix (device name, model folder, ...).
    """


class LibraryError(Exception):
    """A load or forget that did not happen, or a library that cannot be opened (user-facing)."""


class DocumentError(Exception):
    """One file cannot be read; the message is the user-facing reason."""
