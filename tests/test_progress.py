"""What changed since the previous attempt at the same scenario, for the report after try again."""

from __future__ import annotations

from voiceclose.app.progress import Snapshot, since
from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.check.engine import check
from voiceclose.results import ELEMENTS, Report


def report(text: str, wpm: float | None = 150.0) -> Report:
    result = check(transcript_from_text(text).words)
    return Report(
        source="x", kind="text", duration_s=None, transcript=text, model=None,
        elements=result.elements, missed=result.missed, extras=result.extras, feedback=None,
    )  # fmt: skip


def before(*heard: str, wpm: float | None = 150.0) -> Snapshot:
    return Snapshot("your last try", frozenset(heard), True, wpm, 0)


def test_says_what_was_done_this_time_and_what_went_missing():
    now = report("I really want this job. Do you have any concerns about hiring me?")
    lines = since(before("interest", "thanks"), now)
    assert lines[0] == "This time you asked the reservations question; thanks was missing."
    assert lines[1] == "Still missing: Fit."


def test_the_same_parts_again():
    now = report("I really want this job. Thank you for your time.")
    assert since(before("interest", "thanks"), now)[0].startswith("The same parts as before")


def test_two_parts_missing_this_time():
    now = report("I led the night team for five years. Do you have any concerns about hiring me?")
    assert since(before(*ELEMENTS), now)[0] == "This time interest, fit and thanks were missing."


def test_a_silent_try_is_not_what_the_next_one_is_compared_with(cli, user_home, tmp_path):
    from voiceclose.app.progress import latest_for

    spoken = tmp_path / "spoken.txt"
    spoken.write_text("I really want this job. Thank you for your time.")
    assert cli("check", "--text", spoken, "--scenario", "emergency-nurse").code == 1
    silent = tmp_path / "silent.wav"
    import numpy as np
    import soundfile as sf

    sf.write(silent, np.zeros(16000 * 3, np.float32), 16000)
    cli("check", silent, "--scenario", "emergency-nurse")
    stored = cli("history", "--json").json()
    assert [a["extras"].get("speech_heard") for a in stored][-1] is False  # the silent try
    latest = latest_for("emergency-nurse")
    assert latest is not None and latest.speech_heard
    assert latest.heard == frozenset({"interest", "thanks"})
