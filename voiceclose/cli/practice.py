"""voiceclose practice at the terminal: the scenario, Enter to start and stop, the live line
(timer, the parts heard so far, the level), the report, what changed since the last attempt at
the scenario, and Enter to try again (q quits).

Each step of an attempt is a function of its own (``_one_attempt``, ``_report``,
``_since_last``, ``_again``), so another round (a follow-up question) can go in after the report.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import queue
import sys
import threading

from voiceclose.cli.commands import add_output, emit, finish_outputs, open_outputs, printable
from voiceclose.cli.status import (
    EXIT_COMPLETE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_MISSED,
    exit_status,
)
from voiceclose.cli.terminal import Meter, fitted, native_stderr_silenced
from voiceclose.defaults import UNATTENDED_SILENCE_STOP_S
from voiceclose.errors import VoicecloseError

KEY_POLL_S = 0.1  # how often the Enter-to-stop thread looks whether the recording has ended
ANSWER_SUGGESTED_S = 30.0  # an answer to the interviewer's concern: about half a minute
QUIT_WORDS = ("q", "quit")  # typed (any case) at a prompt instead of Enter: the session ends
UNATTENDED_NO_SPEECH_STOP_S = 20.0  # with no Enter key to stop it, a recording in which nothing
# is said for this long from its start ends (a script that does not answer the concern)
UNATTENDED_PRE_ROLL_S = 10.0  # with no Enter key to wait for, the close is all that is heard from
# the moment the microphone opens (speech detection loads for seconds before the cue)
QUIT = "quit"  # what _one_attempt returns when the person quit instead of starting


def run(args: argparse.Namespace) -> int:
    """voiceclose practice: show a scenario, record a close, check it, report; at a terminal,
    again and again until q."""
    from voiceclose.app import scenarios

    scenario = scenarios.find(args.scenario) if args.scenario else scenarios.choose()
    at_terminal = sys.stdin.isatty()
    keys = Keys() if at_terminal else None
    out = sys.stderr if args.json else sys.stdout
    print(fitted(_scenario_text(scenario), out), file=out, flush=True)
    outputs = open_outputs(args)
    previous = _latest_stored(scenario, outputs)
    status = EXIT_COMPLETE  # quitting before any attempt: nothing failed
    try:
        for attempt in itertools.count(1):
            if attempt > 1:
                print(fitted(f"\nTry {attempt}: {scenario.moment}"), flush=True)
            done = _one_attempt(args, scenario, keys)
            if done is None:
                return EXIT_INTERRUPTED
            if done is QUIT:  # q instead of Enter to start: as q after the report
                return status
            result, answer_failed, previous, interrupted = _report(
                args, scenario, done, outputs, keys, previous
            )
            if interrupted:  # Ctrl-C stopped the close or the round: reported, and that is all
                print(f"voiceclose: interrupted ({interrupted})", file=sys.stderr)
                return EXIT_INTERRUPTED
            status = _status(done, result, answer_failed)
            if keys is None or args.json or not _again(keys):
                return status
    finally:
        finish_outputs(outputs)


def _one_attempt(args, scenario, keys):
    """Record and check one close; None when Ctrl-C ended it before there was a report, QUIT
    when the person quit at "Press Enter when you are ready"."""
    from voiceclose.app.practise import Practice

    options = _record_options(args, scenario, keys is not None)
    if keys is None:  # nothing says "ready": what is heard once the microphone opens is the close
        options = dataclasses.replace(options, pre_roll_s=UNATTENDED_PRE_ROLL_S)
    try:
        with native_stderr_silenced(), Practice(scenario, options, args.model) as practice:
            meter = _meter(practice)
            if keys is not None:  # from here an Enter is for this close, even one typed before
                keys.clear()  # the prompt shows (the microphone takes a moment to open)
            practice.prepare()  # microphone, speech detection, model: before "speak now"
            ended = threading.Event()
            if keys is not None and not _wait_for_enter(practice, keys, ended):
                return QUIT
            try:
                return practice.record(
                    on_level=meter.show if meter else None,
                    on_start=_cue(keys is not None),
                    on_stopped=_stopped(meter),
                )
            finally:
                ended.set()
    except KeyboardInterrupt:
        print("voiceclose: interrupted (anything recorded is saved)", file=sys.stderr)
        return None


def _report(args, scenario, done, outputs, keys, previous):
    """The close's report on screen with what changed since ``previous``, then the follow-up
    round (unless --no-followup, or Ctrl-C stopped the close), then the attempt stored; returns
    the result (the answer in it), whether the round failed, the attempt to compare the next one
    with, and what is saved if Ctrl-C stopped the close or the round (else None)."""
    from voiceclose.app.followup import round_follows
    from voiceclose.report.writers import WRITERS

    writer = WRITERS["json" if args.json else "text"]()
    if not args.json:
        emit(writer, done.result, False)  # on screen first (it is saved beside the recording)
    previous = _since_last(args, previous, done)  # about the close, before the round
    result, answer_failed = done.result, False
    interrupted = "the close is saved" if _interrupted(done.recording) else None
    if round_follows(done.result) and not args.no_followup and not interrupted:
        options = _record_options(args, scenario, keys is not None)
        result, answer_failed, interrupted = _followup(args, scenario, options, done.result, keys)
    if args.json:
        emit(writer, result, True)
    add_output(outputs, result)
    return result, answer_failed, previous, interrupted


def _latest_stored(scenario, outputs):
    """The latest attempt at ``scenario`` in the history, to compare the first report with."""
    from voiceclose.app.progress import latest_for

    return latest_for(scenario.name) if outputs.keeper.enabled else None


def _since_last(args, previous, done):
    """Say what changed since the previous attempt at the scenario; returns the attempt to
    compare the next one with."""
    from voiceclose.app.progress import from_report, since
    from voiceclose.results import Report

    if not isinstance(done.result, Report):
        return previous
    if previous is not None and not args.json:
        lines = since(previous, done.result)
        print(fitted(f"Since {previous.label}: " + " ".join(lines)), flush=True)
        print(flush=True)
    now = from_report(done.result)
    if not now.speech_heard:  # nothing said: the next try is compared with the last real one
        return previous
    return now


def _interrupted(recording) -> bool:
    """Whether Ctrl-C stopped ``recording`` (it is still reported, but nothing follows it)."""
    return recording is not None and recording.stopped_by == "ctrl-c"


def _status(done, result, answer_failed: bool) -> int:
    if done.recording.problem or not result.ok or answer_failed:
        return EXIT_FAILED
    followup_missed = result.followup is not None and result.followup.missed
    return exit_status([result]) or (EXIT_MISSED if followup_missed else EXIT_COMPLETE)


def _record_options(args, scenario, at_terminal: bool):
    """How the close and the answer are recorded (with no Enter key to wait for, a pause
    stops them: never record forever)."""
    from voiceclose.app.practise import record_options

    silence = args.stop_after_silence
    if silence is None and not at_terminal:
        silence = UNATTENDED_SILENCE_STOP_S
    nobody = None if at_terminal else UNATTENDED_NO_SPEECH_STOP_S  # nobody there to answer
    return record_options(scenario, args.out, args.device, args.max_seconds, silence, nobody)


def _followup(args, scenario, options, report, keys):
    """The follow-up round, right after the close's report: the interviewer's concern is spoken
    and printed, the answer recorded and checked (at a terminal, Enter stops it: read from
    ``keys``, the one reader of the terminal). Returns the report with the answer in it, whether
    the round failed (a line has then been printed), and what is saved if Ctrl-C stopped it."""
    from voiceclose.app.followup import UNASKED_NOTE, question_asked, run_round, with_followup
    from voiceclose.report.answer_text import followup_lines

    at_terminal = keys is not None
    meter = Meter(ANSWER_SUGGESTED_S, parts=False) if sys.stderr.isatty() else None
    ended = threading.Event()

    asked = question_asked(report)

    def say(concern) -> None:
        out = sys.stderr if args.json else sys.stdout  # looked up now: stderr is swapped
        if not asked:  # as the app's page says it: why a concern comes unasked
            print(fitted(f"\n{UNASKED_NOTE}", out), file=out)
        print(fitted(f'\n{scenario.interviewer}: "{concern.text}"', out), file=out, flush=True)

    def answer_cue(path, device, rate) -> None:
        stop = "Enter stops" if at_terminal else "a pause stops"
        print(f"● Answer now; {stop}.\n{_recording_to(path, device)}", file=sys.stderr, flush=True)

    def enter_stops(round_) -> None:
        if round_.spoken and round_.spoken.problem:
            print(f"(not spoken aloud: {round_.spoken.problem})", file=sys.stderr, flush=True)
        if at_terminal:
            keys.clear()  # an Enter pressed while the report printed stops nothing
            threading.Thread(target=_stop_on_enter, args=(round_, keys, ended), daemon=True).start()

    try:
        with native_stderr_silenced():
            done = run_round(
                scenario,
                options,
                args.model,
                asked=asked,
                on_concern=say,
                before_answer=enter_stops,
                on_level=meter.show if meter else None,
                on_start=answer_cue,
                on_stopped=_stopped(meter, ended),
            )
    except VoicecloseError as e:
        print(f"voiceclose: the follow-up round could not run: {e}", file=sys.stderr)
        return report, True, None
    except KeyboardInterrupt:  # before the answer's recording began: the close still counts
        return report, False, "the close is saved"
    finally:
        ended.set()
    stopped = "the close and your answer are saved" if _interrupted(done.recording) else None
    if done.followup is None:
        print(f"voiceclose: the answer could not be checked: {done.problem}", file=sys.stderr)
        return report, True, stopped
    if not args.json:
        print(fitted("\n".join(followup_lines(done.followup))), flush=True)
    return with_followup(report, done.followup), False, stopped


def _again(keys: Keys) -> bool:
    """Enter: another attempt at the same scenario; q (or the end of input): stop."""
    print("Press Enter to try again, or q and Enter to quit. ", end="", file=sys.stderr, flush=True)
    return not _quits(keys.next())


def _quits(line: str | None) -> bool:
    """Whether a line typed at a prompt asks to quit (q or quit, or the end of input)."""
    return line is None or line.strip().lower() in QUIT_WORDS


class Keys:
    """Lines typed at the terminal, read by one thread for the whole session: the Enter that
    stops a recording and the answer to "try again?" come from the same place, so a recording
    stopped another way (the time limit) leaves no reader waiting to swallow the next line."""

    def __init__(self):
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            line = sys.stdin.readline()
            self._lines.put(line if line else None)
            if not line:
                return

    def next(self, timeout: float | None = None) -> str | None:
        """The next line (None at the end of input); queue.Empty after ``timeout``."""
        line = self._lines.get(timeout=timeout)
        if line is None:
            self._lines.put(None)  # the end of input stays the end
        return line

    def clear(self) -> None:
        """Forget lines typed before now (an Enter pressed while the report was printing)."""
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                return
            if line is None:
                self._lines.put(None)
                return


def _meter(practice) -> Meter | None:
    """The live line (timer, the parts heard so far, level), at a terminal only."""
    if not sys.stderr.isatty():
        return None
    return Meter(practice.scenario.suggested_seconds, heard=lambda: practice.heard)


def _stop_on_enter(recording, keys: Keys, ended: threading.Event) -> None:
    """Stop ``recording`` (a Practice or a follow-up round) at the next Enter, unless it has
    ended another way first (then the next line is left for "try again?")."""
    while not ended.is_set():
        try:
            keys.next(timeout=KEY_POLL_S)
        except queue.Empty:
            continue
        recording.stop("enter")
        return


def _wait_for_enter(practice, keys: Keys, ended: threading.Event) -> bool:
    """The microphone is already listening: Enter starts the file (with the moment before it),
    a second Enter stops it; an Enter typed since the attempt began counts. q (as after the
    report) starts nothing: False. The prompt goes to the terminal even when the report is
    redirected."""
    # a line of its own: whether the terminal echoes the Enter or not, the cue starts a new line
    print(
        "Press Enter when you are ready to speak, and Enter again to stop.",
        file=sys.stderr,
        flush=True,
    )
    if _quits(keys.next()):
        return False
    threading.Thread(target=_stop_on_enter, args=(practice, keys, ended), daemon=True).start()
    return True


def _cue(at_terminal: bool):
    def started(path, device, rate) -> None:
        stop = "; Enter stops" if at_terminal else ""
        print(f"● Speak now{stop}.\n{_recording_to(path, device)}", file=sys.stderr, flush=True)

    return started


def _recording_to(path, device) -> str:
    """Where the recording goes, on a line of its own under the cue: a long path wraps there, not
    through "Speak now"."""
    return f"  Recording to {printable(str(path))} from {device.name!r}."


def _stopped(meter, ended: threading.Event | None = None):
    from voiceclose.app.practise import STOPPED

    def stopped(recording) -> None:
        if ended is not None:
            ended.set()  # an Enter from now on is for what comes next
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
    kind = f" ({s.field}, {s.seniority.lower()})" if s.field else ""
    return (
        f"Scenario: {s.role} at {s.organisation}{kind}\n"
        f"What the role needs most: {needs}\n"
        f"{s.moment}\n"
        f"Close the interview: about {round(s.suggested_seconds)} seconds."
    )
