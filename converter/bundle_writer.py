"""Write a bundle so that an interrupted run never leaves a half bundle at the output path.

Everything is written into a hidden staging folder beside the output and renamed into place
only when complete (`staged_bundle`); bundle.json, written last, lists the sha256 of every
other file (`write_bundle_json`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from assistant.qa.bundle import BUNDLE_JSON, BundleInfo, sha256_file
from converter.errors import ConvertError


def check_output_free(out: Path, *, force: bool) -> None:
    """Refuse an existing output (unless `force`), or one whose missing parents cannot be
    created under a non-folder, before any long work starts."""
    if out.exists() and not force:
        raise ConvertError(f"{out}: already exists (use --force to replace it)")
    if out.exists() and not out.is_dir():
        raise ConvertError(f"{out}: exists and is not a folder")
    existing = next(p for p in out.parents if p.exists())
    if not existing.is_dir():
        raise ConvertError(f"{existing}: is not a folder, cannot create {out} in it")


@contextlib.contextmanager
def staged_bundle(out: Path, *, force: bool) -> Iterator[Path]:
    """Yield a staging folder; on success it becomes `out`, on any error it is deleted."""
    check_output_free(out, force=force)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConvertError(f"{out.parent}: cannot create the folder ({err.strerror})") from None
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    stage.chmod(0o777 & ~umask)  # mkdtemp makes it private; a bundle is read by the service user
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / out.name)
        os.replace(stage, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(stage, out)


def write_bundle_json(stage: Path, info: BundleInfo) -> BundleInfo:
    """Write bundle.json with the sha256 of every file in `stage`; returns what was written."""
    files = {
        p.name: sha256_file(p)
        for p in sorted(stage.iterdir())
        if p.is_file() and p.name != BUNDLE_JSON
    }
    info = replace(info, files=files)
    (stage / BUNDLE_JSON).write_text(info.to_json(), encoding="utf-8")
    return info
