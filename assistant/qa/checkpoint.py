"""What the converter and the distiller both need to know about a Hugging Face BERT/DistilBERT
QA checkpoint, in one place (no PyTorch import here).

- `checkpoint_lowercase(folder)`: how its text is tokenized. tokenizer_config.json's
  ``do_lower_case`` when it is a boolean; otherwise True exactly when vocab.txt has no
  capitalized word (lower-casing text for a cased vocabulary would lose every capital).
- `takes_token_types(model)`: whether a model's forward accepts ``token_type_ids`` (BERT does,
  DistilBERT does not).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path


def checkpoint_lowercase(folder: str | Path) -> bool:
    """The lower-casing rule of the checkpoint in `folder` (see the module docstring).

    Raises ValueError for a tokenizer_config.json that is not valid JSON, OSError when
    vocab.txt is needed and cannot be read.
    """
    folder = Path(folder)
    tok_config = folder / "tokenizer_config.json"
    if tok_config.is_file():
        try:
            value = json.loads(tok_config.read_text(encoding="utf-8")).get("do_lower_case")
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(f"{tok_config}: not valid JSON ({err})") from None
        if isinstance(value, bool):
            return value
    words = (folder / "vocab.txt").read_text(encoding="utf-8").split()
    return not any(w[0].isupper() for w in words if not w.startswith("["))


def takes_token_types(model: object) -> bool:
    """Whether `model.forward` (an unwrapped PyTorch model) accepts token_type_ids."""
    return "token_type_ids" in inspect.signature(model.forward).parameters
