"""Every checked close, kept in SQLite in the user data directory, so progress can be seen.

One row per attempt (when, the source and its recording, the scenario, the model, the duration,
pace, fillers, the extras and the whole report as JSON) and one row per part of the close (found,
score, evidence, when it was said). The schema grows by numbered migrations, applied in order and
counted in ``PRAGMA user_version``, so a later voiceclose opens an older database and an older one
refuses a newer database instead of damaging it. WAL mode, a busy timeout and one transaction per
attempt keep the database whole under two batches at once and a process killed mid-write.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from voiceclose.checker import ELEMENTS, Candidate, ElementResult, Extras
from voiceclose.errors import AttemptNotFound, HistoryError
from voiceclose.feedback import Feedback, Tip
from voiceclose.paths import data_dir
from voiceclose.pipeline import Failure, Report, Result, Window
from voiceclose.writers import as_json

DB_NAME = "history.db"
BUSY_TIMEOUT_S = 30.0  # how long a writer waits for another process's transaction to finish
WAL_RETRY_S = 0.05  # pause between tries to switch a brand-new database to WAL mode

# Each migration is a list of statements, applied in one transaction; its number is its place in
# this tuple (user_version counts the migrations applied). Never edit one that has shipped: add
# the next.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: attempts and each part's result
        """
        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,      -- UTC, ISO 8601 with microseconds
            source TEXT NOT NULL,          -- as the user gave it
            recording TEXT,                -- absolute path of the audio, for review
            recording_size INTEGER,        -- bytes, and modification time, when it was checked
            recording_mtime_ns INTEGER,
            kind TEXT NOT NULL,            -- audio | text
            scenario TEXT,                 -- the practice scenario, if any
            model TEXT,
            duration_s REAL,
            complete INTEGER NOT NULL,
            missed TEXT NOT NULL,          -- JSON list of the parts missed
            words_per_minute REAL,
            fillers INTEGER,
            extras TEXT NOT NULL,          -- JSON
            report TEXT NOT NULL           -- JSON: the whole report, words and candidates included
        )
        """,
        "CREATE INDEX attempts_by_time ON attempts (created_at)",
        "CREATE INDEX attempts_by_scenario ON attempts (scenario, created_at)",
        """
        CREATE TABLE elements (
            attempt_id INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
            element TEXT NOT NULL,
            found INTEGER NOT NULL,
            score REAL NOT NULL,
            evidence TEXT,
            start_s REAL,
            end_s REAL,
            PRIMARY KEY (attempt_id, element)
        )
        """,
    ),
)

_ATTEMPT_COLUMNS = (
    "id, created_at, source, recording, kind, scenario, model, duration_s, complete, missed, "
    "words_per_minute, fillers, extras"
)


@dataclass(frozen=True)
class Attempt:
    """One stored attempt, as ``voiceclose history`` lists it (``--json`` is asdict of this)."""

    id: int
    created_at: str  # UTC, ISO 8601
    source: str
    recording: str | None  # the audio file, if the attempt was a recording
    kind: str
    scenario: str | None
    model: str | None
    duration_s: float | None
    complete: bool
    missed: list[str]
    elements: dict[str, ElementResult]
    words_per_minute: float | None
    fillers: int | None
    extras: dict[str, Any]

    @property
    def local_time(self) -> datetime:
        return datetime.fromisoformat(self.created_at).astimezone()


@dataclass(frozen=True)
class StoredAttempt:
    """One attempt with its whole report, for review."""

    attempt: Attempt
    report: Report
    recording_size: int | None  # bytes when it was checked
    recording_mtime_ns: int | None


@dataclass(frozen=True)
class Trend:
    """How a run of attempts went, oldest to newest."""

    attempts: int
    complete: int
    complete_in_a_row: int  # the latest attempts that were all complete, counting back
    best_in_a_row: int
    missed_counts: dict[str, int]  # how often each part was missed
    most_missed: str | None  # the part missed most often; None when none was
    pace: list[tuple[int, float]]  # (attempt id, words per minute), oldest first


def history_path() -> Path:
    """The history database, in the user data directory (VOICECLOSE_HOME moves it)."""
    return data_dir() / DB_NAME


class History:
    """The history database, open. Use ``open_for_writing`` or ``open_for_reading``."""

    def __init__(self, conn: sqlite3.Connection, path: Path, writable: bool):
        self._conn = conn
        self.path = path
        self.writable = writable

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add(self, report: Report, when: datetime | None = None) -> int:
        """Store one checked close in its own transaction; returns its attempt id."""
        when = (when or datetime.now(UTC)).astimezone(UTC)
        recording = recording_of(report)
        size = mtime = None
        if recording is not None:
            try:
                stat = recording.stat()
                size, mtime = stat.st_size, stat.st_mtime_ns
            except OSError:
                pass
        extras = dataclasses.asdict(report.extras)
        row = (
            when.isoformat(timespec="microseconds"),
            report.source,
            str(recording) if recording else None,
            size,
            mtime,
            report.kind,
            report.prompt,
            report.model,
            report.duration_s,
            int(report.complete),
            json.dumps(report.missed),
            extras.get("words_per_minute"),
            extras.get("fillers"),
            json.dumps(extras, ensure_ascii=False),
            json.dumps(as_json(report, explain=True), ensure_ascii=False),
        )
        with self._transaction():
            cursor = self._conn.execute(
                "INSERT INTO attempts (created_at, source, recording, recording_size, "
                "recording_mtime_ns, kind, scenario, model, duration_s, complete, missed, "
                "words_per_minute, fillers, extras, report) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            attempt_id = cursor.lastrowid
            self._conn.executemany(
                "INSERT INTO elements (attempt_id, element, found, score, evidence, start_s, "
                "end_s) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (attempt_id, name, int(e.found), e.score, e.evidence, e.start_s, e.end_s)
                    for name, e in report.elements.items()
                ],
            )
        return attempt_id

    def attempts(
        self,
        scenario: str | None = None,
        since: date | None = None,
        until: date | None = None,
        limit: int | None = None,
    ) -> list[Attempt]:
        """Stored attempts, oldest first; with ``limit``, only the latest ``limit`` of them.

        ``since`` and ``until`` are days in local time, both included.
        """
        where, params = [], []
        if scenario is not None:
            where.append("scenario = ?")
            params.append(scenario)
        if since is not None:
            where.append("created_at >= ?")
            params.append(_utc_start_of(since))
        if until is not None:
            where.append("created_at < ?")
            params.append(_utc_start_of(until + timedelta(days=1)))
        sql = f"SELECT {_ATTEMPT_COLUMNS} FROM attempts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = self._read(sql, params)
        elements = self._elements([row[0] for row in rows])
        return [_attempt(row, elements.get(row[0], {})) for row in reversed(rows)]

    def get(self, attempt_id: int | None = None) -> StoredAttempt:
        """One attempt with its report: by id, or the latest when ``attempt_id`` is None."""
        sql = f"SELECT {_ATTEMPT_COLUMNS}, report, recording_size, recording_mtime_ns FROM attempts"
        if attempt_id is None:
            rows = self._read(sql + " ORDER BY id DESC LIMIT 1", ())
            if not rows:
                raise AttemptNotFound(
                    "no attempts in the history yet (voiceclose check and practice add them)"
                )
        else:
            rows = self._read(sql + " WHERE id = ?", (attempt_id,))
            if not rows:
                raise AttemptNotFound(
                    f"no attempt {attempt_id} in the history (voiceclose history lists them)"
                )
        row = rows[0]
        attempt = _attempt(row[:13], self._elements([row[0]]).get(row[0], {}))
        try:
            report = report_from_json(json.loads(row[13]))
        except (ValueError, TypeError, KeyError) as e:
            raise HistoryError(
                f"attempt {attempt.id} is stored in a form this voiceclose cannot read ({e})"
            ) from e
        return StoredAttempt(attempt, report, row[14], row[15])

    def count(self) -> int:
        return self._read("SELECT count(*) FROM attempts", ())[0][0]

    def _elements(self, ids: Sequence[int]) -> dict[int, dict[str, ElementResult]]:
        found: dict[int, dict[str, ElementResult]] = {}
        for start in range(0, len(ids), 500):  # SQLite limits the number of parameters
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for attempt_id, name, *values in self._read(
                "SELECT attempt_id, element, found, score, evidence, start_s, end_s "
                f"FROM elements WHERE attempt_id IN ({marks})",
                chunk,
            ):
                found.setdefault(attempt_id, {})[name] = ElementResult(bool(values[0]), *values[1:])
        return {i: {name: parts[name] for name in _ordered(parts)} for i, parts in found.items()}

    def _read(self, sql: str, params: Sequence) -> list[tuple]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise HistoryError(_problem(e, self.path)) from e

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction, holding the write lock from its start (BEGIN IMMEDIATE)."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise HistoryError(_problem(e, self.path)) from e
        try:
            yield
            self._conn.execute("COMMIT")
        except sqlite3.Error as e:
            self._rollback()
            raise HistoryError(_problem(e, self.path)) from e
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")


def open_for_writing(path: Path | None = None) -> History:
    """The history, created (and migrated) if need be, ready for ``add``.

    Raises HistoryError with one line for a read-only directory, a damaged database or one from
    a newer voiceclose.
    """
    path = path or history_path()
    _not_a_folder(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise HistoryError(f"cannot create {path.parent} ({e.strerror or e})") from e
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as e:
        raise HistoryError(_problem(e, path)) from e
    history = History(conn, path, writable=True)
    with _closed_on_failure(conn, path):
        _check_version(conn, path)
        _use_wal(conn, path)
        conn.execute("PRAGMA synchronous = FULL")  # a finished attempt survives a power cut too
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(history)
    return history


def open_for_reading(path: Path | None = None) -> History | None:
    """The history for listing and review, or None when nothing was ever stored.

    A read-only directory still reads; an older database is migrated when it can be written.
    """
    path = path or history_path()
    if not path.exists():
        return None
    _not_a_folder(path)
    # a read-only folder cannot hold WAL's shared-memory file: read the file as it stands
    for query in ("mode=rw", "mode=ro", "immutable=1"):
        conn = None
        try:
            conn = sqlite3.connect(
                f"{path.absolute().as_uri()}?{query}",
                uri=True,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
            )
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            break
        except sqlite3.Error as e:
            if conn is not None:
                conn.close()
            problem = e
            if "not a database" in str(e):
                raise HistoryError(_problem(e, path)) from e
    else:
        raise HistoryError(_problem(problem, path)) from problem
    history = History(conn, path, writable=query == "mode=rw")
    with _closed_on_failure(conn, path):
        version = _check_version(conn, path)
        if version < len(MIGRATIONS):
            if not history.writable:
                raise HistoryError(
                    f"{path} is from an older voiceclose and needs updating, but it is read-only"
                )
            _migrate(history)
    return history


@contextmanager
def _closed_on_failure(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    """Close ``conn`` if preparing it fails; a database error becomes one HistoryError line."""
    try:
        yield
    except sqlite3.Error as e:
        conn.close()
        raise HistoryError(_problem(e, path)) from e
    except HistoryError:
        conn.close()
        raise


def _not_a_folder(path: Path) -> None:
    if path.is_dir():
        raise HistoryError(f"{path} is a folder, not a voiceclose history database")


def _check_version(conn: sqlite3.Connection, path: Path) -> int:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise HistoryError(
            f"{path} was written by a newer voiceclose (history schema {version}, this one knows "
            f"up to {len(MIGRATIONS)}); upgrade voiceclose, or set VOICECLOSE_HOME elsewhere"
        )
    return version


def _use_wal(conn: sqlite3.Connection, path: Path) -> None:
    """WAL lets readers and one writer work at once and keeps a killed writer's work atomic."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as e:  # another process is creating the same database
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(WAL_RETRY_S)


def _migrate(history: History) -> None:
    conn = history._conn
    if conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
        return
    with history._transaction():
        # read again inside the write lock: another process may have migrated meanwhile
        version = _check_version(conn, history.path)
        for number in range(version, len(MIGRATIONS)):
            for statement in MIGRATIONS[number]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")


def _problem(error: sqlite3.Error, path: Path) -> str:
    """One line for what went wrong with the database file."""
    text = str(error)
    if "readonly" in text or "read-only" in text:
        return f"{path} is read-only"
    if "unable to open" in text:
        folder = path.parent
        if folder.exists() and not writable(folder):
            return f"{folder} is read-only"
        return f"cannot open {path} (is its folder read-only?)"
    if "not a database" in text or "malformed" in text:
        return f"{path} is not a voiceclose history database, or is damaged ({text})"
    if "locked" in text or "busy" in text:
        return f"{path} stayed locked by another voiceclose for over {BUSY_TIMEOUT_S:g} s"
    return f"{path}: {text}"


def writable(folder: Path) -> bool:
    """Whether this process may create files in ``folder`` (by its effective user id, which is
    what the file system checks)."""
    return os.access(folder, os.W_OK, effective_ids=os.access in os.supports_effective_ids)


class Keeper:
    """Adds each checked close to the history. If the history cannot be written, the reason is
    kept (to be told once) and the checking goes on without it."""

    def __init__(self, enabled: bool = True, path: Path | None = None):
        self.enabled = enabled
        self._path = path
        self._history: History | None = None
        self.problem: str | None = None
        self._told = False

    def add(self, result: Result) -> int | None:
        """The attempt id the result was stored as, or None (not stored, or a Failure)."""
        if not self.enabled or self.problem or isinstance(result, Failure):
            return None
        try:
            if self._history is None:
                self._history = open_for_writing(self._path)
            return self._history.add(result)
        except HistoryError as e:
            self.problem = f"history not saved: {e} (--no-history turns it off)"
            return None

    def warning(self) -> str | None:
        """The problem, the first time it is asked for; None after that."""
        if self.problem and not self._told:
            self._told = True
            return self.problem
        return None

    def close(self) -> None:
        if self._history is not None:
            self._history.close()
            self._history = None


def trend(attempts: Sequence[Attempt]) -> Trend:
    """Complete closes in a row, the part most often missed, and pace over ``attempts``."""
    in_a_row = best = run = 0
    for a in attempts:
        run = run + 1 if a.complete else 0
        best = max(best, run)
    for a in reversed(attempts):
        if not a.complete:
            break
        in_a_row += 1
    counts = {e: sum(1 for a in attempts if e in a.missed) for e in ELEMENTS}
    most = max(ELEMENTS, key=lambda e: counts[e])  # ties go to the earlier part
    return Trend(
        attempts=len(attempts),
        complete=sum(1 for a in attempts if a.complete),
        complete_in_a_row=in_a_row,
        best_in_a_row=best,
        missed_counts=counts,
        most_missed=most if counts[most] else None,
        pace=[(a.id, a.words_per_minute) for a in attempts if a.words_per_minute is not None],
    )


def recording_of(report: Report) -> Path | None:
    """The audio file a report was made from, as an absolute path; None for typed transcripts."""
    if report.recording:
        return Path(os.path.abspath(report.recording))
    if report.kind == "audio" and report.source != "-":
        return Path(os.path.abspath(report.source))
    return None


def report_from_json(data: dict[str, Any]) -> Report:
    """A Report again, from ``writers.as_json(report, explain=True)``."""
    feedback = data.get("feedback") or {}
    return Report(
        source=data["source"],
        kind=data["kind"],
        duration_s=data.get("duration_s"),
        transcript=data.get("transcript", ""),
        model=data.get("model"),
        elements={name: _build(ElementResult, e) for name, e in data["elements"].items()},
        missed=list(data.get("missed", [])),
        extras=_build(Extras, data["extras"]),
        feedback=Feedback(
            praise=list(feedback.get("praise", [])),
            tips=[_build(Tip, t) for t in feedback.get("tips", [])],
            notes=list(feedback.get("notes", [])),
        ),
        window=_build(Window, data["window"]) if data.get("window") else None,
        notes=list(data.get("notes", [])),
        recording=data.get("recording"),
        prompt=data.get("prompt"),
        words=list(data.get("words", [])),
        candidates=[_build(Candidate, c) for c in data.get("candidates", [])],
    )


def _build(cls, values: dict[str, Any]):
    """``cls(**values)`` keeping only the fields ``cls`` has (a later version may add some)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in names})


def _attempt(row: Sequence, elements: dict[str, ElementResult]) -> Attempt:
    return Attempt(
        id=row[0],
        created_at=row[1],
        source=row[2],
        recording=row[3],
        kind=row[4],
        scenario=row[5],
        model=row[6],
        duration_s=row[7],
        complete=bool(row[8]),
        missed=json.loads(row[9]),
        elements=elements,
        words_per_minute=row[10],
        fillers=row[11],
        extras=json.loads(row[12]),
    )


def _ordered(parts: dict[str, ElementResult]) -> list[str]:
    known = [e for e in ELEMENTS if e in parts]
    return known + sorted(set(parts) - set(known))


def _utc_start_of(day: date) -> str:
    local = datetime(day.year, day.month, day.day).astimezone()
    return local.astimezone(UTC).isoformat(timespec="microseconds")
