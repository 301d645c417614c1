"""The commands besides practice: check, history, review, prompts and devices. Each parses
nothing itself (``parser`` did), calls the app, and prints what comes back."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from voiceclose.cli.status import EXIT_COMPLETE, EXIT_FAILED, exit_status
from voiceclose.cli.terminal import native_stderr_silenced


def check(args: argparse.Namespace) -> int:
    from voiceclose.app.checking import Checker, Item, Options, discover
    from voiceclose.report.writers import WRITERS

    scenario = None
    if args.scenario:
        from voiceclose.app.scenarios import find

        scenario = find(args.scenario)
    items = list(discover(args.paths, text=args.text))
    options = Options(
        model=args.model,
        last_minutes=args.last,
        text=args.text,
        scenario=scenario,
        semantic=not args.no_semantic,
    )
    checker = Checker(options)
    if any(isinstance(item, Item) for item in items):
        checker.prefetch()
    writer = WRITERS["json" if args.json else "text"](explain=args.explain)
    outputs = open_outputs(args)
    results = []
    show_progress = sys.stderr.isatty() and len(items) > 1
    for n, item in enumerate(items, 1):
        if show_progress:
            print(f"\r\033[K[{n}/{len(items)}] {item.source}", end="", file=sys.stderr, flush=True)
        result = checker.run(item)
        if show_progress:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
        results.append(result)
        add_output(outputs, result)
        emit(writer, result, args.json)
    summary = writer.summary(results)
    if summary:
        print(summary, flush=True)
    finish_outputs(outputs)
    return exit_status(results)


def open_outputs(args: argparse.Namespace):
    from voiceclose.app.outputs import Outputs

    return Outputs(history=not args.no_history, csv_path=getattr(args, "csv", None), html=args.html)


def add_output(outputs, result) -> None:
    warning = outputs.add(result)  # stored before printed: a printed line is in the history
    if warning:
        print(f"voiceclose: {warning}", file=sys.stderr, flush=True)


def finish_outputs(outputs) -> None:
    page = outputs.finish()
    if page is not None:
        print(f"Report page: {page.path} ({size_text(page.size_bytes)})", file=sys.stderr)


def size_text(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def emit(writer, result, as_json: bool) -> None:
    text = writer.result(result)
    if not result.ok and not as_json:
        print(f"voiceclose: {text}", file=sys.stderr, flush=True)
    else:
        print(text, flush=True)
        if not as_json:
            print(flush=True)


def prompts(args: argparse.Namespace) -> int:
    from voiceclose.app import scenarios

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


def history(args: argparse.Namespace) -> int:
    from voiceclose.app.review import attempts, trend
    from voiceclose.report.writers import attempt_json, attempts_table, trend_text

    matching = attempts(args.scenario, args.since, args.until)
    if matching is None:
        if not args.json:  # --json: no objects
            print("No attempts yet: voiceclose check and voiceclose practice add them.")
        return EXIT_COMPLETE
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


def review(args: argparse.Namespace) -> int:
    from voiceclose.app import review as reviewing
    from voiceclose.report.page import check_target
    from voiceclose.report.writers import recheck_json, recheck_text, stored_json, stored_text
    from voiceclose.results import clock

    if args.html:
        check_target(args.html)
    stored = reviewing.load(args.attempt)
    attempt, report = stored.attempt, stored.report
    if (args.play or args.recheck) and reviewing.recording_changed(stored):
        print(
            f"voiceclose: note: {attempt.recording} has changed since attempt {attempt.id} "
            "was checked",
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
            f"Playing {args.play} at {clock(moment.start_s)}: “{moment.evidence}”",
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
        print(f"Report page: {page.path} ({size_text(page.size_bytes)})", file=sys.stderr)
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
