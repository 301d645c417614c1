"""`voiceclose practice` at a terminal, with a fake microphone: what each line typed does (Enter,
q) and what Ctrl-C during the close ends. The real audio path is in test_practice.py."""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.audio.recorder import Recording
from voiceclose.check.engine import check
from voiceclose.check.feedback import feedback_for
from voiceclose.errors import VoicecloseError
from voiceclose.results import Report

SCENARIO = "emergency-nurse"
CLOSE = "Thank you for your time. I really want this job. Do you have any concerns about hiring me?"
# no fit in it: each attempt's status is 1 (something missed)


class Typed:
    """Lines typed at the terminal, in place of cli.practice.Keys: the prompts (Enter to start,
    try again?) read them in order; the thread waiting for the Enter that stops a recording
    gets none (the fake recording stops on its own). After the last line, the end of input."""

    def __init__(self, lines: list[str]):
        self.lines = list(lines)

    def next(self, timeout: float | None = None) -> str | None:
        if timeout is not None:
            time.sleep(timeout)
            raise queue.Empty
        return self.lines.pop(0) if self.lines else None

    def clear(self) -> None:
        pass


class Terminal:
    """Standard input at a terminal."""

    def isatty(self) -> bool:
        return True


@dataclass
class Desk:
    """The fakes' record: each close recorded, and each follow-up round started."""

    stopped_by: str = "enter"  # how every fake close ends
    closes: list[Path] = field(default_factory=list)
    rounds: list[str] = field(default_factory=list)


@pytest.fixture
def desk(monkeypatch) -> Desk:
    """Practice with no microphone, model or voice: each close 'records' at once and is reported
    on CLOSE; a follow-up round is noted and fails to run."""
    import sys

    from voiceclose.app import followup, practise

    desk = Desk()

    class FakePractice:
        def __init__(self, scenario, options, model):
            self.scenario, self.options, self.heard = scenario, options, ()

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

        def prepare(self):
            pass

        def stop(self, reason="enter"):
            pass

        def record(self, on_level=None, on_start=None, on_stopped=None):
            path = self.options.out_dir / f"close-{len(desk.closes) + 1}.wav"
            desk.closes.append(path)
            recording = Recording(path, 30.0, 16000, "fake", desk.stopped_by, 0, True)
            if on_stopped:
                on_stopped(recording)
            result = check(transcript_from_text(CLOSE).words)
            report = Report(
                source=str(path), kind="audio", duration_s=30.0, transcript=CLOSE,
                model="tiny.en", elements=result.elements, missed=result.missed,
                extras=result.extras, feedback=feedback_for(result, self.scenario), recording=str(path), prompt=SCENARIO,
            )  # fmt: skip
            return practise.PracticeResult(recording, report, None)

    def no_round(scenario, *args, **kwargs):
        desk.rounds.append(scenario.name)
        raise VoicecloseError("no voice in this test")

    monkeypatch.setattr(practise, "Practice", FakePractice)
    monkeypatch.setattr(followup, "run_round", no_round)
    monkeypatch.setattr(sys, "stdin", Terminal())
    return desk


def practice(cli, monkeypatch, tmp_path, lines, *args):
    from voiceclose.cli import practice as command

    monkeypatch.setattr(command, "Keys", lambda: Typed(lines))
    return cli("practice", "--scenario", SCENARIO, "--out", tmp_path, *args)


@pytest.mark.parametrize("quit", ["q\n", "Q\n", " quit \n", "QUIT\n", None])
def test_q_at_the_next_attempts_prompt_quits_with_the_last_attempts_status(
    desk, cli, monkeypatch, tmp_path, quit
):
    """After a report, Enter shows the scenario again; q (or the end of input) at its "Press
    Enter when you are ready" prompt quits, as it does after the report, and records nothing."""
    lines = ["\n", "\n"] + ([quit] if quit else [])  # start, try again, then quit
    run = practice(cli, monkeypatch, tmp_path, lines, "--no-followup")
    assert len(desk.closes) == 1, run.err
    assert run.code == 1  # the last attempt's: fit was missed
    assert "Try 2" in run.out and "Press Enter when you are ready" in run.err


def test_q_after_the_report_quits_with_the_same_status(desk, cli, monkeypatch, tmp_path):
    run = practice(cli, monkeypatch, tmp_path, ["\n", "q\n"], "--no-followup")
    assert len(desk.closes) == 1 and run.code == 1
    assert "Try 2" not in run.out


def test_q_before_any_attempt_quits_recording_nothing(desk, cli, monkeypatch, tmp_path):
    run = practice(cli, monkeypatch, tmp_path, ["q\n"], "--no-followup")
    assert desk.closes == [] and run.code == 0
    assert "Checking" not in run.err


def test_ctrl_c_during_the_close_reports_it_and_ends_the_session(desk, cli, monkeypatch, tmp_path):
    """Ctrl-C while the close is recorded stops it and still reports; then the session ends:
    no follow-up round, no "try again", exit status 130 as for a Ctrl-C anywhere, and the
    attempt is in the history."""
    desk.stopped_by = "ctrl-c"
    run = practice(cli, monkeypatch, tmp_path, ["\n", "\n", "\n", "\n"])
    assert run.code == 130, run.err
    assert "Stopped with Ctrl-C" in run.err and "Done well" in run.out  # reported
    assert desk.rounds == [] and len(desk.closes) == 1
    assert "try again" not in run.err
    [stored] = cli("history", "--json").json()
    assert stored["scenario"] == SCENARIO and stored["recording"] == str(tmp_path / "close-1.wav")


def test_ctrl_c_during_the_close_ends_the_session_with_json_too(desk, cli, monkeypatch, tmp_path):
    desk.stopped_by = "ctrl-c"
    run = practice(cli, monkeypatch, tmp_path, ["\n"], "--json")
    assert run.code == 130 and desk.rounds == []
    [report] = run.json()
    assert report["recording"] == str(tmp_path / "close-1.wav") and "followup" not in report


def test_without_a_terminal_ctrl_c_during_the_close_ends_it_too(desk, cli, monkeypatch, tmp_path):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO())  # no terminal: no prompts at all
    desk.stopped_by = "ctrl-c"
    run = cli("practice", "--scenario", SCENARIO, "--out", tmp_path, "--json")
    assert run.code == 130 and desk.rounds == [] and len(run.json()) == 1


def test_a_close_stopped_with_enter_still_gets_its_round(desk, cli, monkeypatch, tmp_path):
    run = practice(cli, monkeypatch, tmp_path, ["\n", "q\n"])
    assert desk.rounds == [SCENARIO]
    assert "the follow-up round could not run" in run.err and run.code == 3


@pytest.mark.parametrize("how", ["before the answer", "during the answer"])
def test_ctrl_c_in_the_follow_up_round_ends_the_session_too(desk, cli, monkeypatch, tmp_path, how):
    """Ctrl-C while the interviewer speaks, or while the answer is recorded (which stops that
    recording, as for the close): the close is kept and the session ends, with no "try again"."""
    from voiceclose.app import followup
    from voiceclose.results import Concern

    def interrupted_round(scenario, *args, **kwargs):
        desk.rounds.append(scenario.name)
        if how == "before the answer":
            raise KeyboardInterrupt
        answer = Recording(tmp_path / "answer.wav", 2.0, 16000, "fake", "ctrl-c", 0, True)
        spoken = followup.Spoken(False, "no voice in this test", None)
        concern = Concern("gap", "Tell me about the gap in 2021.")
        return followup.RoundResult(concern, spoken, answer, None, "no speech heard", None)

    monkeypatch.setattr(followup, "run_round", interrupted_round)
    run = practice(cli, monkeypatch, tmp_path, ["\n", "\n", "\n"])
    assert run.code == 130, run.err
    assert desk.rounds == [SCENARIO] and len(desk.closes) == 1
    saved = "the close is saved" if how == "before the answer" else "your answer are saved"
    assert f"{saved})" in run.err and "Try 2" not in run.out
    [stored] = cli("history", "--json").json()
    assert stored["recording"] == str(tmp_path / "close-1.wav")
