"""The README's quick start runs as written: each command line of its first shell block, in
order, as a user with an empty home folder (nothing configured, no state), exits 0, and the
answers come from the shipped sample collection (docs/sample-documents)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def quick_start_lines() -> list[str]:
    """The command lines of the shell block under "## Quick start" (comments dropped)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, "the quick start has no shell block"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


@pytest.mark.slow
def test_the_quick_start_runs_as_written_with_an_empty_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["HOME"] = str(home)
    outputs = []
    for line in quick_start_lines():
        words = shlex.split(line)
        assert words[0] == ".venv/bin/qa-assistant", line
        done = subprocess.run(
            [sys.executable, "-m", "assistant.cli", *words[1:]],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        outputs.append(done.stdout)
    assert outputs[0].startswith("£9.50\nsays: Adult tickets cost nine pounds fifty.\n")
    assert "as collection 'sample-documents'" in outputs[1]
    assert outputs[2].splitlines()[1].startswith("sample-documents  5 ")
    assert outputs[3].startswith("the door is not closed properly\n")
    answer = json.loads(outputs[4])
    assert (answer["answer"], answer["source"]["file"]) == (
        "14 October 2025",
        "household-notes.txt",
    )
    assert "the fourteenth of October twenty twenty-five" in answer["spoken"]
    assert outputs[5].startswith("Your documents don't mention Australia.")
    assert (home / ".local/state/qa-assistant/shelf.json").is_file()
