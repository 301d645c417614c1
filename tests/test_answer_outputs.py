"""`voiceclose check --concern` writes what a user asks for: --csv one row per answer (the three
parts' found/evidence/time, the concern's kind and text), --html the page of answers; nothing is
stored in the history, and one line says so (and that --tag labels nothing)."""

from __future__ import annotations

import csv
import stat

import pytest

from voiceclose.evaluate.speak import Effects, Voice, render
from voiceclose.store.history import history_path

CONCERN = "You haven't used Salesforce, have you?"
GOOD = (
    "That's a fair concern. I haven't used Salesforce, but I've booked the admin course for "
    "next month and I'll have the certificate before I start. I'm confident I'd be up to speed "
    "quickly, and I'd really love to join the team."
)
VAGUE = "I'm a fast learner. Sorry."
PARTS = ("acknowledge", "address", "high_note")


def answers(tmp_path):
    good, vague = tmp_path / "good.txt", tmp_path / "vague.txt"
    good.write_text(GOOD)
    vague.write_text(VAGUE)
    return good, vague


def test_csv_has_one_row_per_answer_with_its_parts_and_the_concern(cli, tmp_path):
    good, vague = answers(tmp_path)
    out = tmp_path / "answers.csv"
    missing = tmp_path / "missing.txt"
    run = cli("check", "--text", good, vague, missing, "--concern", CONCERN, "--csv", out)
    assert run.code == 3, run.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["source"] for r in rows] == [str(good), str(vague), str(missing)]
    first, second, failed = rows
    assert first["concern_kind"] == "skills_gap" and first["concern"] == CONCERN
    assert first["complete"] == "yes" and all(first[p] == "found" for p in PARTS)
    assert "admin course" in first["address_evidence"] and first["address_at_s"] == ""
    assert second["complete"] == "no" and second["address"] == "missed"
    assert set(second["missed"].split()) == {"acknowledge", "address", "high_note"}
    assert failed["ok"] == "no" and failed["error"]
    assert "interest" not in rows[0]  # the close's columns are not there


def test_html_is_the_page_of_answers(cli, tmp_path):
    good, vague = answers(tmp_path)
    close = tmp_path / "close.txt"
    close.write_text("I really want this role. Thank you for your time.")
    assert cli("check", "--text", close).code == 1  # a close in the history: it has a chart
    page = tmp_path / "answers.html"
    run = cli("check", "--text", good, vague, "--concern", CONCERN, "--html", page)
    assert run.code == 1, run.err
    assert "Report page:" in run.err
    html = page.read_text()
    assert "Answers to the interviewer&#x27;s concern: 2 inputs" in html
    assert "<h2>All answers</h2>" in html and 'id="input-1"' in html and 'id="input-2"' in html
    assert html.count('data-element="address"') >= 4  # a column in the table, an item each
    assert "Salesforce" in html and "fast learner" in html and "Try:" in html
    assert 'class="history' not in html  # no chart of closes on a page of answers


def test_answers_are_not_stored_and_one_line_says_so(cli, tmp_path):
    good, _ = answers(tmp_path)
    run = cli("check", "--text", good, "--concern", CONCERN, "--tag", "Alex")
    assert run.code == 0, run.err
    [line] = [x for x in run.err.splitlines() if "not stored" in x]
    assert "your history" in line and "--tag labels nothing" in line
    assert not history_path().exists() or cli("history").out.startswith("No attempts")
    quiet = cli("check", "--text", good, "--concern", CONCERN, "--no-history")
    assert "not stored" not in quiet.err  # asked for no history: nothing to say


@pytest.mark.slow
def test_an_audio_answer_on_the_page_has_its_waveform_and_player(cli, tmp_path):
    """A spoken answer checked with --concern: the page embeds it (player, waveform with a marker
    per part heard) and the CSV has each part's time."""
    answer = tmp_path / "answer.wav"
    render(GOOD, Voice.parse("flite:slt"), Effects(pad=(0.2, 0.5)), answer)
    page, rows = tmp_path / "answer.html", tmp_path / "answer.csv"
    run = cli("check", answer, "--concern", CONCERN, "--html", page, "--csv", rows)
    assert run.code in (0, 1), run.err
    html = page.read_text()
    assert html.count("<audio") == 1 and html.count('<svg class="wave"') == 1
    assert "data:audio/" in html and 'class="jump" data-seek=' in html
    [row] = csv.DictReader(rows.read_text(encoding="utf-8-sig").splitlines())
    assert row["kind"] == "audio" and row["model"] == "tiny.en"
    found = [p for p in PARTS if row[p] == "found"]
    assert found and all(float(row[f"{p}_at_s"]) >= 0 for p in found)
