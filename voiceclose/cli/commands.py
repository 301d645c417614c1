"""The commands besides practice: check, history, review, scenarios and devices. Each parses
nothing itself (``parser`` did), calls the app, and prints what comes back."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
from pathlib import Path

from voiceclose.audio.native import native_stderr_silenced
from voiceclose.cli.status import EXIT_COMPLETE, EXIT_FAILED, EXIT_USAGE, exit_status
from voiceclose.cli.terminal import fitted
from voiceclose.errors import UsageError
from voiceclose.report.wording import counted


def printable(text: str) -> str:
    """``text`` with control characters escaped (report.writers, imported when first needed so
    that --help stays instant)."""
    from voiceclose.report.writers import printable as escaped

    return escaped(text)


def check(args: argparse.Namespace) -> int:
    from voiceclose.app.checking import Checker, Item, Options, discover
    from voiceclose.report.writers import WRITERS

    if args.concern is not None or args.concern_kind is not None:
        return check_answers(args)
    scenario = None
    if args.scenario:
        from voiceclose.app.scenarios import find

        scenario = find(args.scenario)
    items = list(discover(args.paths, text=args.text))
    outputs = open_outputs(args)  # before the model loads: a problem caching it is told
    options = Options(
        model=args.model,
        last_minutes=args.last,
        text=args.text,
        scenario=scenario,
        semantic=not args.no_semantic,
    )
    writer = WRITERS["json" if args.json else "text"](explain=args.explain)
    with Checker(options) as checker:
        if any(isinstance(item, Item) for item in items):
            # transcripts alone (close.txt) need no Whisper: loading it took 2 s of each check
            checker.prefetch(audio=any(_audio(options, item) for item in items))
        results = [
            _check_one(checker, item, n, len(items), writer, outputs, args.json)
            for n, item in enumerate(items, 1)
        ]
    summary = writer.summary(results)
    if summary:
        print(summary, flush=True)
    finish_outputs(outputs)
    return exit_status(results)


def _audio(options, item) -> bool:
    """Whether ``item`` is checked as a recording (not a failure, not a transcript)."""
    from voiceclose.app.checking import Item, reads_as_text

    return isinstance(item, Item) and not reads_as_text(options, item)


def check_answers(args: argparse.Namespace) -> int:
    """check --concern: each input as an answer to the interviewer's concern. Answers checked on
    their own are not stored in the history (one line says so); --csv and --html are written."""
    from voiceclose.app.answering import guess_kind, run_answer
    from voiceclose.app.checking import Checker, Item, Options, discover
    from voiceclose.report.writers import WRITERS
    from voiceclose.results import Concern

    text = (args.concern or "").strip()
    if not text:
        print("voiceclose: error: --concern needs the interviewer's words", file=sys.stderr)
        return EXIT_USAGE
    concern = Concern(args.concern_kind or guess_kind(text), text)
    items = list(discover(args.paths, text=args.text))
    outputs = open_outputs(args, answers=True)
    if not args.no_history or args.tag:
        print(f"voiceclose: {NOT_STORED}" + (TAG_NOT_USED if args.tag else ""), file=sys.stderr)
    writer = WRITERS["json" if args.json else "text"](explain=args.explain)
    options = Options(model=args.model, text=args.text)
    with Checker(options) as checker:
        if any(isinstance(item, Item) for item in items):
            checker.prefetch(audio=any(_audio(options, item) for item in items))
        results = []
        for item in items:
            result = run_answer(checker, item, concern)
            add_output(outputs, result)
            emit(writer, result, args.json)
            results.append(result)
    summary = writer.summary(results)
    if summary:
        print(summary, flush=True)
    finish_outputs(outputs)
    return exit_status(results)


NOT_STORED = (
    "answers checked on their own (--concern) are not stored in your history: it keeps your "
    "closes, and the answers you give in voiceclose practice"
)
TAG_NOT_USED = "; --tag labels nothing here"


def _check_one(checker, item, n: int, total: int, writer, outputs, as_json: bool):
    show_progress = sys.stderr.isatty()  # a line while it works, gone once it is done
    if show_progress:
        doing = f"[{n}/{total}]" if total > 1 else "Checking"
        print(f"\r\033[K{doing} {printable(item.source)}", end="", file=sys.stderr, flush=True)
    result = checker.run(item)
    if show_progress:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    add_output(outputs, result)
    emit(writer, result, as_json)
    return result


def open_outputs(args: argparse.Namespace, answers: bool = False):
    from voiceclose.app.outputs import Outputs

    return Outputs(
        history=not args.no_history,
        csv_path=getattr(args, "csv", None),
        html=args.html,
        tag=getattr(args, "tag", None),
        answers=answers,
    )


def add_output(outputs, result) -> None:
    # stored before printed: a printed line is in the history
    tell(outputs.add(result))


def tell(warnings) -> None:
    for warning in warnings:
        print(f"voiceclose: {printable(warning)}", file=sys.stderr, flush=True)


def _samples(n: int) -> str:
    return "the bundled sample close is" if n == 1 else f"the {n} bundled sample closes are"


def finish_outputs(outputs) -> None:
    if outputs.samples_not_stored:
        print(
            f"voiceclose: {_samples(outputs.samples_not_stored)} demonstration material: "
            "not added to your history",
            file=sys.stderr,
            flush=True,
        )
    try:
        page = outputs.finish()
    finally:
        tell(outputs.warnings())
    if page is not None:
        print(page_line(page), file=sys.stderr)


def page_line(page) -> str:
    return f"Report page: {printable(str(page.path))} ({size_text(page.size_bytes)})"


def size_text(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def emit(writer, result, as_json: bool) -> None:
    text = writer.result(result)
    if not result.ok and not as_json:
        print(f"voiceclose: {text}", file=sys.stderr, flush=True)
    else:
        print(text if as_json else fitted(text), flush=True)
        if not as_json:
            print(flush=True)


def list_scenarios(args: argparse.Namespace) -> int:
    from voiceclose.app import scenarios

    listed = scenarios.available()
    width = max([24, *(len(s.name) for s in listed)])  # a long name of your own still aligns
    for s in listed:
        if args.json:
            row = {
                "name": s.name,
                "field": s.field,
                "seniority": s.seniority,
                "role": s.role,
                "organisation": s.organisation,
                "interviewer": s.interviewer,
                "needs": [n.what for n in s.needs],
                "own": s.own,
                "concerns": [{"kind": c.kind, "text": c.text} for c in s.concerns],
            }
            print(json.dumps(row, ensure_ascii=False))
        else:
            kind = f"{s.field} ({s.seniority})" if s.field else "your own"
            mark = "*" if s.own else " "
            print(f"{mark} {s.name:<{width}} {kind}: {s.role}, {s.organisation}")
    if not args.json and any(s.own for s in listed):
        print("* your own (voiceclose scenario new; scenario remove NAME deletes one)")
    return EXIT_COMPLETE


def history(args: argparse.Namespace) -> int:
    from voiceclose.app.review import attempts, trend
    from voiceclose.report.history_text import attempt_json, attempts_table, trend_text

    listing = attempts(args.scenario, args.since, args.until, tag=args.tag)
    if listing is None:
        if not args.json:  # --json: no objects
            print("No attempts yet: voiceclose check and voiceclose practice add them.")
        return EXIT_COMPLETE
    if listing.damaged:
        numbers = ", ".join(str(n) for n in listing.damaged)
        print(
            f"voiceclose: note: left out {counted(len(listing.damaged), 'damaged attempt')} the "
            f"history cannot read: {numbers}",
            file=sys.stderr,
        )
    matching = listing.attempts
    shown = matching[-args.limit :] if args.limit else matching
    if args.csv:
        from voiceclose.app.review import export_csv

        rows = export_csv(args.csv, matching)
        print(f"Wrote {counted(rows, 'attempt')} to {printable(str(args.csv))}", file=sys.stderr)
    if args.json:
        for attempt in shown:
            print(attempt_json(attempt))
        return EXIT_COMPLETE
    if not matching:
        print(_no_match(args))
        return EXIT_COMPLETE
    columns = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    print(attempts_table(shown, len(matching), args.scenario, args.tag, width=columns))
    print()
    print(trend_text(trend(matching)))
    return EXIT_COMPLETE


def _no_match(args: argparse.Namespace) -> str:
    """Why nothing matched, naming the scenarios and tags there are when one was asked for."""
    from voiceclose.app.review import attempts

    listing = attempts()
    every = listing.attempts if listing else []
    lines = []
    if args.scenario and all(a.scenario != args.scenario for a in every):
        names = sorted({a.scenario for a in every if a.scenario})
        there = ", ".join(names) if names else "none yet"
        lines.append(
            f"No attempts for the scenario {args.scenario!r}; scenarios with attempts: {there}."
        )
    if args.tag and all(a.tag != args.tag for a in every):
        tags = sorted({a.tag for a in every if a.tag})
        lines.append(
            f"No attempts tagged {args.tag!r}; tags there are: {', '.join(tags) or 'none yet'}."
        )
    return "\n".join(lines) or "No attempts match."  # each filter matched, but not together


def history_delete(args: argparse.Namespace) -> int:
    from voiceclose.app.review import delete_attempts, files_of

    ids = list(dict.fromkeys(args.ids))
    found = files_of(ids) if args.recordings else None
    files, kept = (found.deletable, found.kept) if found else ([], [])
    if files and not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                "--recordings deletes files: confirm with --yes when not at a terminal"
            )
        shown = "\n".join(f"  {f}" for f in files)
        print(f"These files will be deleted:\n{shown}", file=sys.stderr)
        answer = input(
            f"Delete {counted(len(ids), 'attempt')} and {counted(len(files), 'file')}? [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return EXIT_COMPLETE
    removed, problems = delete_attempts(ids, files)
    print(
        f"Deleted {counted(removed, 'attempt')}"
        + (f" and {counted(len(files) - len(problems), 'file')}." if files else ".")
    )
    for f in kept:
        print(f"Kept {f}: a file you checked is yours; voiceclose deletes only what it recorded.")
    for problem in problems:
        print(f"voiceclose: {problem}", file=sys.stderr)
    return EXIT_FAILED if problems else EXIT_COMPLETE


def review(args: argparse.Namespace) -> int:
    from voiceclose.app import review as reviewing
    from voiceclose.report.history_text import recheck_json, recheck_text, stored_json, stored_text
    from voiceclose.report.page import check_target
    from voiceclose.results import clock

    if args.html:
        check_target(args.html)
    stored = reviewing.load(args.attempt)
    attempt, report = stored.attempt, stored.report
    if (args.play or args.recheck) and reviewing.recording_changed(stored):
        print(
            f"voiceclose: note: {printable(attempt.recording)} has changed since attempt "
            f"{attempt.id} was checked",
            file=sys.stderr,
        )
    if args.recheck:
        done = reviewing.recheck(stored, model=args.model)
        report = done.after
        print(recheck_json(done) if args.json else recheck_text(done))
    elif not args.play:
        print(stored_json(stored) if args.json else stored_text(stored))
    if args.play:
        moment = reviewing.moment(stored, args.play)
        print(
            printable(f"Playing {moment.element} at {clock(moment.start_s)}: “{moment.evidence}”"),
            file=sys.stderr,
            flush=True,
        )
        with native_stderr_silenced():
            reviewing.play(moment)
    if args.html:
        from voiceclose.app.pages import write_page

        page = write_page(
            args.html,
            [report],
            [attempt.id],
            created_at=attempt.local_time,
            recording=Path(attempt.recording) if attempt.recording else None,
        )
        print(page_line(page), file=sys.stderr)
    return exit_status([report])


def devices(args: argparse.Namespace) -> int:
    from voiceclose.app.practise import microphones

    with native_stderr_silenced():
        found = microphones()
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
