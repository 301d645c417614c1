"""The command line: parse arguments, call the core, print what it returns.

Exit status: 0 every input checked and complete; 1 every input checked, something missed;
2 usage error; 3 at least one input could not be checked (the others are still reported).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from voiceclose import __version__

EXIT_COMPLETE = 0
EXIT_MISSED = 1
EXIT_USAGE = 2
EXIT_FAILED = 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    from voiceclose.errors import UsageError, VoicecloseError

    try:
        return args.handler(args)
    except UsageError as e:
        print(f"voiceclose: {e}", file=sys.stderr)
        return EXIT_USAGE
    except VoicecloseError as e:
        print(f"voiceclose: {e}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("voiceclose: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voiceclose",
        description="Rehearse the close of a job interview out loud and learn what it missed. "
        "Everything runs on this machine.",
    )
    parser.add_argument("--version", action="version", version=f"voiceclose {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="check recorded closes (audio files, folders, or transcripts with --text)",
        description="Check recordings of an interview close for interest, fit, the reservations "
        "question and thanks. Folders are searched for audio files.",
    )
    check.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="audio file or folder (with --text: transcript file, or - for stdin)",
    )
    check.add_argument(
        "--text", action="store_true", help="inputs are transcripts (plain text), not audio"
    )
    check.add_argument(
        "--json", action="store_true", help="print one JSON object per input, one per line"
    )
    check.add_argument(
        "--model",
        default="tiny.en",
        metavar="NAME|PATH",
        help="Whisper model: tiny.en (default) or base work offline; any other Whisper "
        "model name downloads once; or a path to a checkpoint file",
    )
    check.add_argument(
        "--last",
        type=_minutes,
        default=3.0,
        metavar="MINUTES",
        help="check only the final MINUTES of long recordings (default 3; 0 = all)",
    )
    check.add_argument(
        "--explain",
        action="store_true",
        help="show every passage considered for each part, and why it was or wasn't credited",
    )
    check.set_defaults(handler=_check)
    return parser


def _minutes(value: str) -> float:
    try:
        minutes = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of minutes: {value!r}") from None
    if minutes < 0:
        raise argparse.ArgumentTypeError("minutes cannot be negative")
    return minutes


def _check(args: argparse.Namespace) -> int:
    from voiceclose.pipeline import Checker, Options, discover
    from voiceclose.writers import WRITERS

    items = list(discover(args.paths, text=args.text))
    checker = Checker(Options(model=args.model, last_minutes=args.last, text=args.text))
    writer = WRITERS["json" if args.json else "text"](explain=args.explain)
    results = []
    show_progress = sys.stderr.isatty() and len(items) > 1
    for n, item in enumerate(items, 1):
        if show_progress:
            print(f"\r\033[K[{n}/{len(items)}] {item.source}", end="", file=sys.stderr, flush=True)
        result = checker.run(item)
        if show_progress:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
        results.append(result)
        _emit(writer, result, args.json)
    summary = writer.summary(results)
    if summary:
        print(summary, flush=True)
    return exit_status(results)


def _emit(writer, result, as_json: bool) -> None:
    text = writer.result(result)
    if not result.ok and not as_json:
        print(f"voiceclose: {text}", file=sys.stderr, flush=True)
    else:
        print(text, flush=True)
        if not as_json:
            print(flush=True)


def exit_status(results) -> int:
    if any(not r.ok for r in results):
        return EXIT_FAILED
    if any(r.missed for r in results):
        return EXIT_MISSED
    return EXIT_COMPLETE
