"""The answer to the interviewer's concern wherever a close appears: JSON in and out, the text
report, the history (its own rows and the trend per part)."""

from __future__ import annotations

import dataclasses

from voiceclose.app.answering import followup_from, run_answer
from voiceclose.app.checking import Checker, Item, Options
from voiceclose.report.history_text import attempts_table, trend_text
from voiceclose.report.writers import TextWriter
from voiceclose.results import Concern
from voiceclose.results_json import as_json, report_from_json
from voiceclose.store.history import open_for_reading, open_for_writing
from voiceclose.store.trend import trend

CLOSE = (
    "Thank you for your time today. I really want this role. Is there anything about my "
    "background that gives you pause about hiring me?"
)
ANSWER = (
    "That's fair. I've booked the Xero course for next month, so I'll be certified before I "
    "start. I'm confident I'd hit the ground running."
)
CONCERN = Concern("skills_gap", "You haven't used Xero, have you?")


def report_with_answer(tmp_path, answer: str = ANSWER):
    close, said = tmp_path / "close.txt", tmp_path / "answer.txt"
    close.write_text(CLOSE)
    said.write_text(answer)
    with Checker(Options(text=True)) as checker:
        report = checker.run(Item(str(close), close))
        answered = run_answer(checker, Item(str(said), said), CONCERN)
    return dataclasses.replace(report, followup=followup_from(answered, None))


def test_json_has_the_followup_object_and_reads_back(tmp_path):
    report = report_with_answer(tmp_path)
    data = as_json(report)
    f = data["followup"]
    assert f["concern"] == {"kind": "skills_gap", "text": CONCERN.text}
    assert set(f["elements"]) == {"acknowledge", "address", "high_note"}
    assert f["missed"] == [] and "recording" in f and f["transcript"].startswith("That's fair")
    assert "words" not in f  # details only with --explain
    again = report_from_json(as_json(report, explain=True))
    assert again.followup == report.followup
    assert "followup" not in as_json(dataclasses.replace(report, followup=None))


def test_the_text_report_shows_the_answer_after_the_close(tmp_path):
    text = TextWriter().result(report_with_answer(tmp_path, "I'm a fast learner."))
    close_part, answer_part = text.split("Your answer to the interviewer's concern:")
    assert "Interest" in close_part
    assert CONCERN.text in answer_part and "✗ Address" in answer_part


def test_the_history_keeps_each_answer_part_and_the_trend_counts_them(tmp_path):
    path = tmp_path / "history.db"
    with open_for_writing(path) as history:
        history.add(report_with_answer(tmp_path))
        history.add(report_with_answer(tmp_path, "I'm a fast learner. Sorry."))
        history.add(dataclasses.replace(report_with_answer(tmp_path), followup=None))
    with open_for_reading(path) as history:
        attempts = history.attempts()
        stored = history.get(attempts[0].id)
    assert attempts[0].followup["address"].found and not attempts[1].followup["address"].found
    assert attempts[2].followup is None and attempts[2].concern is None
    assert attempts[0].concern == CONCERN  # history --json carries it with the parts
    assert dataclasses.asdict(attempts[0])["concern"] == {
        "kind": "skills_gap",
        "text": CONCERN.text,
    }
    assert stored.report.followup.concern == CONCERN
    t = trend(attempts)
    assert t.answers == 2 and t.answer_found == {"acknowledge": 1, "address": 1, "high_note": 1}
    assert "answers to the interviewer's concern: acknowledge 1 of 2" in trend_text(t)
    table = attempts_table(attempts, len(attempts)).splitlines()
    assert table[1].endswith("int fit res tha   answer: ack adr hi")
    column = table[1].index("answer: ack") + len("answer: ")  # each mark under its name
    assert [row[column + 1 : column + 11 : 4] for row in table[2:]] == ["✓✓✓", "✗✗✗", "–"]
    assert "answer:" not in attempts_table(attempts[2:], 1)  # no answers: no columns for them


def test_the_close_s_saved_report_with_the_answer_stays_private(tmp_path):
    """with_followup rewrites the JSON beside the close's recording: 0600 whatever the umask,
    whole, and no temporary file left beside it."""
    import json
    import os
    import stat

    from voiceclose.app.followup import with_followup
    from voiceclose.app.scenarios import sidecar_path

    recording = tmp_path / "close.wav"
    recording.write_bytes(b"")
    sidecar = sidecar_path(recording)
    sidecar.write_text("{}")
    report = report_with_answer(tmp_path)
    old = os.umask(0o022)
    try:
        with_followup(
            dataclasses.replace(report, followup=None, recording=str(recording)), report.followup
        )
    finally:
        os.umask(old)
    assert stat.S_IMODE(sidecar.stat().st_mode) == 0o600
    assert json.loads(sidecar.read_text())["followup"]["concern"]["text"] == CONCERN.text
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def stored_as_practised(tmp_path, close, answer) -> int:
    """A close with its answer stored as practice stores them: both recorded by voiceclose."""
    report = report_with_answer(tmp_path)
    report = dataclasses.replace(
        report,
        recording=str(close),
        followup=dataclasses.replace(report.followup, recording=str(answer)),
    )
    with open_for_writing() as history:
        return history.add(report)


def test_history_delete_recordings_removes_the_answer_s_recording_too(cli, tmp_path):
    """The answer holds the candidate's voice as much as the close: history delete
    --recordings removes both recordings and the reports beside them."""
    close, answer = tmp_path / "close.wav", tmp_path / "close-answer.wav"
    for path in (close, answer, close.with_suffix(".json"), answer.with_suffix(".json")):
        path.write_bytes(b"")
    attempt_id = stored_as_practised(tmp_path, close, answer)
    run = cli("history", "delete", attempt_id, "--recordings", "--yes")
    assert run.code == 0, run.err
    assert "Deleted 1 attempt and 4 files." in run.out
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".wav", ".json")]


def test_the_review_counts_a_practised_attempt_s_recordings_still_on_disk(tmp_path):
    """The app's delete asks about "its 2 recordings (the close and your answer)" where
    practice made two: files_of counts, per attempt, the recordings still there."""
    from voiceclose.app.review import files_of

    close, answer = tmp_path / "close.wav", tmp_path / "close-answer.wav"
    for path in (close, answer):
        path.write_bytes(b"")
    attempt_id = stored_as_practised(tmp_path, close, answer)
    assert files_of([attempt_id]).recordings == {attempt_id: 2}
    answer.unlink()
    assert files_of([attempt_id]).recordings == {attempt_id: 1}


def test_review_play_takes_an_answer_part_as_it_is_written(cli, tmp_path):
    """--play high_note, "high note", High-Note: the same part (a typed answer has no
    recording, which is what it then says); a close's label works too."""
    with open_for_writing() as history:
        history.add(report_with_answer(tmp_path))
    for name in ("high_note", "high note", "High-Note", "Address"):
        run = cli("review", "--play", name)
        assert run.code == 3 and "the answer has no recording to play" in run.err, (name, run.err)
    run = cli("review", "--play", "reservations question")
    assert "no part called" not in run.err
    assert "no part called 'high notes'" in cli("review", "--play", "high notes").err


def test_history_csv_has_each_attempt_with_its_answer(cli, tmp_path):
    """history --csv: every matching attempt (not only the latest --limit), the close's parts,
    and for a practised close the concern and each part of the answer; 0600."""
    import csv
    import stat

    with open_for_writing() as history:
        history.add(report_with_answer(tmp_path))
        history.add(dataclasses.replace(report_with_answer(tmp_path), followup=None), tag="Alex")
    out = tmp_path / "history.csv"
    run = cli("history", "--csv", out, "--limit", "1")
    assert run.code == 0, run.err
    assert "Wrote 2 attempts" in run.err and stat.S_IMODE(out.stat().st_mode) == 0o600
    first, second = csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())
    assert first["concern_kind"] == "skills_gap" and first["concern"] == CONCERN.text
    assert first["answer_complete"] == "yes" and first["address"] == "found"
    assert "Xero course" in first["address_evidence"]
    assert first["interest"] == "found" and first["thanks"] == "found"
    assert second["tag"] == "Alex" and second["concern"] == "" and second["address"] == ""
    bad = cli("history", "--csv", tmp_path / "no" / "such" / "folder.csv")
    assert bad.code != 0 and bad.err.count("\n") == 1 and "cannot write" in bad.err


def test_an_answer_added_to_a_stored_close_as_the_app_does(tmp_path):
    import pytest

    from voiceclose.errors import AttemptNotFound

    path = tmp_path / "history.db"
    answered = report_with_answer(tmp_path)
    with open_for_writing(path) as history:
        attempt_id = history.add(dataclasses.replace(answered, followup=None))
        history.add_followup(attempt_id, answered)
        history.add_followup(attempt_id, answered)  # again: replaced, not doubled
        with pytest.raises(AttemptNotFound):
            history.add_followup(attempt_id + 1, answered)
    with open_for_reading(path) as history:
        (attempt,) = history.attempts()
        stored = history.get(attempt_id)
    assert attempt.followup["address"].found
    assert stored.report.followup == answered.followup
    assert trend([attempt]).answers == 1


def test_the_round_follows_only_a_close_in_which_something_was_said(tmp_path):
    from voiceclose.app.followup import round_follows

    said = dataclasses.replace(report_with_answer(tmp_path), followup=None)
    assert round_follows(said)
    silent = dataclasses.replace(said, words=[], transcript="", notes=["no speech heard"])
    assert not round_follows(silent)  # nothing for the interviewer to doubt
    assert not round_follows(dataclasses.replace(said, ok=False))


def test_an_unasked_round_voices_a_doubt_never_the_no_concerns_line():
    """A close without the reservations question hears a doubt the interviewer kept to
    themselves ("a concern the interviewer might not have said"), not "No, nothing comes to
    mind" (a stranger's electrician round); asked, any of the scenario's lines may come."""
    import random

    from voiceclose.app.followup import choose_concern
    from voiceclose.app.scenarios import available

    for scenario in available():
        kinds = {c.kind for c in scenario.concerns}
        assert "none" in kinds and len(kinds) > 1, scenario.name  # the test means something
        rng = random.Random(7)
        unasked = {choose_concern(scenario, asked=False, rng=rng).kind for _ in range(60)}
        assert "none" not in unasked, scenario.name
        asked = {choose_concern(scenario, asked=True, rng=rng).kind for _ in range(200)}
        assert "none" in asked, scenario.name
