"""Every checked close, kept in SQLite in the user data directory, so progress can be seen.

One row per attempt (when, the source and its recording, the scenario, the model, the duration,
pace, fillers, the extras and the whole report as JSON) and one row per part of the close (found,
score, evidence, when it was said), and the follow-up answer's parts likewise. One transaction
per attempt keeps the database whole under two batches at once and a process killed mid-write;
``database`` opens the file safely and migrates its schema.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from voiceclose.errors import AttemptNotFound, HistoryError
from voiceclose.paths import data_dir
from voiceclose.results import (
    ELEMENTS,
    NO_SPEECH,
    Attempt,
    Concern,
    ElementResult,
    Report,
    StoredAttempt,
    recording_of,
)
from voiceclose.results_json import as_json
from voiceclose.store import database
from voiceclose.store.rows import DamagedRow, attempt_from_row, report_from_column

DB_NAME = "history.db"

_ATTEMPT_COLUMNS = (
    "id, created_at, source, recording, kind, scenario, model, duration_s, complete, missed, "
    "words_per_minute, fillers, extras, tag"
)
_N_COLUMNS = 14  # in _ATTEMPT_COLUMNS


def history_path() -> Path:
    """The history database, in the user data directory (VOICECLOSE_HOME moves it)."""
    return data_dir() / DB_NAME


@dataclasses.dataclass(frozen=True)
class AttemptFiles:
    """The files one attempt came from."""

    made: tuple[str, ...]  # what voiceclose recorded: practice's close, then its answer
    own: str | None  # the user's own file given to check: never deleted by voiceclose


class History:
    """The history database, open. Use ``open_for_writing`` or ``open_for_reading``."""

    def __init__(self, conn: sqlite3.Connection, path: Path, writable: bool):
        self._conn = conn
        self.path = path
        self.writable = writable
        self.damaged: list[int] = []  # ids of the rows the last ``attempts`` left out

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add(self, report: Report, when: datetime | None = None, tag: str | None = None) -> int:
        """Store one checked close in its own transaction (labelled ``tag``, if given); returns
        its attempt id."""
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
            tag,
        )
        with self._transaction():
            cursor = self._conn.execute(
                "INSERT INTO attempts (created_at, source, recording, recording_size, "
                "recording_mtime_ns, kind, scenario, model, duration_s, complete, missed, "
                "words_per_minute, fillers, extras, report, tag) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            if report.followup is not None:
                self._add_followup(attempt_id, report.followup)
        return attempt_id

    def add_followup(self, attempt_id: int, report: Report) -> None:
        """Add the answer to the interviewer's concern to an attempt already stored (the app
        stores the close at once, for its report, and the answer once it has been checked):
        ``report`` is the close's report with its ``followup``."""
        if report.followup is None:
            return
        with self._transaction():
            updated = self._conn.execute(
                "UPDATE attempts SET report = ? WHERE id = ?",
                (json.dumps(as_json(report, explain=True), ensure_ascii=False), attempt_id),
            )
            if updated.rowcount != 1:
                raise AttemptNotFound(f"no attempt {attempt_id} in the history")
            for table in ("followup_parts", "followups"):
                self._conn.execute(f"DELETE FROM {table} WHERE attempt_id = ?", (attempt_id,))
            self._add_followup(attempt_id, report.followup)

    def _add_followup(self, attempt_id: int, f) -> None:
        recording = os.path.abspath(f.recording) if f.recording else None
        self._conn.execute(
            "INSERT INTO followups (attempt_id, concern_kind, concern, recording, complete, "
            "missed) VALUES (?, ?, ?, ?, ?, ?)",
            (
                attempt_id,
                f.concern.kind,
                f.concern.text,
                recording,
                int(f.complete),
                json.dumps(f.missed),
            ),
        )
        if NO_SPEECH in f.notes:  # nothing was said: listed as such, no parts missed
            return
        self._conn.executemany(
            "INSERT INTO followup_parts (attempt_id, part, found, score, evidence, start_s, "
            "end_s) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (attempt_id, name, int(e.found), e.score, e.evidence, e.start_s, e.end_s)
                for name, e in f.elements.items()
            ],
        )

    def attempts(
        self,
        scenario: str | None = None,
        since: date | None = None,
        until: date | None = None,
        limit: int | None = None,
        tag: str | None = None,
        up_to: int | None = None,
    ) -> list[Attempt]:
        """Stored attempts, oldest first; with ``limit``, only the latest ``limit`` of them;
        with ``up_to``, none after the attempt of that id (the history as it stood then).

        ``since`` and ``until`` are days in local time, both included. Rows that cannot be read
        (damaged, or edited by hand) are left out, their ids listed in ``damaged``.
        """
        where, params = [], []
        if scenario is not None:
            where.append("scenario = ?")
            params.append(scenario)
        if tag is not None:
            where.append("tag = ?")
            params.append(tag)
        if up_to is not None:
            where.append("id <= ?")
            params.append(up_to)
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
        ids = [row[0] for row in rows]
        elements = self._elements(ids)
        answers = self._elements(ids, "followup_parts", "part")
        concerns = self._concerns(ids)
        found, self.damaged = [], []
        for row in reversed(rows):
            try:
                attempt = attempt_from_row(row, elements.get(row[0], {}))
            except DamagedRow:
                self.damaged.append(row[0])
                continue
            found.append(
                dataclasses.replace(
                    attempt, followup=answers.get(row[0]), concern=concerns.get(row[0])
                )
            )
        return found

    def _concerns(self, ids: Sequence[int]) -> dict[int, Concern]:
        found = {}
        for start in range(0, len(ids), 500):  # SQLite limits the number of parameters
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = "SELECT attempt_id, concern_kind, concern FROM followups WHERE attempt_id IN "
            for attempt_id, kind, text in self._read(f"{sql}({marks})", chunk):
                found[attempt_id] = Concern(kind, text)
        return found

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
        try:
            attempt = attempt_from_row(row[:_N_COLUMNS], self._elements([row[0]]).get(row[0], {}))
            report = report_from_column(row[_N_COLUMNS])
        except DamagedRow as e:
            raise HistoryError(
                f"attempt {row[0]} is damaged in {self.path} and cannot be shown ({e}); "
                "voiceclose history lists the others"
            ) from e
        return StoredAttempt(attempt, report, row[_N_COLUMNS + 1], row[_N_COLUMNS + 2])

    def files(self, ids: Sequence[int]) -> dict[int, AttemptFiles]:
        """The files each attempt in ``ids`` came from: the recordings voiceclose made (practice's
        close and its answer to the interviewer's concern), or the user's own file given to
        ``check`` (AttemptNotFound naming the first unknown id)."""
        rows: dict[int, tuple[str | None, str | None]] = {}
        answers: dict[int, list[str]] = {}
        for start in range(0, len(ids), 500):  # SQLite limits the number of parameters
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            query = f"SELECT id, recording, report FROM attempts WHERE id IN ({marks})"
            for attempt_id, recording, report in self._read(query, chunk):
                made = _practice_recording(report)
                own = os.path.abspath(recording) if recording and made is None else None
                rows[attempt_id] = (made, own)
            query = f"SELECT attempt_id, recording FROM followups WHERE attempt_id IN ({marks})"
            for attempt_id, answer in self._read(query, chunk):
                if answer:
                    answers.setdefault(attempt_id, []).append(answer)
        found = {}
        for attempt_id in ids:
            if attempt_id not in rows:
                raise AttemptNotFound(
                    f"no attempt {attempt_id} in the history (voiceclose history lists them)"
                )
            made, own = rows[attempt_id]
            found[attempt_id] = AttemptFiles(
                (*([made] if made else []), *answers.get(attempt_id, [])), own
            )
        return found

    def delete(self, ids: Sequence[int]) -> int:
        """Remove the attempts ``ids`` (their parts go with them) in one transaction."""
        if not self.writable:
            raise HistoryError(f"{self.path} is read-only")
        with self._transaction():
            for attempt_id in ids:
                for table in ("elements", "followup_parts", "followups"):
                    self._conn.execute(f"DELETE FROM {table} WHERE attempt_id = ?", (attempt_id,))
                self._conn.execute("DELETE FROM attempts WHERE id = ?", (attempt_id,))
        return len(ids)

    def _elements(
        self, ids: Sequence[int], table: str = "elements", column: str = "element"
    ) -> dict[int, dict[str, ElementResult]]:
        found: dict[int, dict[str, ElementResult]] = {}
        for start in range(0, len(ids), 500):  # SQLite limits the number of parameters
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for attempt_id, name, *values in self._read(
                f"SELECT attempt_id, {column}, found, score, evidence, start_s, end_s "
                f"FROM {table} WHERE attempt_id IN ({marks})",
                chunk,
            ):
                found.setdefault(attempt_id, {})[name] = ElementResult(bool(values[0]), *values[1:])
        return {i: {name: parts[name] for name in _ordered(parts)} for i, parts in found.items()}

    def _read(self, sql: str, params: Sequence) -> list[tuple]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise HistoryError(database.problem(e, self.path)) from e

    def _transaction(self) -> contextlib.AbstractContextManager[None]:
        return database.transaction(self._conn, self.path)


def open_for_writing(path: Path | None = None) -> History:
    """The history, created (and migrated) if need be, ready for ``add``.

    Raises HistoryError with one line for a read-only directory, a damaged database or one from
    a newer voiceclose.
    """
    path = path or history_path()
    return History(database.connect_for_writing(path), path, writable=True)


def open_for_reading(path: Path | None = None) -> History | None:
    """The history for listing and review, or None when nothing was ever stored.

    A read-only directory still reads; an older database is migrated when it can be written.
    """
    path = path or history_path()
    if not database.exists(path):
        return None
    conn, can_write = database.connect_for_reading(path)
    return History(conn, path, writable=can_write)


def _ordered(parts: dict[str, ElementResult]) -> list[str]:
    known = [e for e in ELEMENTS if e in parts]
    return known + sorted(set(parts) - set(known))


def _utc_start_of(day: date) -> str:
    local = datetime(day.year, day.month, day.day).astimezone()
    return local.astimezone(UTC).isoformat(timespec="microseconds")


def _practice_recording(report: str | None) -> str | None:
    """The file practice recorded to, from a stored report (None for a checked file)."""
    try:
        recording = json.loads(report or "{}").get("recording")
    except (ValueError, AttributeError):
        return None
    return os.path.abspath(recording) if isinstance(recording, str) and recording else None
