"""The history's SQLite file: opened safely, its schema checked and migrated, every database
error turned into one line naming the file.

The file is made readable by its owner only (it holds what they said). WAL mode and a busy
timeout let readers and one writer work at once, and keep a killed writer's work atomic. The
schema grows by the numbered steps in ``migrations``, counted in ``PRAGMA user_version``: a
later voiceclose opens an older database, and an older one refuses a newer database instead of
damaging it. A read-only folder still reads.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from voiceclose.errors import HistoryError
from voiceclose.paths import private_dir, private_file, writable
from voiceclose.store import migrations

BUSY_TIMEOUT_S = 30.0  # how long a writer waits for another process's transaction to finish
WAL_RETRY_S = 0.05  # pause between tries to switch a brand-new database to WAL mode


def connect_for_writing(path: Path) -> sqlite3.Connection:
    """The database at ``path``, created (and migrated) if need be, ready to write.

    Raises HistoryError with one line for a read-only directory, a damaged database or one from
    a newer voiceclose.
    """
    _not_a_folder(path)
    try:
        private_dir(path.parent)
    except OSError as e:
        raise HistoryError(f"cannot create {path.parent} ({e.strerror or e})") from e
    _owner_only(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as e:
        raise HistoryError(problem(e, path)) from e
    with _closed_on_failure(conn, path):
        _check_version(conn, path)
        _use_wal(conn, path)
        conn.execute("PRAGMA synchronous = FULL")  # a finished attempt survives a power cut too
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn, path)
    return conn


def connect_for_reading(path: Path) -> tuple[sqlite3.Connection, bool]:
    """The existing database at ``path`` for reading, and whether it can be written too.

    An older database is migrated when it can be written.
    """
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
            failure = e
            if "not a database" in str(e):
                raise HistoryError(problem(e, path)) from e
    else:
        raise HistoryError(problem(failure, path)) from failure
    can_write = query == "mode=rw"
    with _closed_on_failure(conn, path):
        version = _check_version(conn, path)
        if version < len(migrations.MIGRATIONS):
            if not can_write:
                raise HistoryError(
                    f"{path} is from an older voiceclose and needs updating, but it is read-only"
                )
            _migrate(conn, path)
    return conn, can_write


def exists(path: Path) -> bool:
    """Whether the database file is there (HistoryError when a folder on the way is closed)."""
    try:
        return path.exists()
    except OSError as e:  # a folder on the way that may not be searched
        raise HistoryError(f"cannot open {path} ({e.strerror or e})") from e


@contextmanager
def transaction(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    """One write transaction, holding the write lock from its start (BEGIN IMMEDIATE)."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as e:
        raise HistoryError(problem(e, path)) from e
    try:
        yield
        conn.execute("COMMIT")
    except sqlite3.Error as e:
        _rollback(conn)
        raise HistoryError(problem(e, path)) from e
    except BaseException:
        _rollback(conn)
        raise


def problem(error: sqlite3.Error, path: Path) -> str:
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


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


@contextmanager
def _closed_on_failure(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    """Close ``conn`` if preparing it fails; a database error becomes one HistoryError line."""
    try:
        yield
    except sqlite3.Error as e:
        conn.close()
        raise HistoryError(problem(e, path)) from e
    except HistoryError:
        conn.close()
        raise


def _owner_only(path: Path) -> None:
    """Make the database (created now if need be) readable by this user only: it holds what
    they said. SQLite gives the -wal and -shm files it makes the database's mode; ones an older
    voiceclose left are made private too. A failure here is left to SQLite to report."""
    for name, flags in ((path, os.O_RDWR | os.O_CREAT), (f"{path}-wal", 0), (f"{path}-shm", 0)):
        with contextlib.suppress(OSError):
            os.close(private_file(name, flags))


def _not_a_folder(path: Path) -> None:
    try:
        is_dir = path.is_dir()
    except OSError as e:
        raise HistoryError(f"cannot open {path} ({e.strerror or e})") from e
    if is_dir:
        raise HistoryError(f"{path} is a folder, not a voiceclose history database")


def _check_version(conn: sqlite3.Connection, path: Path) -> int:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    known = len(migrations.MIGRATIONS)
    if version > known:
        raise HistoryError(
            f"{path} was written by a newer voiceclose (history schema {version}, this one knows "
            f"up to {known}); upgrade voiceclose, or set VOICECLOSE_HOME elsewhere"
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


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    if conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS):
        return
    with transaction(conn, path):
        # read again inside the write lock: another process may have migrated meanwhile
        version = _check_version(conn, path)
        for number in range(version, len(migrations.MIGRATIONS)):
            for statement in migrations.MIGRATIONS[number]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
