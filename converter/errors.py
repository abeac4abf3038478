"""The converter's user-facing error: the CLI prints its message and exits 2, no traceback."""


class ConvertError(RuntimeError):
    """Something the user can fix: a bad source, a missing file, an existing output folder..."""
