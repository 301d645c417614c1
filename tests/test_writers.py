"""The text report, drawn from a Report (logic only: a typed transcript, no model)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from voiceclose.app.checking import Checker, Item, Options
from voiceclose.report.writers import WRITERS
from voiceclose.results import Feedback

CLOSE = (
    "I really want this job. You said you need someone to run the night shift, and I have led "
    "night shifts for four years. Is there anything about my experience that worries you about "
    "hiring me? Thank you for your time today."
)


def _report(tmp_path: Path):
    path = tmp_path / "close.txt"
    path.write_text(CLOSE)
    return Checker(Options(text=True)).run(Item(str(path), path))


def test_report_praises_each_part_found(tmp_path):
    report = _report(tmp_path)
    text = WRITERS["text"]().result(report)
    assert report.feedback.praise and all(p in text for p in report.feedback.praise)


def test_stored_report_whose_praise_does_not_match_still_prints(tmp_path):
    report = _report(tmp_path)
    found = [e for e, r in report.elements.items() if r.found]
    assert len(found) == 4
    stored = dataclasses.replace(
        report, feedback=Feedback(praise=["only one"], tips=[], notes=report.feedback.notes)
    )
    text = WRITERS["text"]().result(stored)
    assert "only one" not in text
    assert text.count("✓") == 4


def test_no_speech_is_said_once_and_asks_after_the_microphone_only_for_a_practice_take(tmp_path):
    report = _report(tmp_path)
    extras = dataclasses.replace(report.extras, speech_heard=False)
    silent = dataclasses.replace(report, kind="audio", extras=extras, notes=["no speech heard"])
    text = WRITERS["text"]().result(silent)
    assert "No speech heard, so nothing could be checked." in text
    assert "note: no speech heard" not in text and "microphone" not in text  # a user's file
    take = WRITERS["text"]().result(dataclasses.replace(silent, recording="/tmp/take.wav"))
    assert "Is the right microphone on?" in take


def test_where_nothing_was_found_the_words_heard_are_shown(tmp_path, cli):
    """A close or an answer that missed every part quotes what was heard (a wrong transcription
    can then be told from a miss); one with evidence to quote does not repeat it all."""
    said = "Well, that was a nice chat about the weather today."
    nothing = tmp_path / "nothing.txt"
    nothing.write_text(said)
    close = cli("check", "--text", "--no-history", nothing)
    assert f'Heard: "{said}"' in close.out
    answer = cli("check", "--text", "--concern", "You have never used SAP, have you?", nothing)
    assert f'Heard: "{said}"' in answer.out
    assert "Heard:" not in WRITERS["text"]().result(_report(tmp_path))
    from voiceclose.report.wording import heard

    long = heard("word " * 100)
    assert len(long) <= 202 and long.endswith(" …")


def test_an_interviewer_with_no_concerns_is_not_shown_as_a_concern(tmp_path, cli):
    thanks = tmp_path / "thanks.txt"
    thanks.write_text("That's great to hear, thank you so much. I'd love to join the team.")
    line = "No, I think you've covered everything, thanks."
    run = cli("check", "--text", "--concern", line, "--concern-kind", "none", thanks)
    assert f'The interviewer has no concerns: "{line}"' in run.out
    assert "Concern (" not in run.out
