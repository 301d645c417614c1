"""Review a stored attempt: its report again, the moment a part was said, and a recheck of the
saved recording with the current checker and model, saying what changed."""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from voiceclose.app.checking import Checker, Options
from voiceclose.app.scenarios import find, sidecar_path
from voiceclose.audio.decode import SAMPLE_RATE, load_audio
from voiceclose.defaults import DEFAULT_MODEL
from voiceclose.errors import AttemptNotFound, InputError, OutputError, ScenarioError, UsageError
from voiceclose.paths import UPLOADS_FOLDER, data_dir, private_file
from voiceclose.report.wording import counted
from voiceclose.results import (
    ANSWER_LABELS,
    ANSWER_PARTS,
    ELEMENTS,
    LABELS,
    Attempt,
    Recheck,
    Report,
    StoredAttempt,
    clock,
)
from voiceclose.store.history import open_for_reading
from voiceclose.store.trend import trend  # noqa: F401 - for front ends

PLAY_PAD_S = 0.25  # audio kept before and after the words, so the moment is not clipped
WPM_CHANGE = 1.0  # a pace change smaller than this (words a minute) is not worth mentioning


@dataclass(frozen=True)
class Moment:
    """The audio of one part of the close, as it was said."""

    element: str
    evidence: str
    start_s: float  # in the recording, without the padding
    end_s: float
    samples: np.ndarray  # mono, SAMPLE_RATE, padded by PLAY_PAD_S on each side
    rate: int = SAMPLE_RATE


def load(attempt_id: int | None = None) -> StoredAttempt:
    """A stored attempt by id, or the latest; AttemptNotFound says when there is none."""
    history = open_for_reading()
    if history is None:
        raise AttemptNotFound(
            "no attempts in the history yet (voiceclose check and practice add them)"
        )
    with history:
        return history.get(attempt_id)


def recording(stored: StoredAttempt) -> Path:
    """The attempt's recording, or InputError if it was typed, or was moved or deleted since."""
    a = stored.attempt
    if a.recording is None:
        raise InputError(
            f"attempt {a.id}", "was a typed transcript: there is no recording to play or recheck"
        )
    path = Path(a.recording)
    if not path.is_file():
        raise InputError(
            a.recording, f"the recording of attempt {a.id} is no longer there (moved or deleted)"
        )
    return path


def recording_changed(stored: StoredAttempt) -> bool:
    """True when the recording's size or time stamp differ from when it was checked."""
    if stored.recording_size is None:
        return False
    try:
        stat = recording(stored).stat()
    except (InputError, OSError):
        return False
    return (stat.st_size, stat.st_mtime_ns) != (stored.recording_size, stored.recording_mtime_ns)


def moment(stored: StoredAttempt, element: str) -> Moment:
    """The audio of ``element`` as said in the attempt (UsageError if it was not heard)."""
    names = {**LABELS, **ANSWER_LABELS}
    said = " ".join(element.lower().replace("_", " ").replace("-", " ").split())
    by_label = {label.lower(): name for name, label in names.items()}
    asked, element = element.strip(), by_label.get(said, said.replace(" ", "_"))  # high note
    if element not in names:
        known = ", ".join((*ELEMENTS, *ANSWER_PARTS))
        raise UsageError(f"no part called {asked!r} (there are: {known})")
    if element in ANSWER_PARTS:
        e, path = _answer_part(stored, element)
    else:
        e, path = stored.report.elements.get(element), None
    if e is None or not e.found:
        raise UsageError(
            f"{names.get(element, element)} was not heard in attempt {stored.attempt.id}, "
            "so there is no moment to play"
        )
    path = path or recording(stored)
    if e.start_s is None or e.end_s is None:
        raise UsageError(f"attempt {stored.attempt.id} has no times for {names[element]}")
    audio = load_audio(path)
    first = max(0, int((e.start_s - PLAY_PAD_S - audio.offset_s) * SAMPLE_RATE))
    last = min(len(audio.samples), int((e.end_s + PLAY_PAD_S - audio.offset_s) * SAMPLE_RATE))
    if last <= first:
        raise InputError(
            str(path), f"is shorter than when {names[element]} was said: it changed since"
        )
    return Moment(element, e.evidence or "", e.start_s, e.end_s, audio.samples[first:last])


def _answer_part(stored: StoredAttempt, part: str):
    """An answer part's result and the answer's recording (UsageError/InputError when none)."""
    f = stored.report.followup
    if f is None:
        raise UsageError(
            f"attempt {stored.attempt.id} has no answer to an interviewer's concern "
            "(practice records one after the close)"
        )
    if not f.recording:
        raise InputError(f"attempt {stored.attempt.id}", "the answer has no recording to play")
    path = Path(f.recording).absolute()
    if not path.is_file():
        raise InputError(str(path), "the answer's recording is no longer there (moved or deleted)")
    return f.elements.get(part), path


def play(moment: Moment) -> None:
    """Play ``moment`` through the default output device (DeviceError when there is none)."""
    from voiceclose.audio.playback import play as play_samples

    play_samples(moment.samples, moment.rate)


@dataclass(frozen=True)
class Listing:
    """The stored attempts that match, and the rows that had to be left out."""

    attempts: list[Attempt]  # oldest first
    damaged: list[int]  # ids of attempts whose rows are damaged


def attempts(
    scenario: str | None = None,
    since: date | None = None,
    until: date | None = None,
    tag: str | None = None,
) -> Listing | None:
    """The stored attempts that match, oldest first; None when nothing was ever stored."""
    history = open_for_reading()
    if history is None:
        return None
    with history:
        found = history.attempts(scenario=scenario, since=since, until=until, tag=tag)
        return Listing(found, history.damaged)


@dataclass(frozen=True)
class Files:
    """What deleting attempts with their recordings would remove, and what it would keep."""

    deletable: list[Path]  # each recording voiceclose made, still there, and the report beside it
    kept: list[Path]  # the user's own files the attempts were checked from, still there
    recordings: dict[int, int]  # per attempt: how many recordings voiceclose made are still there
    checked: set[int]  # attempts checked from the user's own file (there or not), not practised


def files_of(ids: list[int]) -> Files:
    """The files of attempts ``ids`` (AttemptNotFound for an unknown id): the recordings still
    there (the close's, and the answer's after practice) with the report saved beside each, which
    deleting with the recordings removes; and the user's own files given to check, which it
    keeps (voiceclose deletes only what it made)."""
    history = _history_or_none()
    with history:
        found = history.files(ids)
    deletable: list[Path] = []
    recordings = {}
    for attempt, files in found.items():
        there = [p for p in map(Path, files.made) if p.is_file()]
        recordings[attempt] = len(there)
        for path in there:
            deletable += [
                f for f in (path, sidecar_path(path)) if f.is_file() and f not in deletable
            ]
    own = dict.fromkeys(Path(f.own) for f in found.values() if f.own)
    checked = {attempt for attempt, files in found.items() if files.own}
    return Files(deletable, [f for f in own if f.is_file()], recordings, checked)


def delete_attempts(
    ids: list[int], files: list[Path], upload_dir: Path | None = None
) -> tuple[int, list[str]]:
    """Remove attempts ``ids`` from the history, then ``files`` (a file sent to the app, in
    ``upload_dir``, with its folder); returns how many attempts were removed and a line for each
    file that could not be."""
    history = _history_or_none()
    with history:
        history.files(ids)  # every id known, or nothing is deleted
        removed = history.delete(ids)
    problems = []
    for f in files:
        try:
            f.unlink()
        except OSError as e:
            problems.append(f"cannot delete {f} ({e.strerror or e})")
        if sent_to_app(f, upload_dir):  # its own folder goes too
            with contextlib.suppress(OSError):
                f.parent.rmdir()
    return removed, problems


def sent_to_app(path: Path, upload_dir: Path | None = None) -> bool:
    """Whether ``path`` is a file sent to the app, kept in a folder of its own in ``upload_dir``
    (by default the user's uploads folder)."""
    uploads = (upload_dir or data_dir() / UPLOADS_FOLDER).resolve()
    return path.parent.parent.resolve() == uploads


def last_scenario(names: set[str], looked_at: int = 50) -> str | None:
    """The scenario (one of ``names``: still there) of the latest of the last ``looked_at``
    attempts that had one; None when none did or nothing was ever stored."""
    history = open_for_reading()
    if history is None:
        return None
    with history:
        found = history.attempts(limit=looked_at)
    return next((a.scenario for a in reversed(found) if a.scenario in names), None)


def _history_or_none():
    history = open_for_reading()
    if history is None:
        raise AttemptNotFound(
            "no attempts in the history yet (voiceclose check and practice add them)"
        )
    return history


def recheck(stored: StoredAttempt, model: str | None = None) -> Recheck:
    """Check the saved recording again with the current checker and ``model`` (default: the
    model the attempt used), against the same scenario and the same part of the recording."""
    before = stored.report
    path = recording(stored)
    window = before.window
    last_minutes = (window.end_s - window.start_s) / 60 if window else 0.0
    notes = []
    scenario = None
    if before.prompt:
        try:
            scenario = find(before.prompt)
        except (ScenarioError, UsageError):
            notes.append(f"the scenario {before.prompt!r} is no longer in the prompts")
    options = Options(
        model=model or before.model or DEFAULT_MODEL,
        last_minutes=last_minutes,
        scenario=scenario,
    )
    after = Checker(options).check_audio_file(before.source, path)
    if notes:
        after = _with_notes(after, notes)
    return Recheck(stored.attempt.id, before, after, changes(before, after))


def _with_notes(report: Report, notes: list[str]) -> Report:
    return dataclasses.replace(report, notes=[*report.notes, *notes])


def changes(before: Report, after: Report) -> list[str]:
    """What differs between two reports on the same recording, one line each."""
    names = LABELS
    out = []
    if before.model != after.model:
        out.append(f"Model: {before.model} → {after.model}")
    for element in ELEMENTS:
        was, now = before.elements[element], after.elements[element]
        name = names[element]
        if was.found and not now.found:
            out.append(f"{name}: no longer heard (was “{was.evidence}”{_at(was.start_s)})")
        elif now.found and not was.found:
            out.append(f"{name}: now heard: “{now.evidence}”{_at(now.start_s)}")
        elif now.found and was.evidence != now.evidence:
            out.append(
                f"{name}: heard in other words: “{now.evidence}”{_at(now.start_s)} "
                f"(was “{was.evidence}”)"
            )
    words_before, words_after = before.transcript.split(), after.transcript.split()
    if words_before != words_after:
        matcher = difflib.SequenceMatcher(a=words_before, b=words_after, autojunk=False)
        differ = sum(
            max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
        )
        out.append(f"Transcript: {differ} of {counted(len(words_before), 'word')} differ")
    wpm_was, wpm_now = before.extras.words_per_minute, after.extras.words_per_minute
    if (wpm_was is None) != (wpm_now is None) or (
        wpm_was is not None and wpm_now is not None and abs(wpm_was - wpm_now) >= WPM_CHANGE
    ):
        out.append(f"Pace: {_wpm(wpm_was)} → {_wpm(wpm_now)} words a minute")
    if before.extras.fillers != after.extras.fillers:
        out.append(f"Filler words: {before.extras.fillers} → {after.extras.fillers}")
    return out


def _at(start_s: float | None) -> str:
    return f" at {clock(start_s)}" if start_s is not None else ""


def _wpm(value: float | None) -> str:
    return "–" if value is None else str(round(value))


def export_csv(path: Path, found: list[Attempt]) -> int:
    """Write ``found`` to ``path`` as CSV (readable by the user only: it holds what was said);
    returns the rows written. OutputError when it cannot be written."""
    from voiceclose.report import history_csv

    try:  # Excel reads UTF-8 only with the byte-order mark
        with open(path, "w", encoding="utf-8-sig", newline="", opener=private_file) as f:
            f.write(history_csv.header())
            for attempt in found:
                f.write(history_csv.row(attempt))
    except OSError as e:
        raise OutputError(f"cannot write {path} ({e.strerror or e})") from e
    return len(found)
