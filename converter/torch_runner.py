"""The reference runner: the source checkpoint in PyTorch, behind the same `Runner` interface
as the TFLite model, so both go through identical tokenization, windows and decoding."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from assistant.qa.checkpoint import takes_token_types
from assistant.qa.engine import QAEngine
from assistant.qa.features import Window
from converter.source import Source, checkpoint_tokenizer, resolve_source


class TorchQARunner:
    """Runs a transformers PyTorch `*ForQuestionAnswering` model on one window (fp32, eval)."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.model = model.eval()
        self._takes_token_types = takes_token_types(model)

    @torch.inference_mode()
    def run(self, window: Window) -> tuple[np.ndarray, np.ndarray]:
        inputs = {
            "input_ids": torch.from_numpy(window.input_ids.astype(np.int64))[None],
            "attention_mask": torch.from_numpy(window.attention_mask.astype(np.int64))[None],
        }
        if self._takes_token_types:
            inputs["token_type_ids"] = torch.from_numpy(window.token_type_ids.astype(np.int64))[
                None
            ]
        out = self.model(**inputs)
        return out.start_logits[0].float().numpy(), out.end_logits[0].float().numpy()


def load_torch_model(source: Source) -> torch.nn.Module:
    """The checkpoint as a PyTorch QA model (TensorFlow h5 weights are converted on load)."""
    if not source.from_tf:
        os.environ.setdefault("USE_TF", "0")  # spare transformers importing TensorFlow
    from transformers import AutoModelForQuestionAnswering

    return AutoModelForQuestionAnswering.from_pretrained(source.folder, from_tf=source.from_tf)


def load_checkpoint_engine(
    path: str | Path, *, max_seq_len: int = 384, doc_stride: int = 128, threads: int | None = None
) -> QAEngine:
    """A `QAEngine` over a Hugging Face checkpoint folder (or hub id), run in PyTorch."""
    if threads is not None:
        torch.set_num_threads(threads)
    source = resolve_source(str(path))
    return QAEngine(
        checkpoint_tokenizer(source, max_seq_len, doc_stride),
        TorchQARunner(load_torch_model(source)),
    )
