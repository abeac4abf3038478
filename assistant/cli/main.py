"""`qa-assistant`: the command line. Subcommands: ask, load, library, forget, run, check.

Each subcommand is a `Command` (its name, help, argument setup and handler) in `COMMANDS`;
adding one is adding an entry. A handler returns the exit status; it raises `UserError` (or
one of the module errors in `_USER_ERRORS`) for anything the user can fix, which `main` prints
as ``error: ...`` with exit status 2 and no traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.cli.args import finite_float, top_k, utf8_text, wav_to_read, wav_to_write
from assistant.cli.check import check_arguments, main_check
from assistant.config import Config, ConfigError
from assistant.config_file import load_config
from assistant.documents.refusals import printable
from assistant.errors import LibraryError
from assistant.service import journal
from assistant.service.assembly import build_shelf

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
    """Log to stderr: with journal priorities under systemd, with time stamps elsewhere."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(journal.formatter())
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, handlers=[handler], force=True
    )
    # bm25s sets its own logger to DEBUG: keep its index-building chatter out of normal runs
    logging.getLogger("bm25s").setLevel(logging.DEBUG if verbose else logging.WARNING)


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
    p.add_argument("-k", "--top-k", type=top_k, help="passages to read (default: answer.top_k)")
    p.add_argument(
        "--threshold", type=finite_float, help="minimum score (default: answer.threshold)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--audio",
        metavar="WAV",
        type=wav_to_read,
        help="ask aloud: transcribe this WAV with the configured engine",
    )
    p.add_argument("question", type=utf8_text, nargs="?", default="")


def _ask(args: argparse.Namespace) -> int:
    from assistant.answering.answerer import Answerer, load_reader
    from assistant.answering.reply import reply_text
    from assistant.voice.spoken_text import speakable

    config = load_config(args.config)
    if bool(args.audio) == bool(args.question.strip()):
        raise UserError("ask needs a question, or --audio WAV (not both)")
    shelf = build_shelf(config)
    # --docs: read now, in memory; --library: that folder; else the state folder
    library = shelf.read_folder(args.docs) if args.docs else shelf.library(args.library)
    reader = load_reader(model_path(config, args.model), config.answer.threads)
    answerer = Answerer.from_config(
        library, reader, config.answer, top_k=args.top_k, threshold=args.threshold
    )
    heard = None
    if args.audio:
        from assistant.speech.spoken import ask_audio

        heard, answer = ask_audio(config, answerer, args.audio)
        if answer is None:
            raise UserError(
                f"I didn't hear a question in {args.audio} (silence or noise only?): "
                "record it again"
            )
    else:
        answer = answerer.answer(args.question)
    # what the voice loop would say: the reply as people say it, after what it heard if unsure
    unsure = heard is not None and heard.confidence is not None
    unsure = unsure and heard.confidence < config.asr.say_heard_below
    spoken = speakable(
        reply_text(answer, config.answer.speak, heard.text.strip() if unsure else None)
    )
    if args.json:
        extra = {"spoken": spoken}
        if heard is not None:
            extra |= {"heard": heard.text, "heard_confidence": heard.confidence}
        print(json.dumps({**answer.to_json(), **extra}, ensure_ascii=False))
        return 0
    if heard is not None:
        sure = "" if heard.confidence is None else f" (confidence {heard.confidence:.2f})"
        print(f"heard: {heard.text}{sure}")
    print(answer.text)
    if spoken != answer.text:
        print(f"says: {spoken}")
    if answer.score is not None:
        print(f"score: {answer.score:.2f}")
    if answer.found and answer.source is not None:
        source = answer.source
        where = f"{source.file}, passage {source.passage} ({printable(source.collection)})"
        print(f"source: {where}")
    stages = (f"{k.removesuffix('_ms')} {v:.0f} ms" for k, v in answer.timings.items())
    print("timings: " + ", ".join(stages))
    return 0


# --- load, library, forget: the collections ------------------------------------------------


def _state_dir_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state-dir", metavar="DIR", help="default: library.state_dir")


def _load_arguments(p: argparse.ArgumentParser) -> None:
    _state_dir_argument(p)
    p.add_argument("--name", help="collection name (default: the volume label, else the folder)")
    p.add_argument(
        "--replace-all", action="store_true", help="remove every other collection (atomically)"
    )
    p.add_argument("path", help="folder to load (e.g. a mounted USB stick)")


def _load(args: argparse.Namespace) -> int:
    # checked before the shelf is opened, so a mistyped path leaves no state folder behind
    if not Path(args.path).is_dir():
        what = "is not a folder" if Path(args.path).exists() else "does not exist"
        raise UserError(f"{args.path} {what}: load takes the folder of your documents")
    shelf = build_shelf(load_config(args.config), args.state_dir)
    summary = shelf.load(
        args.path, name=args.name, replace_all=args.replace_all, progress=sys.stderr.isatty()
    )
    print("\n".join(summary.lines()))
    return 0


def _library(args: argparse.Namespace) -> int:
    contents = build_shelf(load_config(args.config), args.state_dir).contents()
    if not contents.collections and not contents.damaged:
        print("no documents are loaded; load some with: qa-assistant load PATH")
        return 0
    rows = [("name", "documents", "passages", "refusals", "loaded at")]
    rows += [
        (
            printable(c.name),  # a name from a stick could forge rows or move the cursor
            str(len(c.files)),
            str(len(c.passages)),
            str(len(c.manifest.get("refusals", []))),
            printable(c.manifest.get("loaded_at", "-")),
        )
        for c in contents.collections
    ]
    rows += [(printable(d.name), "damaged", "-", "-", "-") for d in contents.damaged]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for damaged in contents.damaged:
        print(
            f"{printable(damaged.name)} is skipped: {damaged.reason}; load it again, or "
            f"remove it with: qa-assistant forget {printable(damaged.name)}"
        )
    return 0


def _forget_arguments(p: argparse.ArgumentParser) -> None:
    _state_dir_argument(p)
    p.add_argument("name", help="the collection to remove (see: qa-assistant library)")


def _forget(args: argparse.Namespace) -> int:
    build_shelf(load_config(args.config), args.state_dir).forget(args.name)
    print(f"forgot {args.name!r}")
    return 0


# --- run ---------------------------------------------------------------------------------


def _run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--button",
        choices=("gpio", "keyboard"),
        default="gpio",
        help="keyboard: Enter is a button press (PC mode)",
    )
    p.add_argument(
        "--input",
        metavar="WAV",
        type=wav_to_read,
        help="one turn: take the question from this file",
    )
    p.add_argument(
        "--output",
        metavar="WAV",
        type=wav_to_write,
        help="write the spoken answer here, don't play it",
    )
    p.add_argument("--model", metavar="BUNDLE", help="QA model bundle (default: answer.model)")


def _run(args: argparse.Namespace) -> int:
    from assistant.service.assembly import build_daemon

    config = load_config(args.config)
    daemon = build_daemon(
        config,
        model=model_path(config, args.model),
        button=args.button,
        input_wav=args.input,
        output_wav=args.output,
    )
    status = daemon.run()
    if args.input is not None and status == 0 and daemon.turns == 0:
        raise UserError("the one turn did not complete (the log above says why)")
    if args.output is not None:
        log.info("everything said was written to %s", args.output)
    return status


COMMANDS: list[Command] = [
    Command("ask", "answer one question from the documents", _ask_arguments, _ask),
    Command(
        "load",
        "load the documents of a folder as a collection (replaces that collection only)",
        _load_arguments,
        _load,
    ),
    Command("library", "list the loaded collections", _state_dir_argument, _library),
    Command("forget", "remove one collection", _forget_arguments, _forget),
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
        help="configuration file (default: ~/.config/qa-assistant/config.toml; the "
        "service's user reads /etc/qa-assistant/config.toml)",
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
