"""The history as text for people or JSON Lines for programs: the attempts' table, the trend,
and a reviewed or rechecked attempt (the CLI picks one and prints it)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from voiceclose.report.wording import counted
from voiceclose.report.writers import TextWriter, _json_line, _lines, printable
from voiceclose.results import (
    ANSWER_LABELS,
    ANSWER_PARTS,
    COMFORTABLE_WPM,
    ELEMENTS,
    LABELS,
    and_list,
    clock,
)
from voiceclose.results_json import as_json

if TYPE_CHECKING:
    from voiceclose.results import Attempt, Recheck, StoredAttempt, Trend

NAME_WIDTH = 30  # characters of a scenario or file name in the history table...
MIN_NAME_WIDTH = 10  # ...cut to no fewer than this to fit a narrow terminal
ANSWER_MARKS_PAST = 2  # characters a row's answer marks reach past the header's "hi"
PACE_SHOWN = 12  # the latest attempts whose pace the trend line lists
SPARKS = "▁▂▃▄▅▆▇█"
SPARK_RANGE_WPM = (60.0, 240.0)  # the sparkline's fixed scale: 150 is mid-height wherever it is
TAG_WIDTH = 14  # characters of a tag in the history table


# --- the history ---------------------------------------------------------------------------------


def attempt_json(attempt: Attempt) -> str:
    """One stored attempt as a line of JSON (``voiceclose history --json``)."""
    return _json_line(dataclasses.asdict(attempt))


def attempts_table(
    attempts: Sequence[Attempt],
    total: int,
    scenario: str | None = None,
    tag: str | None = None,
    width: int | None = None,
) -> str:
    """The attempts, oldest first, one line each: when, what, length, pace, fillers, parts;
    ``scenario`` and ``tag``, when the listing was filtered by them, are said in the heading;
    ``width`` (a terminal's columns): names are cut shorter so that the rows fit if they can."""
    heading = "Attempts" if len(attempts) == total else f"The latest {len(attempts)} of {total}"
    tagged = len({a.tag for a in attempts}) > 1  # one tag for all (history --tag): said once
    if attempts and tag:  # every attempt shown has it (as stored, so the history's spelling)
        heading += f" tagged {printable(attempts[0].tag or tag)!r}"
    if attempts and scenario:
        heading += f" for the scenario {printable(attempts[0].scenario or scenario)!r}"
    tag_head = f"{'tag':<{TAG_WIDTH}} " if tagged else ""
    answered = any(a.followup or a.concern for a in attempts)  # practice's answers too

    def header(name_width: int) -> str:
        return (
            f"{'#':>5}  {'when':<16}  {tag_head}{'close':<{name_width}} {'recorded':>8} "
            f"{'pace':>5} {'fillers':>7}  int fit res tha"
            + ("   answer: ack adr hi" if answered else "")
        )

    name_width = NAME_WIDTH
    if width:  # a row's answer marks run ANSWER_MARKS_PAST the header's last column
        widest = len(header(NAME_WIDTH)) + (ANSWER_MARKS_PAST if answered else 0)
        name_width = max(MIN_NAME_WIDTH, NAME_WIDTH - max(0, widest - (width - 1)))
    lines = [f"{heading}:", header(name_width)]
    for a in attempts:
        name = _cut(printable(_close_name(a)), name_width)
        tag = f"{_cut(printable(a.tag or '–'), TAG_WIDTH):<{TAG_WIDTH}} " if tagged else ""
        marks = (
            " no speech heard"
            if a.no_speech
            else "".join(
                f"{'✓' if e in a.elements and a.elements[e].found else '✗':^4}" for e in ELEMENTS
            )
        )
        length = clock(a.duration_s) if a.duration_s is not None else "–"
        pace = f"{a.words_per_minute:.0f}" if a.words_per_minute is not None else "–"
        fillers = a.fillers if a.fillers is not None else "–"
        if answered:
            marks = f"{marks:<16}{_answer_marks(a)}"
        lines.append(
            f"{a.id:>5}  {a.local_time:%Y-%m-%d %H:%M}  {tag}{name:<{name_width}} {length:>8} "
            f"{pace:>5} {fillers:>7}  {marks.rstrip()}"
        )
    return _lines(lines)


def _close_name(a: Attempt) -> str:
    """What the attempt was: the scenario of a practised close (practice names its recording
    after it), otherwise the file that was checked (a coach's batch checked against a scenario
    is told apart by its files)."""
    file_name = os.path.basename(a.source) or a.source
    if a.scenario and a.scenario in file_name:
        return a.scenario
    return file_name


def _answer_marks(a: Attempt) -> str:
    """The answer's three parts under "answer: ack adr hi" ("–" with no answer)."""
    if not a.followup:  # no answer, or (with its concern) an answer where nothing was said
        return f"{'':10}{'no speech' if a.concern else '–':^4}"
    return f"{'':10}" + "".join(
        f"{'✓' if p in a.followup and a.followup[p].found else '✗':^4}" for p in ANSWER_PARTS
    )


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def trend_text(t: Trend) -> str:
    """Complete closes in a row, the part most often missed, and the pace over time."""
    lines = [
        f"Trend over {counted(t.attempts, 'attempt')}:",
        f"  complete closes: {t.complete} of {t.attempts}; {t.complete_in_a_row} in a row now "
        f"(best run {t.best_in_a_row})",
    ]
    if t.most_missed:
        parts = t.most_missed_tied or [t.most_missed]
        each = " each" if len(parts) > 1 else ""
        lines.append(
            f"  most often missed: {and_list(LABELS[p] for p in parts)} "
            f"({t.missed_counts[t.most_missed]} of {t.attempts}{each})"
        )
    elif t.attempts:
        lines.append("  nothing missed in these attempts")
    if t.no_speech:
        lines.append(f"  left out: {counted(t.no_speech, 'attempt')} where no speech was heard")
    if t.answers:
        parts = ", ".join(
            f"{ANSWER_LABELS[p].lower()} {n} of {t.answers}" for p, n in t.answer_found.items()
        )
        lines.append(f"  answers to the interviewer's concern: {parts}")
    if t.pace:
        recent = [wpm for _, wpm in t.pace][-PACE_SHOWN:]
        lines.append(
            f"  words per minute, oldest to newest: {' '.join(f'{v:.0f}' for v in recent)}"
            f"  {sparkline(recent)}  (comfortable: {COMFORTABLE_WPM[0]:.0f}–"
            f"{COMFORTABLE_WPM[1]:.0f})"
        )
    return _lines(lines)


def sparkline(values: Sequence[float], scale: tuple[float, float] = SPARK_RANGE_WPM) -> str:
    """One bar character per value, on a fixed scale (a comfortable pace is drawn mid-height,
    not as the lowest bar because it was the slowest of the run)."""
    lo, hi = scale
    top = len(SPARKS) - 1
    return "".join(SPARKS[max(0, min(top, round((v - lo) / (hi - lo) * top)))] for v in values)


# --- review --------------------------------------------------------------------------------------


def stored_text(stored: StoredAttempt) -> str:
    """A stored attempt's report again, under its number and time."""
    a = stored.attempt
    return f"Attempt {a.id}, {a.local_time:%Y-%m-%d %H:%M}\n" + TextWriter().result(stored.report)


def stored_json(stored: StoredAttempt) -> str:
    a = stored.attempt
    data = {"attempt": a.id, "created_at": a.created_at, **as_json(stored.report)}
    return _json_line(data)


def recheck_text(done: Recheck) -> str:
    """What changed when a stored attempt was checked again, one line each."""
    now = done.after
    lines = [f"Rechecked attempt {done.attempt_id} with {now.model}:"]
    changes = done.changes or ["nothing changed: the same parts were heard"]
    lines.extend(f"  {line}" for line in changes)
    heard = len(now.elements) - len(now.missed)
    lines.append(f"  now: {heard} of {len(now.elements)} parts heard")
    return _lines(lines)


def recheck_json(done: Recheck) -> str:
    data = {
        "attempt": done.attempt_id,
        "changes": done.changes,
        "before": as_json(done.before),
        "after": as_json(done.after),
    }
    return _json_line(data)
