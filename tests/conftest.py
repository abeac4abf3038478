"""Shared fixtures: a tiny WordPiece vocabulary, tiny random BERT/DistilBERT checkpoints, a
tiny converted bundle (made once per test session with the real converter), and the voice
loop's mock GPIO pins, notify socket, configuration and oracle QA engine
(`support.fakes.make_daemon` takes them); every test leaves the root logger's handlers as it
found them (the CLI's `setup_logging` points one at the stderr of the test that ran it, which
pytest closes after that test)."""

from __future__ import annotations

import logging
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPWMPin
from support.fakes import NotifySocket
from support.oracle import oracle_engine

from assistant.config import Config
from assistant.config_file import config_from_dict

WORDS = (
    "the a an of in on at to is was were and or for by with from what who when where which how "
    "why did does do year city river paris france capital london england tower built eiffel "
    "1889 1066 king queen battle hastings red blue green pi raspberry button answer question "
    "document library river seine flows through north sea long kilometres"
).split()


def write_vocab(path: Path) -> Path:
    """A small uncased WordPiece vocabulary that can spell any ASCII text (letters as pieces)."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    pieces = ["##" + c for c in string.ascii_lowercase + string.digits]
    tokens = specials + chars + pieces + [w for w in dict.fromkeys(WORDS) if w not in chars]
    path.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    return path


def make_checkpoint(folder: Path, architecture: str, *, seed: int = 0) -> Path:
    """Save a tiny random `architecture` QA model (PyTorch safetensors) with its vocab."""
    import torch
    from transformers import (
        BertConfig,
        BertForQuestionAnswering,
        DistilBertConfig,
        DistilBertForQuestionAnswering,
    )

    folder.mkdir(parents=True, exist_ok=True)
    vocab_size = len(write_vocab(folder / "vocab.txt").read_text().split("\n")) - 1
    torch.manual_seed(seed)
    if architecture == "bert":
        config = BertConfig(
            vocab_size=vocab_size,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=512,
        )
        model = BertForQuestionAnswering(config)
    else:
        config = DistilBertConfig(
            vocab_size=vocab_size,
            dim=32,
            n_layers=2,
            n_heads=2,
            hidden_dim=64,
            max_position_embeddings=512,
        )
        model = DistilBertForQuestionAnswering(config)
    model.save_pretrained(folder)
    (folder / "tokenizer_config.json").write_text('{"do_lower_case": true}\n')
    return folder


@pytest.fixture(autouse=True)
def _root_log_handlers_restored() -> Iterator[None]:
    handlers, level = logging.root.handlers[:], logging.root.level
    yield
    logging.root.handlers[:] = handlers
    logging.root.setLevel(level)


@pytest.fixture(scope="session")
def tiny_vocab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_vocab(tmp_path_factory.mktemp("vocab") / "vocab.txt")


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny-bert", "bert")


@pytest.fixture(scope="session")
def tiny_distilbert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny-distilbert", "distilbert")


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory, tiny_bert: Path) -> Path:
    """A dynamic-int8 bundle of the tiny BERT, made by the real `qa-convert`."""
    from converter.cli import main as qa_convert

    out = tmp_path_factory.mktemp("bundles") / "tiny-bert-int8"
    args = [str(tiny_bert), "--out", str(out), "--max-seq-len", "128", "--doc-stride", "32"]
    assert qa_convert(args) == 0
    return out


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    factory = MockFactory(pin_class=MockPWMPin)
    Device.pin_factory = factory
    yield factory
    factory.reset()
    Device.pin_factory = None


@pytest.fixture
def notify_socket() -> Iterator[NotifySocket]:
    sock = NotifySocket()
    yield sock
    sock.close()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return config_from_dict(
        {
            "library": {"state_dir": str(tmp_path / "state")},
            # the bare answer, so the loop's tests compare what is said with the oracle's spans
            # (the reply's forms: test_assistant_spoken_text.py)
            "answer": {"speak": "span"},
            # the test microphone plays a tone: speech for the energy endpointer, not Silero
            "audio": {
                "endpointing": "energy",
                "silence_seconds": 0.3,
                "start_timeout_seconds": 1.0,
                "tones": False,
            },
        }
    )


@pytest.fixture
def engine(tmp_path: Path):
    return oracle_engine(tmp_path, {"nine in the morning": "open"})
