"""The dense retriever's sentence encoder: text -> unit-length embedding, with TFLite only.

A retriever bundle is a model bundle (`assistant.qa.bundle`: model.tflite, vocab.txt,
bundle.json with checksums) whose model takes input_ids / attention_mask / token_type_ids of
one `[CLS] text [SEP]` sequence and returns the mean-pooled, L2-normalised embedding
(`converter.encoder_export`). Texts longer than the bundle's `max_seq_len` are cut.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import BertWordPieceTokenizer
from tokenizers.models import WordPiece
from tqdm import tqdm

from assistant.qa.bundle import MODEL_FILE, VOCAB_FILE, BundleError, load_bundle
from assistant.qa.runner import LENGTH_STEP, interpreter_class

ENCODER_KIND = "sentence-encoder"


class SentenceEncoder:
    """Embeds texts one at a time (batch 1, each run at its length rounded up to 32 tokens).

    Thread-safe: the daemon embeds a question while a USB load embeds passages.
    """

    def __init__(self, folder: str | Path, *, threads: int = 2, verify: bool = True) -> None:
        """Load the retriever bundle in `folder`; raises `BundleError` naming a bad file."""
        folder = Path(folder)
        info = load_bundle(folder, verify=verify)
        if info.extra.get("kind") != ENCODER_KIND:
            raise BundleError(f"{folder}: not a sentence-encoder bundle (a QA model?)")
        self.max_seq_len = info.max_seq_len
        self.dim = int(info.extra["dim"])
        self.model_id = info.files[MODEL_FILE]  # sha256: which model made stored embeddings
        lowercase = info.lowercase
        self._tokenizer = BertWordPieceTokenizer(
            WordPiece.read_file(str(folder / VOCAB_FILE)),
            lowercase=lowercase,
            strip_accents=lowercase,
            clean_text=True,
        )
        vocab = self._tokenizer.get_vocab()
        self._cls, self._sep, self._pad = vocab["[CLS]"], vocab["[SEP]"], vocab["[PAD]"]
        try:
            self._interpreter = interpreter_class()(
                model_path=str(folder / MODEL_FILE), num_threads=threads
            )
            runner = self._interpreter.get_signature_runner(info.signature)
        except (ValueError, RuntimeError) as err:
            raise BundleError(f"{folder / MODEL_FILE}: cannot load the model ({err})") from None
        details = runner.get_input_details()
        self._inputs = {role: details[name]["index"] for role, name in info.inputs.items()}
        self._output = runner.get_output_details()[info.outputs["embedding"]]["index"]
        self._length: int | None = None
        self._lock = threading.Lock()

    def embed(self, text: str) -> np.ndarray:
        """The unit-length float32 embedding of `text`."""
        pieces = self._tokenizer.encode(text, add_special_tokens=False).ids
        ids = [self._cls, *pieces[: self.max_seq_len - 2], self._sep]
        length = min(-(-len(ids) // LENGTH_STEP) * LENGTH_STEP, self.max_seq_len)
        with self._lock:
            return self._run(ids, length)

    def _run(self, ids: list[int], length: int) -> np.ndarray:
        if length != self._length:
            for index in self._inputs.values():
                self._interpreter.resize_tensor_input(index, [1, length])
            self._interpreter.allocate_tensors()
            self._length = length
        feeds = {
            "input_ids": np.full((1, length), self._pad, dtype=np.int32),
            "attention_mask": np.zeros((1, length), dtype=np.int32),
            "token_type_ids": np.zeros((1, length), dtype=np.int32),
        }
        feeds["input_ids"][0, : len(ids)] = ids
        feeds["attention_mask"][0, : len(ids)] = 1
        for role, index in self._inputs.items():
            self._interpreter.set_tensor(index, feeds[role])
        self._interpreter.invoke()
        return self._interpreter.get_tensor(self._output)[0].astype(np.float32)

    def embed_all(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """A (len(texts), dim) float32 matrix, one row per text; `progress` shows a tqdm bar."""
        rows = [
            self.embed(t)
            for t in tqdm(texts, desc="embedding", unit="passage", disable=not progress)
        ]
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)


def load_encoder(folder: str, threads: int) -> SentenceEncoder | None:
    """The retriever bundle at `folder`, or None (BM25 only) when `folder` is ""."""
    return SentenceEncoder(folder, threads=threads) if folder else None
