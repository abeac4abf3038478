"""The one exception type for user errors (bad input, mismatched models, wrong resume folder)."""


class DistillError(Exception):
    """A problem the user can fix; `qa-distill` prints ``error: <message>`` and exits 2."""
