"""The command line: parse arguments, call the core, print what it returns.

Exit status: 0 every input checked and complete; 1 every input checked, something missed;
2 usage error; 3 at least one input could not be checked (the others are still reported).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

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
    except BrokenPipeError:  # the reader went away (voiceclose ... | head)
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_COMPLETE


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
    check.add_argument(
        "--csv",
        type=Path,
        metavar="FILE",
        help="also write one CSV row per input to FILE (each part's result, errors too)",
    )
    _add_output_options(check)
    check.set_defaults(handler=_check)

    practice = commands.add_parser(
        "practice",
        help="read a scenario, speak your close into the microphone, and see what it missed",
        description="Shows a practice scenario, records your close from the microphone (saved "
        "to disk as you speak), then checks it. With a terminal, press Enter to start and to "
        "stop; without one, recording starts at once and stops after a pause or the time limit.",
    )
    practice.add_argument(
        "--prompt",
        metavar="NAME",
        help="the scenario to practise (voiceclose prompts lists them); default: one is chosen",
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
        default=180.0,
        metavar="S",
        help="stop recording after S seconds (default 180)",
    )
    practice.add_argument(
        "--stop-after-silence",
        type=_seconds,
        metavar="S",
        help="stop after S seconds of silence once you have spoken "
        "(default: off at a terminal, 4 otherwise)",
    )
    practice.add_argument("--json", action="store_true", help="print the report as one JSON object")
    practice.add_argument(
        "--model", default="tiny.en", metavar="NAME|PATH", help="Whisper model (as for check)"
    )
    _add_output_options(practice)
    practice.set_defaults(handler=_practice)

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
        default=20,
        metavar="N",
        help="show the latest N attempts (default 20; 0 = all); the trend covers all",
    )
    history.add_argument("--json", action="store_true", help="one JSON object per attempt")
    history.set_defaults(handler=_history)

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
        help="play the moment PART (interest, fit, reservations, thanks) was said",
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
    review.set_defaults(handler=_review)

    prompts = commands.add_parser("prompts", help="list the practice scenarios")
    prompts.add_argument("--json", action="store_true", help="one JSON object per scenario")
    prompts.set_defaults(handler=_prompts)

    devices = commands.add_parser("devices", help="list the microphones (input devices)")
    devices.add_argument("--json", action="store_true", help="one JSON object per device")
    devices.set_defaults(handler=_devices)
    return parser


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


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError("cannot be negative")
    return number


def _day(value: str):
    import datetime

    today = datetime.date.today()
    named = {"today": today, "yesterday": today - datetime.timedelta(days=1)}
    if value.lower() in named:
        return named[value.lower()]
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _check(args: argparse.Namespace) -> int:
    from voiceclose.pipeline import Checker, Item, Options, discover
    from voiceclose.writers import WRITERS

    items = list(discover(args.paths, text=args.text))
    checker = Checker(Options(model=args.model, last_minutes=args.last, text=args.text))
    if any(isinstance(item, Item) for item in items):
        checker.prefetch()
    writer = WRITERS["json" if args.json else "text"](explain=args.explain)
    outputs = _Outputs(args)
    results = []
    show_progress = sys.stderr.isatty() and len(items) > 1
    for n, item in enumerate(items, 1):
        if show_progress:
            print(f"\r\033[K[{n}/{len(items)}] {item.source}", end="", file=sys.stderr, flush=True)
        result = checker.run(item)
        if show_progress:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
        results.append(result)
        outputs.add(result)  # stored before printed: a printed line is in the history
        _emit(writer, result, args.json)
    summary = writer.summary(results)
    if summary:
        print(summary, flush=True)
    outputs.finish()
    return exit_status(results)


class _Outputs:
    """What check and practice write besides the report: the history, CSV rows, the page."""

    def __init__(self, args: argparse.Namespace):
        from voiceclose.history import Keeper

        self.keeper = Keeper(enabled=not args.no_history)
        self.html = args.html
        self.results: list = []
        self.attempt_ids: list[int | None] = []
        self.csv_path = getattr(args, "csv", None)
        self.csv = self.csv_writer = self.csv_problem = None
        if self.html:
            from voiceclose.html_report import check_target

            check_target(self.html)
        if self.csv_path:
            from voiceclose.writers import CsvWriter

            self.csv_writer = CsvWriter()
            try:  # Excel reads UTF-8 only with the byte-order mark
                self.csv = open(self.csv_path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
                self._write_csv(self.csv_writer.header())
            except OSError as e:
                self._fail(e)

    def add(self, result) -> None:
        self.results.append(result)
        self.attempt_ids.append(self.keeper.add(result))
        warning = self.keeper.warning()
        if warning:
            print(f"voiceclose: {warning}", file=sys.stderr, flush=True)
        if self.csv and not self.csv_problem:
            try:
                self._write_csv(self.csv_writer.result(result))
            except OSError as e:
                rows = len(self.results) - 1
                self.csv_problem = f"{e.strerror or e}; the CSV stops after {rows} row(s)"

    def _write_csv(self, row: str) -> None:
        self.csv.write(row)
        self.csv.flush()  # rows so far survive a batch that is stopped

    def _fail(self, e: OSError):
        from voiceclose.errors import OutputError

        raise OutputError(f"cannot write {self.csv_path} ({e.strerror or e})") from e

    def finish(self) -> None:
        from voiceclose.errors import OutputError

        self.keeper.close()
        if self.csv:
            with contextlib.suppress(OSError):
                self.csv.close()
        if self.csv_problem:
            raise OutputError(f"cannot write {self.csv_path} ({self.csv_problem})")
        if self.html:
            page = _write_page(self.html, self.results, self.attempt_ids)
            print(f"Report page: {page.path} ({_size(page.size_bytes)})", file=sys.stderr)


def _write_page(path: Path, results, attempt_ids, created_at=None, recording=None):
    """The page for ``results``; ``recording``, for one stored attempt, is where its audio was
    (stored as an absolute path: a relative source would be read from the wrong folder)."""
    from voiceclose import html_report
    from voiceclose.errors import HistoryError
    from voiceclose.history import open_for_reading

    inputs = [
        html_report.page_input(r, attempt_id=i, created_at=created_at, recording=recording)
        for r, i in zip(results, attempt_ids, strict=True)
    ]
    try:
        history = open_for_reading()
        recent = []
        if history is not None:
            with history:
                recent = history.attempts(limit=html_report.CHART_ATTEMPTS)
    except HistoryError:
        recent = []  # the page goes without its chart; the history's problem was told already
    return html_report.write(path, inputs, recent)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


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


def _prompts(args: argparse.Namespace) -> int:
    import json

    from voiceclose import scenarios

    for s in scenarios.available():
        if args.json:
            row = {
                "name": s.name,
                "field": s.field,
                "seniority": s.seniority,
                "role": s.role,
                "organisation": s.organisation,
                "interviewer": s.interviewer,
                "needs": [n.what for n in s.needs],
            }
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(f"{s.name:<24} {s.field} ({s.seniority}): {s.role}, {s.organisation}")
    return EXIT_COMPLETE


def _history(args: argparse.Namespace) -> int:
    from voiceclose.history import open_for_reading, trend
    from voiceclose.writers import attempt_json, attempts_table, trend_text

    history = open_for_reading()
    if history is None:
        if not args.json:  # --json: no objects
            print("No attempts yet: voiceclose check and voiceclose practice add them.")
        return EXIT_COMPLETE
    with history:
        matching = history.attempts(scenario=args.scenario, since=args.since, until=args.until)
    shown = matching[-args.limit :] if args.limit else matching
    if args.json:
        for attempt in shown:
            print(attempt_json(attempt))
        return EXIT_COMPLETE
    if not matching:
        print("No attempts match.")
        return EXIT_COMPLETE
    print(attempts_table(shown, len(matching)))
    print()
    print(trend_text(trend(matching)))
    return EXIT_COMPLETE


def _review(args: argparse.Namespace) -> int:
    from voiceclose import review
    from voiceclose.writers import recheck_json, recheck_text, stored_json, stored_text

    if args.html:
        from voiceclose.html_report import check_target

        check_target(args.html)
    stored = review.load(args.attempt)
    attempt, report = stored.attempt, stored.report
    if (args.play or args.recheck) and review.recording_changed(stored):
        print(
            f"voiceclose: note: {attempt.recording} has changed since attempt {attempt.id} "
            "was checked",
            file=sys.stderr,
        )
    if args.recheck:
        done = review.recheck(stored, model=args.model)
        report = done.after
        print(recheck_json(done) if args.json else recheck_text(done))
    elif not args.play:
        print(stored_json(stored) if args.json else stored_text(stored))
    if args.play:
        from voiceclose.feedback import clock
        from voiceclose.playback import play

        moment = review.moment(stored, args.play)
        print(
            f"Playing {args.play} at {clock(moment.start_s)}: “{moment.evidence}”",
            file=sys.stderr,
            flush=True,
        )
        with _native_stderr_silenced():
            play(moment.samples, moment.rate)
    if args.html:
        page = _write_page(
            args.html,
            [report],
            [attempt.id],
            created_at=attempt.local_time,
            recording=Path(attempt.recording) if attempt.recording else None,
        )
        print(f"Report page: {page.path} ({_size(page.size_bytes)})", file=sys.stderr)
    return exit_status([report])


@contextlib.contextmanager
def _native_stderr_silenced():
    """PortAudio, ALSA and PulseAudio write their own diagnostics straight to file descriptor 2;
    keep those out of voiceclose's one-line messages, which still reach the terminal."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    ours = sys.stderr
    sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, errors="replace")
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr.close()
        os.dup2(saved, 2)
        os.close(saved)
        sys.stderr = ours


def _devices(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from voiceclose.devices import input_devices

    with _native_stderr_silenced():
        found = input_devices()
    if not found and not args.json:
        print("voiceclose: no microphones found", file=sys.stderr)
        return EXIT_FAILED
    for d in found:
        if args.json:
            print(json.dumps(dataclasses.asdict(d), ensure_ascii=False))
        else:
            mark = "*" if d.is_default else " "
            print(
                f"{mark} {d.index:>3}  {d.name}  "
                f"({d.channels} ch, {d.default_rate:g} Hz, {d.host_api})"
            )
    return EXIT_COMPLETE


def _practice(args: argparse.Namespace) -> int:
    import threading

    from voiceclose import scenarios
    from voiceclose.paths import recordings_dir
    from voiceclose.practice import STOPPED, practise
    from voiceclose.recorder import Recorder, RecordOptions
    from voiceclose.writers import WRITERS

    scenario = scenarios.find(args.prompt) if args.prompt else scenarios.choose()
    at_terminal = sys.stdin.isatty()
    show = sys.stderr if args.json else sys.stdout
    print(_scenario_text(scenario), file=show, flush=True)
    silence = args.stop_after_silence
    if silence is None and not at_terminal:
        silence = 4.0  # no Enter key to wait for: never record forever
    options = RecordOptions(
        out_dir=args.out or recordings_dir(),
        label=scenario.name,
        device=args.device,
        max_seconds=args.max_seconds,
        stop_after_silence_s=silence,
    )
    recorder = Recorder(options)
    outputs = _Outputs(args)
    if at_terminal:
        # the prompt goes to the terminal even when the report is redirected
        print(
            "Press Enter when you are ready to speak, and Enter again to stop. ",
            end="",
            file=sys.stderr,
            flush=True,
        )
        sys.stdin.readline()
        threading.Thread(
            target=lambda: (sys.stdin.readline(), recorder.stop("enter")), daemon=True
        ).start()
    meter = _Meter(scenario.suggested_seconds, args.max_seconds) if sys.stderr.isatty() else None

    def started(path, device, rate):
        print(
            f"Recording to {path} from {device.name!r}{' (Enter stops)' if at_terminal else ''}",
            file=sys.stderr,
            flush=True,
        )

    def stopped(recording):
        if meter:
            meter.clear()
        print(
            f"{STOPPED.get(recording.stopped_by, recording.stopped_by).capitalize()} "
            f"({recording.seconds:.1f} s). Checking...",
            file=sys.stderr,
            flush=True,
        )
        if recording.problem:
            print(f"voiceclose: {recording.problem}", file=sys.stderr, flush=True)

    try:
        with _native_stderr_silenced():
            done = practise(
                scenario,
                options,
                args.model,
                recorder=recorder,
                on_level=meter.show if meter else None,
                on_start=started,
                on_stopped=stopped,
            )
    except KeyboardInterrupt:
        print("voiceclose: interrupted while checking; the recording is saved", file=sys.stderr)
        return 130
    writer = WRITERS["json" if args.json else "text"]()
    _emit(writer, done.result, args.json)  # on screen first (it is saved beside the recording)
    outputs.add(done.result)
    outputs.finish()
    if done.recording.problem or not done.result.ok:
        return EXIT_FAILED
    return exit_status([done.result])


def _scenario_text(s) -> str:
    needs = "; ".join(n.what for n in s.needs)
    return (
        f"Scenario: {s.role} at {s.organisation} ({s.field}, {s.seniority.lower()})\n"
        f"What the role needs most: {needs}\n"
        f"{s.moment}\n"
        f"Close the interview: about {round(s.suggested_seconds)} seconds."
    )


class _Meter:
    """A one-line level meter and timer on the terminal."""

    WIDTH = 24

    def __init__(self, suggested_s: float, max_s: float):
        self.suggested_s, self.max_s = suggested_s, max_s

    def show(self, level) -> None:
        filled = max(0, min(self.WIDTH, int((level.level_dbfs + 60) / 60 * self.WIDTH)))
        bar = "█" * filled + "·" * (self.WIDTH - filled)
        elapsed = f"{int(level.elapsed_s) // 60}:{int(level.elapsed_s) % 60:02d}"
        target = f"{int(self.suggested_s) // 60}:{int(self.suggested_s) % 60:02d}"
        over = "  (past the suggested length)" if level.elapsed_s > self.suggested_s else ""
        note = f"  {level.warning}" if level.warning else over
        print(
            f"\r\033[K● {elapsed} / {target}  [{bar}] {level.level_dbfs:6.1f} dB{note}",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def clear(self) -> None:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
