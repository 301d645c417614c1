"""The command line's arguments: every command, option and value check. Handlers live in
``commands`` and ``practice``; they import the core only when they run, so --help is instant."""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path

from voiceclose import __version__
from voiceclose.cli import commands as handlers
from voiceclose.cli.app import run as run_app
from voiceclose.cli.practice import run as run_practice
from voiceclose.defaults import (
    DEFAULT_HISTORY_LIMIT,
    DEFAULT_LAST_MINUTES,
    DEFAULT_MAX_SECONDS,
    DEFAULT_MODEL,
    UNATTENDED_SILENCE_STOP_S,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voiceclose",
        description="Rehearse the close of a job interview out loud and learn what it missed. "
        "Everything runs on this machine.",
    )
    parser.add_argument("--version", action="version", version=f"voiceclose {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    _add_check(commands)
    _add_practice(commands)
    _add_history(commands)
    _add_review(commands)
    _add_listings(commands)
    _add_scenario(commands)
    _add_app(commands)
    return parser


def _add_app(commands) -> None:
    app = commands.add_parser(
        "app",
        help="practise, review and check in the browser (a local web app on this machine)",
        description="Start the app on 127.0.0.1 and open it in the browser. The link printed "
        "carries a fresh token; only a browser holding it can use the app. Ctrl-C stops it.",
    )
    app.add_argument(
        "--port",
        type=_port,
        default=0,
        metavar="N",
        help="listen on this port (default: a free one)",
    )
    app.add_argument("--no-browser", action="store_true", help="print the link, open nothing")
    app.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        metavar="NAME|PATH",
        help=f"Whisper model (default {DEFAULT_MODEL}), kept loaded while it runs",
    )
    app.set_defaults(handler=run_app)


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is between 1 and 65535")
    return port


def _add_check(commands) -> None:
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
        default=DEFAULT_MODEL,
        metavar="NAME|PATH",
        help=f"Whisper model: {DEFAULT_MODEL} (default) or base work offline; any other Whisper "
        "model name downloads once; or a path to a checkpoint file",
    )
    check.add_argument(
        "--last",
        type=_minutes,
        default=DEFAULT_LAST_MINUTES,
        metavar="MINUTES",
        help="check only the final MINUTES of long recordings "
        f"(default {DEFAULT_LAST_MINUTES:g}; 0 = all)",
    )
    check.add_argument(
        "--scenario",
        metavar="NAME",
        help="the practice scenario the close was for (voiceclose scenarios lists them): fit then "
        "counts only experience tied to its needs",
    )
    check.add_argument(
        "--explain",
        action="store_true",
        help="show every passage considered for each part, and why it was or wasn't credited "
        "(by the phrase rules or the semantic signal)",
    )
    check.add_argument(
        "--no-semantic",
        action="store_true",
        help="check with the phrase rules alone, without the semantic signal",
    )
    check.add_argument(
        "--csv",
        type=Path,
        metavar="FILE",
        help="also write one CSV row per input to FILE (each part's result, errors too)",
    )
    _add_concern_options(check)
    _add_output_options(check)
    check.set_defaults(handler=handlers.check)


def _add_concern_options(check) -> None:
    check.add_argument(
        "--concern",
        metavar="TEXT",
        help="check each input as an answer to this concern from the interviewer "
        "(acknowledge, address, high note) instead of as a close",
    )
    check.add_argument(
        "--concern-kind",
        choices=("misunderstanding", "gap", "skills_gap", "none"),
        metavar="KIND",
        help="what the concern is: misunderstanding, gap, skills_gap or none "
        "(default: read from its words)",
    )


def _add_practice(commands) -> None:
    practice = commands.add_parser(
        "practice",
        help="read a scenario, speak your close into the microphone, and see what it missed",
        description="Shows a practice scenario, records your close from the microphone (saved "
        "to disk as you speak), then checks it. With a terminal, press Enter to start and to "
        "stop; without one, recording starts at once and stops after a pause or the time limit.",
    )
    practice.add_argument(
        "--scenario",
        "--prompt",  # the flag's first name, kept working
        dest="scenario",
        metavar="NAME",
        help="the scenario to practise (voiceclose scenarios lists them); default: one is chosen",
    )
    practice.add_argument(
        "--device",
        metavar="NUMBER|NAME",
        help="microphone to use (voiceclose devices lists them); default: the system's",
    )
    practice.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="folder for the recording (default: recordings/ in the voiceclose data folder)",
    )
    practice.add_argument(
        "--max-seconds",
        type=_seconds,
        default=DEFAULT_MAX_SECONDS,
        metavar="S",
        help=f"stop recording after S seconds (default {DEFAULT_MAX_SECONDS:g})",
    )
    practice.add_argument(
        "--stop-after-silence",
        type=_seconds,
        metavar="S",
        help="stop after S seconds of silence once you have spoken "
        f"(default: off at a terminal, {UNATTENDED_SILENCE_STOP_S:g} otherwise)",
    )
    practice.add_argument(
        "--no-followup",
        action="store_true",
        help="stop after the close: no concern from the interviewer to answer",
    )
    practice.add_argument("--json", action="store_true", help="print the report as one JSON object")
    practice.add_argument(
        "--model", default=DEFAULT_MODEL, metavar="NAME|PATH", help="Whisper model (as for check)"
    )
    _add_output_options(practice)
    practice.set_defaults(handler=run_practice)


def _add_history(commands) -> None:
    history = commands.add_parser(
        "history",
        help="list past attempts and the trend",
        description="Past attempts from the history (every check and practice adds one), and "
        "the trend: complete closes in a row, the part most often missed, and the pace.",
    )
    history.add_argument("--scenario", metavar="NAME", help="only attempts for this scenario")
    history.add_argument(
        "--since", type=_day, metavar="DATE", help="only from this day on (YYYY-MM-DD, today)"
    )
    history.add_argument(
        "--until", type=_day, metavar="DATE", help="only up to this day (YYYY-MM-DD, today)"
    )
    history.add_argument(
        "--limit",
        type=_count,
        default=DEFAULT_HISTORY_LIMIT,
        metavar="N",
        help=f"show the latest N attempts (default {DEFAULT_HISTORY_LIMIT}; 0 = all); "
        "the trend covers all",
    )
    history.add_argument("--tag", metavar="NAME", help="only attempts labelled NAME (--tag)")
    history.add_argument("--json", action="store_true", help="one JSON object per attempt")
    history.add_argument(
        "--csv",
        type=Path,
        metavar="FILE",
        help="also write every matching attempt (not only the latest --limit) to FILE as CSV: "
        "each part of the close, and the concern and each part of the answer after practice",
    )
    history.set_defaults(handler=handlers.history)
    actions = history.add_subparsers(dest="action", metavar="ACTION")
    delete = actions.add_parser(
        "delete",
        help="remove attempts from the history",
        description="Remove attempts from the history. Their recordings stay unless "
        "--recordings is given (asked to confirm at a terminal; --yes without one).",
    )
    delete.add_argument("ids", nargs="+", type=_count, metavar="ID", help="attempt numbers")
    delete.add_argument(
        "--recordings",
        action="store_true",
        help="also delete each attempt's recording and the report saved beside it",
    )
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=handlers.history_delete)


def _add_review(commands) -> None:
    review = commands.add_parser(
        "review",
        help="show a past attempt again, play a moment of it, or recheck it",
        description="Show a stored attempt's report again (default: the latest attempt).",
    )
    review.add_argument(
        "attempt", nargs="?", type=_count, metavar="ATTEMPT", help="attempt number (see history)"
    )
    review.add_argument(
        "--play",
        metavar="PART",
        help="play the moment PART was said: interest, fit, reservations, thanks, or a part of "
        "the answer to the concern: acknowledge, address, high_note",
    )
    review.add_argument(
        "--recheck",
        action="store_true",
        help="check the saved recording again with the current checker and show what changed",
    )
    review.add_argument(
        "--model", metavar="NAME|PATH", help="model for --recheck (default: the one used then)"
    )
    review.add_argument("--json", action="store_true", help="print the report as JSON")
    review.add_argument(
        "--html", type=Path, metavar="FILE", help="also write the report as an HTML page to FILE"
    )
    review.set_defaults(handler=handlers.review)


def _add_listings(commands) -> None:
    # "prompts", the command's first name, still works; only "scenarios" is listed
    for name, shown in (("scenarios", {"help": "list the practice scenarios"}), ("prompts", {})):
        listing = commands.add_parser(name, description="List the practice scenarios.", **shown)
        listing.add_argument("--json", action="store_true", help="one JSON object per scenario")
        listing.set_defaults(handler=handlers.list_scenarios)

    devices = commands.add_parser("devices", help="list the microphones (input devices)")
    devices.add_argument("--json", action="store_true", help="one JSON object per device")
    devices.set_defaults(handler=handlers.devices)


def _add_scenario(commands) -> None:
    from voiceclose.cli import scenario as scenario_handlers

    scenario = commands.add_parser(
        "scenario",
        help="add your own interview as a practice scenario, or remove one",
        description="Your own interview as a scenario: the role, the organisation, the "
        "interviewer and what they said the role needs. Saved in the voiceclose data folder.",
    )
    actions = scenario.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser(
        "new",
        help="save a scenario of your own (asks for what is missing, at a terminal)",
        description="Save your own interview as a scenario. At a terminal, anything not given "
        "as a flag is asked for. What the role needs is heard by its own words and their meaning.",
    )
    new.add_argument("--name", metavar="NAME", help="its name (letters, digits, - and _)")
    new.add_argument("--role", metavar="TEXT", help="the role you applied for")
    new.add_argument("--organisation", metavar="TEXT", help="the organisation")
    new.add_argument("--interviewer", metavar="NAME", help="the interviewer's name")
    new.add_argument(
        "--pronoun", metavar="she|he|they", help="how to refer to the interviewer (default: they)"
    )
    new.add_argument(
        "--need",
        action="append",
        metavar="TEXT",
        help="what the interviewer said the role needs, in their words (repeat for each)",
    )
    new.add_argument(
        "--concern",
        action="append",
        metavar="[KIND:]TEXT",
        help="a concern you expect (repeatable); KIND is misunderstanding, gap (default), "
        "skills_gap or none",
    )
    new.add_argument(
        "--replace", action="store_true", help="replace your scenario of the same name"
    )
    new.set_defaults(handler=scenario_handlers.new)
    remove = actions.add_parser("remove", help="delete a scenario of your own")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=scenario_handlers.remove)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("seconds must be more than 0")
    return seconds


def _minutes(value: str) -> float:
    try:
        minutes = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of minutes: {value!r}") from None
    if minutes < 0:
        raise argparse.ArgumentTypeError("minutes cannot be negative")
    return minutes


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="also write a self-contained HTML page to FILE: checklist, highlighted transcript, "
        "waveform and player, and the last attempts",
    )
    parser.add_argument(
        "--no-history", action="store_true", help="don't store the result in the history"
    )
    parser.add_argument(
        "--tag",
        metavar="NAME",
        help="label the attempts in the history (a candidate, a class); history --tag lists them",
    )


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError("cannot be negative")
    return number


def _day(value: str) -> datetime.date:
    today = datetime.date.today()
    named = {"today": today, "yesterday": today - datetime.timedelta(days=1)}
    if value.lower() in named:
        return named[value.lower()]
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None
