"""The history: every checked close stored in SQLite in the user directory, `voiceclose history`,
numbered migrations, and a database that survives two batches at once, a killed process, a newer
voiceclose and a read-only user directory."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from voiceclose.app.checking import Checker, Item, Options
from voiceclose.app.scenarios import find
from voiceclose.results import ANSWER_PARTS, ELEMENTS
from voiceclose.store import migrations
from voiceclose.store.history import open_for_writing

from .conftest import DATA, ROOT
from .test_cli import COMPLETE, PARTIAL

NO_FIT = "I really want this job. Is there anything that gives you pause about hiring me? Thank you for your time."


def rows(database: Path, sql: str, params=()) -> list[tuple]:
    with closing(sqlite3.connect(database)) as conn, conn:
        return conn.execute(sql, params).fetchall()


def user_version(database: Path) -> int:
    return rows(database, "PRAGMA user_version")[0][0]


def transcripts(folder: Path, count: int) -> Path:
    """``count`` typed closes in ``folder``, complete and partial in turn."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"{n:04d}.txt").write_text((COMPLETE, PARTIAL, NO_FIT)[n % 3])
    return folder


def voiceclose(*args, **kwargs) -> subprocess.Popen:
    """`python -m voiceclose ARGS` in its own process (the environment's VOICECLOSE_HOME)."""
    return subprocess.Popen(
        [sys.executable, "-m", "voiceclose", *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        **kwargs,
    )


# --- what is stored ---------------------------------------------------------------------------


def test_check_stores_every_checked_close_with_its_details(checked_batch):
    assert checked_batch.code == 3, checked_batch.err  # the missing file, and only it, failed
    assert [r["ok"] for r in checked_batch.results] == [True, True, False, True, True]
    database = checked_batch.database
    assert database == checked_batch.home / "data" / "history.db" and database.is_file()
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.row_factory = sqlite3.Row
        stored = conn.execute("SELECT * FROM attempts ORDER BY id").fetchall()
    # one attempt per checked close; the input that could not be checked is not an attempt
    assert len(stored) == len(checked_batch.checked) == 4
    before = datetime.now().astimezone()
    for attempt, result in zip(stored, checked_batch.checked, strict=True):
        assert attempt["source"] == result["source"] and attempt["kind"] == "audio"
        assert attempt["recording"] == os.path.abspath(result["source"])
        assert Path(attempt["recording"]).stat().st_size == attempt["recording_size"]
        assert attempt["scenario"] is None  # a sample has no practice scenario
        assert attempt["model"] == "tiny.en"
        duration = attempt["duration_s"]
        assert duration == result["duration_s"] > 10
        assert bool(attempt["complete"]) == (result["missed"] == [])
        assert json.loads(attempt["missed"]) == result["missed"]
        wpm = attempt["words_per_minute"]
        assert wpm == result["extras"]["words_per_minute"] and 60 < wpm < 260
        assert attempt["fillers"] == result["extras"]["fillers"]
        assert json.loads(attempt["extras"]) == result["extras"]
        when = datetime.fromisoformat(attempt["created_at"])
        assert when.tzinfo is not None and timedelta(0) <= before - when < timedelta(hours=2)
        whole = json.loads(attempt["report"])  # the whole report, with the words and their times
        assert whole["transcript"] == result["transcript"] and len(whole["words"]) > 20
        parts = rows(
            database,
            "SELECT element, found, score, evidence, start_s, end_s FROM elements "
            "WHERE attempt_id = ? ORDER BY element",
            (attempt["id"],),
        )
        assert {p[0] for p in parts} == set(ELEMENTS)
        for name, found, score, evidence, start_s, end_s in parts:
            expected = result["elements"][name]
            assert (bool(found), score, evidence) == (
                expected["found"],
                expected["score"],
                expected["evidence"],
            )
            assert (start_s, end_s) == (expected["start_s"], expected["end_s"])
            if found:
                assert evidence and 0 <= start_s < end_s <= duration + 0.5
    # the batch shows a trend: something missed first, complete at the end
    complete = [r["missed"] == [] for r in checked_batch.checked]
    assert not all(complete) and any(complete), [r["missed"] for r in checked_batch.checked]


def test_history_json_gives_one_object_per_attempt(cli, batch_history, checked_batch):
    run = cli("history", "--json")
    assert run.code == 0, run.err
    attempts = run.json()
    assert [a["id"] for a in attempts] == [1, 2, 3, 4]
    for attempt, result in zip(attempts, checked_batch.checked, strict=True):
        assert attempt["source"] == result["source"] and attempt["model"] == "tiny.en"
        assert attempt["recording"] == os.path.abspath(result["source"])
        assert attempt["duration_s"] == result["duration_s"]
        assert attempt["complete"] == (result["missed"] == [])
        assert attempt["missed"] == result["missed"]
        assert attempt["words_per_minute"] == result["extras"]["words_per_minute"]
        assert attempt["fillers"] == result["extras"]["fillers"]
        assert attempt["extras"] == result["extras"]
        stored = ("found", "score", "evidence", "start_s", "end_s")  # each part's columns
        assert {n: {k: e[k] for k in stored} for n, e in attempt["elements"].items()} == {
            n: {k: e[k] for k in stored} for n, e in result["elements"].items()
        }
        datetime.fromisoformat(attempt["created_at"])
    # --limit applies to --json too: the latest ones
    assert [a["id"] for a in cli("history", "--json", "--limit", "2").json()] == [3, 4]


def test_history_table_and_trend(cli, batch_history, checked_batch):
    run = cli("history")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    results = checked_batch.checked
    rows_shown = [line for line in lines if line[:5].strip().isdigit()]
    assert len(rows_shown) == 4
    for line, result, id_ in zip(rows_shown, results, (1, 2, 3, 4), strict=True):
        assert line.split()[0] == str(id_)
        assert Path(result["source"]).name[:29] in line  # long names are cut short
        marks = line.split()[-4:]
        assert marks == ["✓" if result["elements"][e]["found"] else "✗" for e in ELEMENTS]
        assert str(round(result["extras"]["words_per_minute"])) in line
    complete = [r["missed"] == [] for r in results]
    in_a_row = 0
    for c in reversed(complete):
        if not c:
            break
        in_a_row += 1
    assert f"complete closes: {sum(complete)} of 4; {in_a_row} in a row now" in run.out
    missed = {e: sum(e in r["missed"] for r in results) for e in ELEMENTS}
    most = max(ELEMENTS, key=lambda e: missed[e])
    label = {"interest": "Interest", "fit": "Fit", "reservations": "Reservations question"}
    assert f"most often missed: {label.get(most, 'Thanks')} ({missed[most]} of 4)" in run.out
    pace = " ".join(str(round(r["extras"]["words_per_minute"])) for r in results)
    assert f"words per minute, oldest to newest: {pace}" in run.out
    # --limit shows fewer, and says so; the trend still covers all
    run = cli("history", "--limit", "1")
    assert "The latest 1 of 4" in run.out and "Trend over 4 attempts" in run.out


def _store(path: Path, text: str, scenario: str | None, when: datetime) -> int:
    """Check a typed close (against a scenario) and store it as made at ``when``."""
    path.write_text(text)
    checker = Checker(Options(text=True, scenario=find(scenario) if scenario else None))
    report = checker.run(Item(str(path), path))
    with open_for_writing() as history:
        return history.add(report, when=when)


@pytest.mark.slow
def test_history_filters_by_scenario_and_day(cli, tmp_path):
    days = [date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3), date(2024, 3, 3)]
    scenarios = ["emergency-nurse", "head-chef", "emergency-nurse", None]
    for n, (day, scenario) in enumerate(zip(days, scenarios, strict=True)):
        noon = datetime(day.year, day.month, day.day, 12).astimezone()  # local time
        assert _store(tmp_path / f"{n}.txt", COMPLETE, scenario, noon) == n + 1

    def ids(*args) -> list[int]:
        run = cli("history", "--json", *args)
        assert run.code == 0, run.err
        return [a["id"] for a in run.json()]

    assert ids() == [1, 2, 3, 4]
    assert ids("--scenario", "emergency-nurse") == [1, 3]
    assert {a["scenario"] for a in cli("history", "--json", "--scenario", "head-chef").json()} == {
        "head-chef"
    }
    assert ids("--since", "2024-03-02") == [2, 3, 4]
    assert ids("--until", "2024-03-02") == [1, 2]
    assert ids("--since", "2024-03-03", "--until", "2024-03-03") == [3, 4]
    assert ids("--scenario", "emergency-nurse", "--since", "2024-03-02") == [3]
    assert ids("--since", "today") == []
    table = cli("history", "--scenario", "emergency-nurse")
    assert "emergency-nurse" in table.out and "Trend over 2 attempts" in table.out
    assert "head-chef" not in table.out
    nothing = cli("history", "--scenario", "no-such-scenario")
    assert nothing.code == 0 and "No attempts match." not in nothing.out  # the reason alone
    assert nothing.out.startswith("No attempts for the scenario 'no-such-scenario'")
    assert "scenarios with attempts: emergency-nurse, head-chef" in nothing.out
    both = cli("history", "--scenario", "head-chef", "--since", "2024-03-03")
    assert both.code == 0 and both.out.strip() == "No attempts match.", both.out
    bad = cli("history", "--since", "March")
    assert bad.code == 2 and "not a date (YYYY-MM-DD)" in bad.err and "Traceback" not in bad.err


def test_history_before_anything_was_stored(cli, user_home):
    run = cli("history")
    assert run.code == 0 and "No attempts yet" in run.out
    run = cli("history", "--json")
    assert run.code == 0 and run.out == ""  # no objects: still valid JSON Lines
    assert not (user_home / "data" / "history.db").exists()  # looking creates nothing


# --- where it is stored, and when not ---------------------------------------------------------


@pytest.mark.slow
def test_no_history_stores_nothing(cli, user_home, tmp_path):
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    database = user_home / "data" / "history.db"
    run = cli("check", "--text", close, "--no-history", "--json")
    assert run.code == 0 and run.json()[0]["ok"] and not database.exists()
    assert cli("check", "--text", close).code == 0  # without the flag it is stored
    assert rows(database, "SELECT count(*) FROM attempts") == [(1,)]
    cli("check", "--text", close, close, "--no-history")
    assert rows(database, "SELECT count(*) FROM attempts") == [(1,)]


@pytest.mark.slow
def test_voiceclose_home_moves_the_database(cli, tmp_path, monkeypatch):
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    monkeypatch.delenv("VOICECLOSE_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    assert cli("check", "--text", close).code == 0
    default = tmp_path / "xdg" / "voiceclose" / "history.db"
    assert rows(default, "SELECT count(*) FROM attempts") == [(1,)]
    monkeypatch.setenv("VOICECLOSE_HOME", str(tmp_path / "elsewhere"))
    assert cli("check", "--text", close, close).code == 0
    moved = tmp_path / "elsewhere" / "data" / "history.db"
    assert rows(moved, "SELECT count(*) FROM attempts") == [(2,)]
    assert rows(default, "SELECT count(*) FROM attempts") == [(1,)]
    assert [a["id"] for a in cli("history", "--json").json()] == [1, 2]


def test_practice_is_stored_with_its_scenario_and_its_page(mic, cli, tmp_path):
    from .test_practice import COMPLETE as SPOKEN
    from .test_practice import PROMPT, Practice

    env = {**os.environ, "XDG_RUNTIME_DIR": mic.env["XDG_RUNTIME_DIR"]}
    page = tmp_path / "practice.html"
    run = Practice(["--out", tmp_path, "--json", "--max-seconds", 90, "--html", page], env)
    recording = run.recording_path()
    mic.play(SPOKEN).wait(timeout=60)
    code, out, err = run.finish()
    assert code in (0, 1), err
    report = json.loads(out)
    [attempt] = cli("history", "--json", "--scenario", PROMPT).json()
    assert attempt["scenario"] == PROMPT and attempt["recording"] == str(recording)
    assert attempt["source"] == str(recording) and attempt["kind"] == "audio"
    assert attempt["duration_s"] == report["duration_s"] > 25
    assert {k: v["found"] for k, v in attempt["elements"].items()} == {
        k: v["found"] for k, v in report["elements"].items()
    }
    assert attempt["words_per_minute"] == report["extras"]["words_per_minute"]
    text = page.read_text()
    assert f"scenario {PROMPT}" in text and "data:audio/" in text and 'class="marker"' in text
    assert "Your last attempts" in text  # the history the practice was just added to
    # --no-history on practice stores nothing
    run = Practice(["--out", tmp_path, "--json", "--max-seconds", 3, "--no-history"], env)
    run.recording_path()
    code, _, err = run.finish()
    assert code in (0, 1, 3), err
    assert len(cli("history", "--json").json()) == 1


# --- versions ---------------------------------------------------------------------------------


def _load_version_1(database: Path) -> None:
    database.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.executescript((DATA / "history_v1.sql").read_text())
    assert user_version(database) == 1


def test_a_version_1_database_opens_and_is_upgraded(cli, user_home):
    database = user_home / "data" / "history.db"
    _load_version_1(database)
    attempts = cli("history", "--json").json()
    assert [(a["id"], a["source"], a["complete"]) for a in attempts] == [
        (1, "partial.txt", False),
        (2, "nofit.txt", False),
        (3, "complete.txt", True),
    ]
    assert attempts[0]["missed"] == ["fit", "reservations"]
    assert attempts[0]["elements"]["thanks"]["evidence"] == "Thanks for your time."
    assert user_version(database) == len(migrations.MIGRATIONS)
    assert [a["id"] for a in cli("history", "--json", "--until", "2024-05-10").json()] == [1, 2]
    review = cli("review", "2")
    assert review.code == 1 and "Attempt 2" in review.out and "Fit" in review.out
    # and new attempts go on after the old ones
    close = user_home / "close.txt"
    close.write_text(COMPLETE)
    assert cli("check", "--text", close).code == 0
    assert [a["id"] for a in cli("history", "--json").json()] == [1, 2, 3, 4]


def test_later_migrations_upgrade_an_older_database_in_order(cli, user_home, monkeypatch):
    database = user_home / "data" / "history.db"
    _load_version_1(database)
    later = (
        *migrations.MIGRATIONS,
        ("ALTER TABLE attempts ADD COLUMN coach_note TEXT",),
        (  # needs the column the one before added: they must run in order
            "UPDATE attempts SET coach_note = 'seen'",
            "CREATE INDEX attempts_by_note ON attempts (coach_note)",
        ),
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", later)
    assert len(cli("history", "--json").json()) == 3
    assert user_version(database) == len(later)
    assert rows(database, "SELECT DISTINCT coach_note FROM attempts") == [("seen",)]
    close = user_home / "close.txt"
    close.write_text(PARTIAL)
    assert cli("check", "--text", close).code == 1
    assert rows(database, "SELECT count(*) FROM attempts") == [(4,)]


def test_an_empty_database_file_is_set_up(cli, user_home, tmp_path):
    # what a first run killed before it created anything leaves behind
    database = user_home / "data" / "history.db"
    database.parent.mkdir()
    database.write_bytes(b"")
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    assert cli("check", "--text", close).code == 0
    assert rows(database, "SELECT count(*) FROM attempts") == [(1,)]


def test_a_database_from_a_newer_voiceclose_is_one_line_and_left_alone(
    cli, batch_history, tmp_path
):
    newer = len(migrations.MIGRATIONS) + 1
    with closing(sqlite3.connect(batch_history)) as conn, conn:
        conn.execute(f"PRAGMA user_version = {newer}")
    before = batch_history.read_bytes()
    for command in (["history"], ["history", "--json"], ["review"], ["review", "1"]):
        run = cli(*command)
        assert run.code == 3 and run.out == "", command
        assert run.err.count("\n") == 1 and run.err.startswith("voiceclose: ")
        assert str(batch_history) in run.err and "newer voiceclose" in run.err
    # check still checks and reports; the history is not touched, and it says so once
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    run = cli("check", "--text", close, close, "--json")
    assert run.code == 0 and [r["ok"] for r in run.json()] == [True, True]
    assert run.err.count("\n") == 1
    assert "history not saved" in run.err and "newer voiceclose" in run.err
    assert user_version(batch_history) == newer
    assert rows(batch_history, "SELECT count(*) FROM attempts") == [(4,)]
    assert batch_history.read_bytes() == before


def test_a_file_that_is_not_a_history_is_one_line(cli, user_home, tmp_path):
    database = user_home / "data" / "history.db"
    database.parent.mkdir()
    database.write_text("my notes, saved in the wrong place\n" * 200)
    run = cli("history")
    assert run.code == 3 and run.err.count("\n") == 1 and str(database) in run.err
    assert "not a voiceclose history database" in run.err
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    run = cli("check", "--text", close)
    assert run.code == 0 and "All four parts" in run.out
    assert run.err.count("\n") == 1 and "history not saved" in run.err
    assert database.read_text().startswith("my notes")
    database.unlink()
    database.mkdir()
    run = cli("check", "--text", close)
    assert run.code == 0 and "All four parts" in run.out
    assert run.err.count("\n") == 1 and f"{database} is a folder" in run.err
    run = cli("history")
    assert run.code == 3 and run.err.count("\n") == 1 and f"{database} is a folder" in run.err


# --- survives concurrent and killed writers ---------------------------------------------------


@pytest.mark.slow
def test_two_batches_at_once_are_both_stored(user_home, tmp_path):
    count = 150
    folders = [transcripts(tmp_path / name, count) for name in ("morning", "evening")]
    # both start on a user directory with no database: they also race to create it
    runs = [voiceclose("check", "--text", folder, "--json") for folder in folders]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 1, err  # some of the closes are partial
        assert err == "" and len(out.splitlines()) == count
    database = user_home / "data" / "history.db"
    assert rows(database, "PRAGMA integrity_check") == [("ok",)]
    stored = [row[0] for row in rows(database, "SELECT source FROM attempts ORDER BY id")]
    for folder in folders:
        assert sorted(s for s in stored if s.startswith(str(folder))) == sorted(
            str(p) for p in folder.iterdir()
        )
    assert len(stored) == 2 * count
    assert rows(database, "SELECT count(*) FROM elements") == [(2 * count * len(ELEMENTS),)]
    # they really ran at the same time: their attempts are interleaved
    batch = [Path(s).parent.name for s in stored]
    assert sum(a != b for a, b in zip(batch, batch[1:], strict=False)) >= 2


@pytest.mark.slow
def test_killed_mid_write_keeps_every_committed_attempt(cli, user_home, tmp_path):
    folder = transcripts(tmp_path / "closes", 400)
    database = user_home / "data" / "history.db"
    expected = 0
    for kill_after in (1, 20, 90):
        run = voiceclose("check", "--text", folder, "--json")
        for _ in range(kill_after):  # each line is printed after its attempt was committed
            assert json.loads(run.stdout.readline())["ok"]
        run.send_signal(signal.SIGKILL)
        rest, _ = run.communicate(timeout=60)
        assert run.returncode == -signal.SIGKILL
        printed = kill_after + len([line for line in rest.splitlines() if line.startswith("{")])
        assert printed < 400, "the batch finished before it was killed"
        assert rows(database, "PRAGMA integrity_check") == [("ok",)]
        [(stored,)] = rows(database, "SELECT count(*) FROM attempts")
        # every attempt reported is there; at most one more was committed before it was printed
        assert expected + printed <= stored <= expected + printed + 1
        expected = stored
        # no attempt without its parts: each was written whole, or not at all
        assert rows(
            database,
            "SELECT count(*) FROM attempts WHERE id NOT IN "
            "(SELECT attempt_id FROM elements GROUP BY attempt_id HAVING count(*) = 4)",
        ) == [(0,)]
    # and the database goes on working
    run = cli("history", "--json", "--limit", "0")
    assert run.code == 0 and len(run.json()) == expected
    close = tmp_path / "one.txt"
    close.write_text(COMPLETE)
    assert cli("check", "--text", close).code == 0
    assert rows(database, "SELECT count(*) FROM attempts") == [(expected + 1,)]


# --- a read-only user directory ---------------------------------------------------------------

NOBODY = 65534


@pytest.fixture
def readable_home(monkeypatch):
    """A user directory that an unprivileged user can reach (pytest's own tmp folders are
    private to root), with a close to check in it."""
    root = Path(tempfile.mkdtemp(prefix="voiceclose-ro-"))
    root.chmod(0o755)
    home = root / "home"
    (home / "data").mkdir(parents=True)
    close = root / "close.txt"
    close.write_text(COMPLETE)
    monkeypatch.setenv("VOICECLOSE_HOME", str(home))
    yield home, close
    for folder, _, _ in os.walk(root):
        os.chmod(folder, 0o755)
    shutil.rmtree(root)


class ReadOnly:
    """Make a folder read-only for the CLI: chmod, and as root (who may write anyway) run the
    CLI with the effective user id of nobody."""

    def __init__(self, cli, folder: Path):
        self.cli, self.folder = cli, folder
        # load what is imported lazily (modules, codecs) while it can still be read
        root = folder.parent.parent
        cli("check", "--text", "--no-history", "--html", root / "warm.html", root / "close.txt")
        cli("history")
        cli("review")

    def __call__(self, *args):
        self.folder.chmod(0o555)
        root = os.geteuid() == 0
        if root:
            os.seteuid(NOBODY)
        try:
            return self.cli(*args)
        finally:
            if root:
                os.seteuid(0)
            self.folder.chmod(0o755)


@pytest.mark.slow
def test_read_only_user_directory_on_first_use(cli, readable_home):
    home, close = readable_home
    as_reader = ReadOnly(cli, home / "data")
    run = as_reader("check", "--text", close, close, "--json")
    assert run.code == 0 and [r["ok"] for r in run.json()] == [True, True]
    assert run.err.count("\n") == 1, run.err  # told once for the batch, not per input
    assert run.err.startswith("voiceclose: history not saved: ")
    assert f"{home / 'data'} is read-only" in run.err
    assert not (home / "data" / "history.db").exists()
    run = as_reader("history")
    assert run.code == 0 and "No attempts yet" in run.out


@pytest.mark.slow
def test_read_only_user_directory_with_a_history(cli, readable_home):
    home, close = readable_home
    assert cli("check", "--text", close).code == 0
    assert cli("check", "--text", close).code == 0
    database = home / "data" / "history.db"
    before = rows(database, "SELECT id, created_at FROM attempts")
    if os.geteuid() == 0:  # the history is its owner's only (0600): the reader owns it
        for path in database.parent.glob("history.db*"):
            os.chown(path, NOBODY, -1)
    as_reader = ReadOnly(cli, home / "data")
    run = as_reader("check", "--text", close, close)
    assert run.code == 0 and run.out.count("All four parts of a strong close were there.") == 2
    assert run.err.count("\n") == 1 and "history not saved" in run.err and "read-only" in run.err
    assert "Traceback" not in run.err
    # what was stored is still there, and can still be listed and reviewed
    run = as_reader("history", "--json")
    assert run.code == 0 and [a["id"] for a in run.json()] == [1, 2]
    run = as_reader("review")
    assert run.code == 0 and "Attempt 2" in run.out
    assert rows(database, "SELECT id, created_at FROM attempts") == before


@pytest.mark.slow
def test_the_user_directory_cannot_be_created(cli, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the user directory should be")
    monkeypatch.setenv("VOICECLOSE_HOME", str(blocker))
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    run = cli("check", "--text", close, "--json")
    assert run.code == 0 and run.json()[0]["ok"]
    assert run.err.count("\n") == 1 and "history not saved" in run.err and str(blocker) in run.err


# --- tags, deleting, demonstration material ----------------------------------------------------


def test_a_coachs_batch_is_tagged_and_listed_by_tag(cli, user_home, tmp_path):
    alex, sam = transcripts(tmp_path / "alex", 2), transcripts(tmp_path / "sam", 3)
    assert cli("check", "--text", alex, "--tag", "Alex").code == 1
    assert cli("check", "--text", sam, "--tag", "Sam").code == 1
    assert cli("check", "--text", alex / "0000.txt").code == 0  # untagged: the user's own
    database = user_home / "data" / "history.db"
    assert user_version(database) == len(migrations.MIGRATIONS)
    assert rows(database, "SELECT tag, count(*) FROM attempts GROUP BY tag ORDER BY tag") == [
        (None, 1),
        ("Alex", 2),
        ("Sam", 3),
    ]
    assert [a["tag"] for a in cli("history", "--json", "--tag", "Sam").json()] == ["Sam"] * 3
    table = cli("history", "--tag", "Alex")
    assert "Trend over 2 attempts" in table.out and "Sam" not in table.out
    assert "Attempts tagged 'Alex'" in table.out
    assert "tag" in cli("history").out.splitlines()[1]  # a column when the tags differ
    nothing = cli("history", "--tag", "Kim")
    assert "tags there are: Alex, Sam" in nothing.out
    assert cli("check", "--text", alex, "--tag", "\x07").code == 2


def test_a_batch_checked_against_a_scenario_is_listed_by_its_files(cli, user_home, tmp_path):
    closes = transcripts(tmp_path / "kim", 2)
    cli("check", "--text", closes, "--scenario", "emergency-nurse", "--tag", "Kim")
    table = cli("history", "--tag", "Kim", "--scenario", "emergency-nurse").out
    assert "0000.txt" in table and "0001.txt" in table, table
    assert "tagged 'Kim' for the scenario 'emergency-nurse'" in table
    assert [a["scenario"] for a in cli("history", "--json").json()] == ["emergency-nurse"] * 2
    unfiltered = cli("history").out  # all one scenario, but the listing was not filtered by it
    assert unfiltered.startswith("Attempts:"), unfiltered


def test_history_delete_removes_attempts_and_recordings_only_when_asked(cli, user_home, tmp_path):
    closes = transcripts(tmp_path / "c", 3)
    cli("check", "--text", closes)
    run = cli("history", "delete", "1", "3")
    assert run.code == 0 and "Deleted 2 attempts" in run.out
    assert [a["id"] for a in cli("history", "--json").json()] == [2]
    assert (closes / "0000.txt").exists()  # the files stay
    missing = cli("history", "delete", "2", "9")
    assert missing.code == 3 and "no attempt 9" in missing.err
    assert [a["id"] for a in cli("history", "--json").json()] == [2]  # nothing deleted
    recording = tmp_path / "rec.wav"  # a recording is deleted only with --recordings --yes
    recording.write_bytes(b"")
    with open_for_writing() as history:  # attempt 2 as practice stores it: it made rec.wav
        history._conn.execute(
            "UPDATE attempts SET recording = ?, report = json_set(report, '$.recording', ?) "
            "WHERE id = 2",
            (str(recording), str(recording)),
        )
    refused = cli("history", "delete", "2", "--recordings")
    assert refused.code == 2 and "--yes" in refused.err and recording.exists()
    assert cli("history", "delete", "2", "--recordings", "--yes").code == 0
    assert not recording.exists()


def test_history_delete_never_removes_a_file_the_user_gave_to_check(cli, tmp_path):
    """--recordings removes what practice recorded; a coach's own file stays where it is."""
    own = tmp_path / "candidate.wav"
    own.write_bytes(b"")
    beside = tmp_path / "candidate.json"  # the user's own notes, not a report of ours
    beside.write_text("{}")
    cli("check", "--text", transcripts(tmp_path / "c", 1))
    with open_for_writing() as history:  # as a checked audio file is stored
        history._conn.execute("UPDATE attempts SET recording = ?, kind = 'audio'", (str(own),))
    run = cli("history", "delete", "1", "--recordings", "--yes")
    assert run.code == 0 and "Deleted 1 attempt" in run.out, run.err
    assert own.exists() and beside.exists()
    assert f"Kept {own}: a file you checked is yours" in run.out  # said, not silently kept


def test_the_bundled_samples_are_not_added_to_the_history(cli, user_home):
    from voiceclose.app.outputs import is_sample
    from voiceclose.results import Failure

    assert is_sample(Failure(str(ROOT / "samples" / "silence_10s.flac"), "x"))
    assert not is_sample(Failure(str(user_home / "silence_10s.flac"), "x"))


def test_no_speech_is_listed_but_left_out_of_the_trend():
    from voiceclose.results import Attempt, ElementResult
    from voiceclose.store.trend import trend

    def attempt(n, heard, complete):
        parts = {e: ElementResult(complete, 100.0, None, None, None) for e in ELEMENTS}
        return Attempt(
            n, "2025-01-01T00:00:00+00:00", "x.wav", None, "audio", None, None, 5.0, complete,
            [] if complete else list(ELEMENTS), parts, None, None, {"speech_heard": heard},
        )  # fmt: skip

    t = trend([attempt(1, True, True), attempt(2, False, False), attempt(3, True, True)])
    assert (t.attempts, t.complete_in_a_row, t.no_speech, t.most_missed) == (2, 2, 1, None)


def test_the_chart_shows_an_attempt_without_speech_as_such():
    """Not four grey squares, as a close that said nothing of the four parts would be."""
    from voiceclose.report.graphics import history_chart
    from voiceclose.results import Attempt, ElementResult

    def attempt(n, heard):
        parts = {e: ElementResult(False, 0.0, None, None, None) for e in ELEMENTS}
        return Attempt(
            n, "2025-01-01T00:00:00+00:00", "x.wav", None, "audio", None, None, 5.0, False,
            list(ELEMENTS), parts, None, None, {"speech_heard": heard},
        )  # fmt: skip

    chart = history_chart([attempt(1, True), attempt(2, False)], set())
    spoken, silent = chart.split('data-attempt="2"')
    assert "0 of 4 parts" in spoken and "stroke-dasharray" not in spoken
    assert "no speech was heard" in silent and silent.count("stroke-dasharray") == len(ELEMENTS)
    assert "Dashed: no speech was heard." in chart
    assert "Dashed" not in history_chart([attempt(1, True)], set())


def test_the_charts_pace_scale_is_labelled_to_its_ends():
    """A pace above the comfortable band (or below it) is read against a number on the scale,
    the top one saying the points there may be faster still."""
    from voiceclose.report.graphics import PACE_AXIS_WPM, history_chart
    from voiceclose.results import Attempt, ElementResult

    def attempt(n, wpm):
        parts = {e: ElementResult(True, 100.0, None, None, None) for e in ELEMENTS}
        return Attempt(
            n, "2025-01-01T00:00:00+00:00", "x.wav", None, "audio", None, None, 30.0, True,
            [], parts, wpm, 0, {"speech_heard": True},
        )  # fmt: skip

    chart = history_chart([attempt(1, 150.0), attempt(2, 260.0), attempt(3, 40.0)], set())
    labels = re.findall(r'text-anchor="end">([0-9+]+)</text>', chart)
    lo, hi = PACE_AXIS_WPM
    assert labels == ["170", "120", f"{hi:.0f}+", f"{lo:.0f}"]
    assert "260 words/min" in chart and "40 words/min" in chart  # the exact pace, on hover
    # the names and the scale are drawn apart from the attempts, which alone scroll on a phone
    names, attempts = chart.split('<div class="chart-wrap">')
    assert 'class="chart-labels"' in names and "Reservations question" in names
    assert "data-attempt" not in names and "Reservations question" not in attempts


def test_the_table_fits_a_terminal_by_cutting_names():
    from voiceclose.report.history_text import attempts_table
    from voiceclose.results import Attempt, ElementResult

    parts = {e: ElementResult(True, 100.0, None, None, None) for e in ELEMENTS}
    answer = {p: ElementResult(True, 100.0, None, None, None) for p in ANSWER_PARTS}
    long_name = "a-very-long-recording-name-from-a-coach.wav"
    attempt = Attempt(
        1, "2025-01-01T00:00:00+00:00", long_name, None, "audio", None, None, 50.0, True,
        [], parts, 150.0, 2, {}, followup=answer,
    )  # fmt: skip
    for columns in (120, 100):
        rows = attempts_table([attempt], 1, width=columns).splitlines()[1:]
        assert max(len(r) for r in rows) < columns, (columns, rows)
        assert "a-very-lon" in rows[1] and rows[1].count("✓") == 7
    assert "a-very-long-recording-name-fr" in attempts_table([attempt], 1)  # not at a terminal


def test_parts_missed_equally_often_are_all_named():
    from voiceclose.report.history_text import trend_text
    from voiceclose.results import Attempt, ElementResult
    from voiceclose.store.trend import trend

    def attempt(n, missed):
        parts = {e: ElementResult(e not in missed, 100.0, None, None, None) for e in ELEMENTS}
        return Attempt(
            n, "2025-01-01T00:00:00+00:00", f"{n}.txt", None, "text", None, None, 5.0,
            not missed, missed, parts, None, None, {},
        )  # fmt: skip

    tied = trend([attempt(1, ["fit", "thanks"]), attempt(2, ["thanks"]), attempt(3, ["fit"])])
    assert (tied.most_missed, tied.most_missed_tied) == ("fit", ["fit", "thanks"])
    assert "most often missed: Fit and Thanks (2 of 3 each)" in trend_text(tied)
    one = trend([attempt(1, ["fit"]), attempt(2, ["fit", "thanks"])])
    assert one.most_missed_tied == [] and "most often missed: Fit (2 of 2)" in trend_text(one)


def test_the_pace_sparkline_has_a_fixed_scale():
    from voiceclose.report.history_text import sparkline

    assert sparkline([160, 170, 165])[0] == sparkline([100, 160])[1]  # not scaled to the run
    assert sparkline([160])[0] not in "▁▂" and sparkline([60])[0] == "▁"


def test_an_answer_where_nothing_was_said_is_listed_so_and_left_out_of_the_answers_trend(
    user_home, tmp_path
):
    """A practice whose answer to the concern was silence: the history says "no speech" for the
    answer (not three parts missed), and the answers' trend leaves it out."""
    from voiceclose.app.answering import followup_from, run_answer
    from voiceclose.report.history_text import attempts_table
    from voiceclose.results import Concern
    from voiceclose.store.history import open_for_reading
    from voiceclose.store.trend import trend

    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    concern = Concern("gap", "There's a gap on your CV.")
    silent = ROOT / "samples" / "silence_10s.flac"
    with Checker(Options(text=True)) as checker:
        report = checker.run(Item(str(close), close))
    with Checker(Options()) as checker:
        answer = run_answer(checker, Item(str(silent), silent), concern)
    said = tmp_path / "answer.txt"
    said.write_text("That's fair. I was caring for my father and kept up a course. I'd love this.")
    with Checker(Options(text=True)) as checker:
        spoken = run_answer(checker, Item(str(said), said), concern)
    assert "no speech heard" in answer.notes
    with open_for_writing() as history:
        for a in (answer, spoken):
            history.add(dataclasses.replace(report, followup=followup_from(a, None)))
    attempts = open_for_reading().attempts()
    assert attempts[0].followup is None and attempts[0].concern == concern
    assert attempts[1].followup is not None
    rows = attempts_table(attempts, 2).splitlines()
    assert "no speech" in rows[-2] and "✗" not in rows[-2], rows
    assert trend(attempts).answers == 1
