"""The history's schema, as numbered migrations.

Applied in order by ``history`` and counted in ``PRAGMA user_version``, so a later voiceclose opens
an older database and an older one refuses a newer database instead of damaging it.
"""

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
    (  # 2: a label on each attempt (a candidate, a class), to list and chart by
        "ALTER TABLE attempts ADD COLUMN tag TEXT",
        "CREATE INDEX attempts_by_tag ON attempts (tag, created_at)",
    ),
    (  # 3: the answer to the interviewer's concern after a practised close, and each of its parts
        """
        CREATE TABLE followups (
            attempt_id INTEGER PRIMARY KEY REFERENCES attempts (id) ON DELETE CASCADE,
            concern_kind TEXT NOT NULL,    -- misunderstanding | gap | skills_gap | none
            concern TEXT NOT NULL,         -- the interviewer's words
            recording TEXT,                -- absolute path of the answer's audio
            complete INTEGER NOT NULL,
            missed TEXT NOT NULL           -- JSON list of the answer's parts missed
        )
        """,
        """
        CREATE TABLE followup_parts (
            attempt_id INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
            part TEXT NOT NULL,            -- acknowledge | address | high_note
            found INTEGER NOT NULL,
            score REAL NOT NULL,
            evidence TEXT,
            start_s REAL,
            end_s REAL,
            PRIMARY KEY (attempt_id, part)
        )
        """,
    ),
)
