"""One lower-casing rule for checkpoints, used by the converter and the distiller alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.qa.checkpoint import checkpoint_lowercase


def _checkpoint(folder: Path, words: list[str], tokenizer_config: str | None = None) -> Path:
    folder.mkdir()
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", *words]) + "\n")
    if tokenizer_config is not None:
        (folder / "tokenizer_config.json").write_text(tokenizer_config)
    return folder


@pytest.mark.parametrize(
    ("words", "tokenizer_config", "lowercase"),
    [
        (["paris", "the"], None, True),
        (["Paris", "the"], None, False),  # a cased vocabulary without tokenizer config
        (["Paris", "the"], '{"do_lower_case": true}', True),
        (["paris", "the"], '{"do_lower_case": false}', False),
        (["Paris"], '{"model_max_length": 512}', False),
    ],
)
def test_converter_and_distiller_tokenize_a_checkpoint_the_same_way(
    tmp_path: Path, words: list[str], tokenizer_config: str | None, lowercase: bool
) -> None:
    folder = _checkpoint(tmp_path / "ckpt", words, tokenizer_config)
    assert checkpoint_lowercase(folder) is lowercase
    modeling = pytest.importorskip("distill.modeling", reason="the distill extra (torch)")
    assert modeling.read_vocabulary(folder).lowercase is lowercase


def test_a_broken_tokenizer_config_is_named(tmp_path: Path) -> None:
    folder = _checkpoint(tmp_path / "ckpt", ["the"], "{not json")
    with pytest.raises(ValueError, match=r"tokenizer_config\.json: not valid JSON"):
        checkpoint_lowercase(folder)
