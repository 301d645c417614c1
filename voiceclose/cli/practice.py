"""voiceclose practice at the terminal: the scenario, Enter to start and stop, the live meter,
then the report."""

from __future__ import annotations

import argparse
import sys

from voiceclose.cli.commands import add_output, emit, finish_outputs, open_outputs
from voiceclose.cli.status import EXIT_FAILED, EXIT_INTERRUPTED, exit_status
from voiceclose.cli.terminal import Meter, native_stderr_silenced
from voiceclose.defaults import UNATTENDED_SILENCE_STOP_S


def run(args: argparse.Namespace) -> int:
    """voiceclose practice: show a scenario, record a close, check it, report."""
    import threading

    from voiceclose.app import scenarios
    from voiceclose.app.practise import STOPPED, practise
    from voiceclose.audio.recorder import Recorder, RecordOptions
    from voiceclose.paths import recordings_dir
    from voiceclose.report.writers import WRITERS

    scenario = scenarios.find(args.prompt) if args.prompt else scenarios.choose()
    at_terminal = sys.stdin.isatty()
    show = sys.stderr if args.json else sys.stdout
    print(_scenario_text(scenario), file=show, flush=True)
    silence = args.stop_after_silence
    if silence is None and not at_terminal:
        silence = UNATTENDED_SILENCE_STOP_S  # no Enter key to wait for: never record forever
    options = RecordOptions(
        out_dir=args.out or recordings_dir(),
        label=scenario.name,
        device=args.device,
        max_seconds=args.max_seconds,
        stop_after_silence_s=silence,
    )
    recorder = Recorder(options)
    outputs = open_outputs(args)
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
    meter = Meter(scenario.suggested_seconds) if sys.stderr.isatty() else None

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
        with native_stderr_silenced():
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
        return EXIT_INTERRUPTED
    writer = WRITERS["json" if args.json else "text"]()
    emit(writer, done.result, args.json)  # on screen first (it is saved beside the recording)
    add_output(outputs, done.result)
    finish_outputs(outputs)
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
