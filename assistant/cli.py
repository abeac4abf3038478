"""`qa-assistant`: the command line. Subcommands: ask, load, run, check.

Each subcommand is a `Command` (its name, help, argument setup and handler) in `COMMANDS`;
adding one is adding an entry. A handler returns the exit status; it raises `UserError` (or
one of the module errors in `_USER_ERRORS`) for anything the user can fix, which `main` prints
as ``error: ...`` with exit status 2 and no traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.check import check_arguments, main_check
from assistant.config import Config, ConfigError, load_config
from assistant.documents import Limits
from assistant.encoder import load_encoder
from assistant.library import Library, LibraryError, has_library, load_folder

log = logging.getLogger("assistant")


class UserError(Exception):
    """A problem the user can fix; printed as `error: <message>`, exit status 2."""


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def setup_logging(verbose: bool) -> None:
    """Log to stderr; no timestamps under systemd (the journal adds its own)."""
    under_systemd = "INVOCATION_ID" in os.environ or "JOURNAL_STREAM" in os.environ
    fmt = "%(levelname)s %(name)s: %(message)s"
    if not under_systemd:
        fmt = "%(asctime)s " + fmt
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, format=fmt, stream=sys.stderr, force=True
    )
    # bm25s sets its own logger to DEBUG: keep its index-building chatter out of normal runs
    logging.getLogger("bm25s").setLevel(logging.DEBUG if verbose else logging.WARNING)


def limits(config: Config) -> Limits:
    return Limits(
        max_file_bytes=int(config.library.max_file_mb * 1024 * 1024),
        max_files=config.library.max_files,
    )


def open_library(config: Config, library_dir: str | None, docs: str | None) -> Library:
    """The library to answer from: --docs (read now, in memory), --library, or the state folder."""
    if docs is not None:
        from assistant.documents import scan_folder

        try:
            scan = scan_folder(docs, limits(config))
        except OSError as err:
            raise UserError(str(err)) from None
        if not scan.documents:
            raise UserError(f"{docs}: no readable document (.txt .md .html .pdf .docx)")
        return Library.from_documents(
            scan.documents,
            config.library.passage_min_words,
            config.library.passage_max_words,
            load_encoder(config.answer.retriever, config.answer.threads),
        )
    folder = Path(library_dir) if library_dir is not None else config.state_dir
    if not has_library(folder) and not (folder / "manifest.json").is_file():
        raise UserError(
            f"no documents are loaded (nothing in {folder}); load some with: qa-assistant load PATH"
        )
    return Library.open(folder, load_encoder(config.answer.retriever, config.answer.threads))


def model_path(config: Config, override: str | None) -> str:
    model = override or config.answer.model
    if not model:
        raise UserError("no QA model: pass --model BUNDLE or set answer.model in the config")
    return model


# --- ask ---------------------------------------------------------------------------------


def _ask_arguments(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--library", metavar="DIR", help="a state folder or stored library")
    where.add_argument("--docs", metavar="PATH", help="answer from this folder, read now")
    p.add_argument("--model", metavar="BUNDLE", help="QA model bundle (default: answer.model)")
    p.add_argument("-k", "--top-k", type=int, help="passages to read (default: answer.top_k)")
    p.add_argument("--threshold", type=float, help="minimum score (default: answer.threshold)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("question")


def _ask(args: argparse.Namespace) -> int:
    from assistant.answering import Answerer, load_reader

    config = load_config(args.config)
    if not args.question.strip():
        raise UserError("the question is empty")
    library = open_library(config, args.library, args.docs)
    reader = load_reader(model_path(config, args.model), config.answer.threads)
    answerer = Answerer(
        library,
        reader,
        top_k=args.top_k or config.answer.top_k,
        threshold=config.answer.threshold if args.threshold is None else args.threshold,
    )
    answer = answerer.answer(args.question)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
        return 0
    print(answer.text)
    if answer.score is not None:
        print(f"score: {answer.score:.2f}")
    if answer.found and answer.source is not None:
        print(f"source: {answer.source.file}, passage {answer.source.passage}")
    stages = (f"{k.removesuffix('_ms')} {v:.0f} ms" for k, v in answer.timings.items())
    print("timings: " + ", ".join(stages))
    return 0


# --- load --------------------------------------------------------------------------------


def _load_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state-dir", metavar="DIR", help="default: library.state_dir")
    p.add_argument("path", help="folder to load (e.g. a mounted USB stick)")


def _load(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    summary = load_folder(
        args.path,
        args.state_dir or config.state_dir,
        limits(config),
        config.library.passage_min_words,
        config.library.passage_max_words,
        load_encoder(config.answer.retriever, config.answer.threads),
        progress=sys.stderr.isatty(),
    )
    print("\n".join(summary.lines()))
    return 0


# --- run ---------------------------------------------------------------------------------


def _run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--button",
        choices=("gpio", "keyboard"),
        default="gpio",
        help="keyboard: Enter is a button press (PC mode)",
    )
    p.add_argument("--input", metavar="WAV", help="one turn: take the question from this file")
    p.add_argument("--output", metavar="WAV", help="write the spoken answer here, don't play it")
    p.add_argument("--model", metavar="BUNDLE", help="QA model bundle (default: answer.model)")


def _run(args: argparse.Namespace) -> int:
    from assistant.daemon import build_daemon

    config = load_config(args.config)
    daemon = build_daemon(
        config,
        model=model_path(config, args.model),
        button=args.button,
        input_wav=args.input,
        output_wav=args.output,
    )
    return daemon.run()


COMMANDS: list[Command] = [
    Command("ask", "answer one question from the documents", _ask_arguments, _ask),
    Command(
        "load", "load the documents of a folder (replaces the library)", _load_arguments, _load
    ),
    Command("run", "the voice loop: button, microphone, answer, speaker", _run_arguments, _run),
    Command(
        "check",
        "check the bundle, models, audio devices and GPIO pins",
        check_arguments,
        main_check,
    ),
]


def _user_errors() -> tuple[type[BaseException], ...]:
    from assistant.errors import SetupError
    from assistant.qa.bundle import BundleError

    return UserError, ConfigError, LibraryError, BundleError, SetupError


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="TOML",
        help="configuration file (default: /etc/qa-assistant/config.toml)",
    )
    common.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser = argparse.ArgumentParser(prog="qa-assistant", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(
            command.name, help=command.help, description=command.help, parents=[common]
        )
        command.add_arguments(p)
        p.set_defaults(handler=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose)
    try:
        return args.handler(args)
    except _user_errors() as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
