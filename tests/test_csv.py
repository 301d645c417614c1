"""Coach export: `voiceclose check DIR --csv FILE` writes one row per input, errors included, and
never a cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from voiceclose.report.writers import CSV_COLUMNS
from voiceclose.results import ELEMENTS

from .test_cli import COMPLETE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:  # Excel wants the byte-order mark
        assert f.readline().startswith("source,ok,error,")
        f.seek(0)
        return list(csv.DictReader(f))


def test_one_row_per_input_with_each_part_and_the_errors(checked_batch):
    assert checked_batch.csv.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read(checked_batch.csv)
    assert len(rows) == len(checked_batch.results) == 5
    assert list(rows[0]) == list(CSV_COLUMNS)
    for row, result in zip(rows, checked_batch.results, strict=True):
        assert row["source"] == result["source"]
        if not result["ok"]:
            assert (
                row["ok"] == "no" and row["error"] == result["error"] == "no such file or directory"
            )
            assert all(row[c] == "" for c in CSV_COLUMNS if c not in ("source", "ok", "error"))
            continue
        assert row["ok"] == "yes" and row["error"] == "" and row["kind"] == "audio"
        assert row["model"] == "tiny.en" and float(row["duration_s"]) == result["duration_s"]
        assert row["complete"] == ("yes" if result["missed"] == [] else "no")
        assert row["missed"].split() == result["missed"]
        for element in ELEMENTS:
            e = result["elements"][element]
            assert row[element] == ("found" if e["found"] else "missed")
            assert row[f"{element}_evidence"] == (e["evidence"] or "")
            assert row[f"{element}_at_s"] == ("" if e["start_s"] is None else str(e["start_s"]))
        extras = result["extras"]
        assert float(row["words_per_minute"]) == extras["words_per_minute"]
        assert int(row["fillers"]) == extras["fillers"]
        assert row["next_steps"] == ("yes" if extras["next_steps"] else "no")
        assert row["overconfident"] == ("yes" if extras["overconfident"] else "no")


@pytest.mark.slow
def test_a_folder_with_cells_that_look_like_formulas(cli, tmp_path, monkeypatch):
    folder = tmp_path / "closes"
    folder.mkdir()
    (folder / "=HYPERLINK(1).txt").write_text(
        "=1+1 I really want this job. Thank you for your time."
    )
    (folder / "+cmd.txt").write_text(
        "@SUM(1) Thanks for your time. -I would love to join the team."
    )
    (folder / "plain.txt").write_text(COMPLETE)
    (folder / "empty.txt").write_text("  \n")
    monkeypatch.chdir(folder)  # sources as given, relative: "=HYPERLINK(1).txt"
    out = tmp_path / "coach.csv"
    names = ["+cmd.txt", "=HYPERLINK(1).txt", "empty.txt", "plain.txt", "=missing.txt"]
    run = cli("check", "--text", "--csv", out, "--", *names)
    assert run.code == 3
    rows = read(out)
    assert [r["source"].lstrip("'") for r in rows] == names
    assert [r["ok"] for r in rows] == ["yes", "yes", "no", "yes", "no"]
    assert rows[2]["error"] == "the transcript is empty"
    assert rows[4]["error"] == "no such file or directory"
    # what the user's files put in a cell is shown as typed, never run
    assert rows[0]["source"] == "'+cmd.txt" and rows[1]["source"] == "'=HYPERLINK(1).txt"
    assert rows[4]["source"] == "'=missing.txt"
    assert rows[1]["interest_evidence"] == "'=1+1 I really want this job."
    assert rows[0]["thanks_evidence"] == "'@SUM(1) Thanks for your time."
    assert rows[0]["interest_evidence"] == "'-I would love to join the team."
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_STARTS), (column, cell)
    # the same folder given as a folder: one row per file found
    run = cli("check", "--text", folder, "--csv", out)
    assert [Path(r["source"]).name for r in read(out)] == sorted(
        p.name for p in folder.iterdir() if p.suffix == ".txt"
    )


def test_csv_that_cannot_be_written_is_one_line_before_any_checking(cli, user_home, tmp_path):
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    for target in (tmp_path / "no-such-folder" / "coach.csv", tmp_path):
        run = cli("check", "--text", close, "--csv", target)
        assert run.code == 3 and run.out == ""
        assert run.err.count("\n") == 1 and run.err.startswith(f"voiceclose: cannot write {target}")
    assert not (user_home / "data" / "history.db").exists()
