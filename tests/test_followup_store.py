"""The answer to the interviewer's concern wherever a close appears: JSON in and out, the text
report, the history (its own rows and the trend per part)."""

from __future__ import annotations

import dataclasses

from voiceclose.app.answering import followup_from, run_answer
from voiceclose.app.checking import Checker, Item, Options
from voiceclose.report.writers import TextWriter, trend_text
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
    assert attempts[2].followup is None
    assert stored.report.followup.concern == CONCERN
    t = trend(attempts)
    assert t.answers == 2 and t.answer_found == {"acknowledge": 1, "address": 1, "high_note": 1}
    assert "answers to the interviewer's concern: acknowledge 1 of 2" in trend_text(t)


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
