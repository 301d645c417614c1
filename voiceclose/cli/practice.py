"""voiceclose practice at the terminal: the scenario, Enter to start and stop, the live meter,
then the report."""

from __future__ import annotations

import argparse
import sys
import threading

from voiceclose.cli.commands import add_output, emit, finish_outputs, open_outputs
from voiceclose.cli.status import EXIT_FAILED, EXIT_INTERRUPTED, exit_status
from voiceclose.cli.terminal import Meter, native_stderr_silenced
from voiceclose.defaults import UNATTENDED_SILENCE_STOP_S
from voiceclose.errors import VoicecloseError


def run(args: argparse.Namespace) -> int:
    """voiceclose practice: show a scenario, record a close, check it, report."""
    from voiceclose.app import scenarios
    from voiceclose.app.practise import Practice, record_options
    from voiceclose.report.writers import WRITERS

    scenario = scenarios.find(args.prompt) if args.prompt else scenarios.choose()
    at_terminal = sys.stdin.isatty()
    print(_scenario_text(scenario), file=sys.stderr if args.json else sys.stdout, flush=True)
    silence = args.stop_after_silence
    if silence is None and not at_terminal:
        silence = UNATTENDED_SILENCE_STOP_S  # no Enter key to wait for: never record forever
    options = record_options(scenario, args.out, args.device, args.max_seconds, silence)
    outputs = open_outputs(args)
    meter = Meter(scenario.suggested_seconds) if sys.stderr.isatty() else None
    try:
        with native_stderr_silenced(), Practice(scenario, options, args.model) as practice:
            practice.prepare()  # microphone, speech detection, model: before "speak now"
            if at_terminal:
                _wait_for_enter(practice)
            done = practice.record(
                on_level=meter.show if meter else None,
                on_start=_cue(at_terminal),
                on_stopped=_stopped(meter),
            )
    except KeyboardInterrupt:
        print("voiceclose: interrupted; any recording is saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    writer = WRITERS["json" if args.json else "text"]()
    if not args.json:
        emit(writer, done.result, False)  # on screen first (it is saved beside the recording)
    result, answer_failed = done.result, False
    if done.result.ok and not args.no_followup:
        result, answer_failed = _followup(args, scenario, options, done.result, at_terminal)
    if args.json:
        emit(writer, result, True)
    add_output(outputs, result)
    finish_outputs(outputs)
    if done.recording.problem or not result.ok or answer_failed:
        return EXIT_FAILED
    followup_missed = result.followup is not None and result.followup.missed
    return exit_status([result]) or (1 if followup_missed else 0)


def _followup(args, scenario, options, report, at_terminal: bool):
    """The follow-up round, right after the close's report: the interviewer's concern is spoken
    and printed, the answer recorded and checked. Returns the report with the answer in it, and
    whether the round failed (a line has then been printed)."""
    from voiceclose.app.followup import run_round, with_followup
    from voiceclose.report.answer_text import followup_lines

    meter = Meter(30.0) if sys.stderr.isatty() else None

    def say(concern) -> None:
        out = sys.stderr if args.json else sys.stdout  # looked up now: stderr is swapped
        print(f'\n{scenario.interviewer}: "{concern.text}"', file=out, flush=True)

    def answer_cue(path, device, rate) -> None:
        stop = "Enter stops" if at_terminal else "a pause stops"
        print(
            f"● Answer now. Recording to {path} from {device.name!r}; {stop}.",
            file=sys.stderr,
            flush=True,
        )

    def enter_stops(round_) -> None:
        if round_.spoken and round_.spoken.problem:
            print(f"(not spoken aloud: {round_.spoken.problem})", file=sys.stderr, flush=True)
        if at_terminal:
            threading.Thread(
                target=lambda: (sys.stdin.readline(), round_.stop("enter")), daemon=True
            ).start()

    try:
        with native_stderr_silenced():
            done = run_round(
                scenario,
                options,
                args.model,
                on_concern=say,
                before_answer=enter_stops,
                on_level=meter.show if meter else None,
                on_start=answer_cue,
                on_stopped=_stopped(meter),
            )
    except VoicecloseError as e:
        print(f"voiceclose: the follow-up round could not run: {e}", file=sys.stderr)
        return report, True
    except KeyboardInterrupt:  # before the answer's recording began: the close still counts
        print("voiceclose: follow-up round interrupted; the close is kept", file=sys.stderr)
        return report, False
    if done.followup is None:
        print(f"voiceclose: the answer could not be checked: {done.problem}", file=sys.stderr)
        return report, True
    if not args.json:
        print("\n".join(followup_lines(done.followup)), flush=True)
    return with_followup(report, done.followup), False


def _wait_for_enter(practice) -> None:
    """The microphone is already listening: Enter starts the file (with the moment before it),
    a second Enter stops it. The prompt goes to the terminal even when the report is
    redirected."""
    print(
        "Press Enter when you are ready to speak, and Enter again to stop. ",
        end="",
        file=sys.stderr,
        flush=True,
    )
    sys.stdin.readline()
    threading.Thread(
        target=lambda: (sys.stdin.readline(), practice.stop("enter")), daemon=True
    ).start()


def _cue(at_terminal: bool):
    def started(path, device, rate) -> None:
        stop = "; Enter stops" if at_terminal else ""
        print(
            f"● Speak now. Recording to {path} from {device.name!r}{stop}.",
            file=sys.stderr,
            flush=True,
        )

    return started


def _stopped(meter):
    from voiceclose.app.practise import STOPPED

    def stopped(recording) -> None:
        if meter:
            meter.clear()
        how = STOPPED.get(recording.stopped_by, recording.stopped_by)
        print(
            f"{how[0].upper()}{how[1:]} ({recording.seconds:.1f} s). Checking...",
            file=sys.stderr,
            flush=True,
        )
        if recording.problem:
            print(f"voiceclose: {recording.problem}", file=sys.stderr, flush=True)

    return stopped


def _scenario_text(s) -> str:
    needs = "; ".join(n.what for n in s.needs)
    return (
        f"Scenario: {s.role} at {s.organisation} ({s.field}, {s.seniority.lower()})\n"
        f"What the role needs most: {needs}\n"
        f"{s.moment}\n"
        f"Close the interview: about {round(s.suggested_seconds)} seconds."
    )
