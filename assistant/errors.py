"""The error every voice component raises when it cannot start or keeps failing."""


class SetupError(Exception):
    """A component (microphone, speaker, speech recognizer, voice) is unusable.

    The message is for the user and names what to fix (device name, model folder, ...).
    """
