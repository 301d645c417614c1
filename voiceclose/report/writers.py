"""Results as text for people or JSON Lines for programs (the CLI picks one and prints it), and
as CSV rows for a spreadsheet. Also the history's table and trend, and a reviewed or rechecked
attempt, in the same two forms."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from voiceclose.report.answer_text import answer_report_lines, followup_lines
from voiceclose.results import (
    ANSWER_LABELS,
    ANSWER_PARTS,
    COMFORTABLE_WPM,
    ELEMENTS,
    LABELS,
    AnswerReport,
    Candidate,
    Failure,
    Report,
    Result,
    clock,
)
from voiceclose.results_json import as_json

if TYPE_CHECKING:  # history and review import this module
    from voiceclose.results import Attempt, Recheck, StoredAttempt, Trend

NAME_WIDTH = 30  # characters of a scenario or file name in the history table
EXPLAIN_SHOWN = 6  # passages --explain lists per part and signal
SIGNALS = ("rules", "semantic")  # what found a passage: the phrase rules, the semantic signal
PACE_SHOWN = 12  # the latest attempts whose pace the trend line lists
SPARKS = "▁▂▃▄▅▆▇█"
SPARK_RANGE_WPM = (60.0, 240.0)  # the sparkline's fixed scale: 150 is mid-height wherever it is
TAG_WIDTH = 14  # characters of a tag in the history table
# Characters that move the cursor, end a line or reorder text on a terminal: a file name or a
# transcript holding one is printed with it escaped, so it can never fake a line of output.
_UNPRINTABLE_CATEGORIES = ("Cc", "Zl", "Zp")  # control characters, line and paragraph separators
_BIDI_CONTROLS = frozenset(  # marks, embeddings, overrides and isolates
    chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` as one plain line: control characters (a newline, a terminal escape sequence's
    ESC), line separators and bidirectional overrides written as backslash escapes."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_escaped(c) if _unprintable(c) else c for c in text)


def _unprintable(c: str) -> bool:
    return unicodedata.category(c) in _UNPRINTABLE_CATEGORIES or c in _BIDI_CONTROLS


def _escaped(c: str) -> str:
    if c in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[c]
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_line(data) -> str:
    """``data`` as one line of JSON. JSON escapes ASCII control characters itself; the others
    (C1 controls, line separators, bidirectional overrides) are escaped here too, so the line
    reads as one line everywhere and never drives a terminal."""
    text = json.dumps(data, ensure_ascii=False)
    if text.isascii():
        return text
    return "".join(f"\\u{ord(c):04x}" if _unprintable(c) else c for c in text)


class JsonWriter:
    """One JSON object per input, one per line."""

    def __init__(self, explain: bool = False):
        self.explain = explain

    def result(self, result: Result) -> str:
        return _json_line(as_json(result, self.explain))

    def summary(self, results: Sequence[Result]) -> str | None:
        return None


class TextWriter:
    """A readable report: what was done well first, then what was missed, with a line to try."""

    def __init__(self, explain: bool = False):
        self.explain = explain

    def result(self, result: Result) -> str:
        if isinstance(result, Failure):
            return printable(f"{result.source}: {result.error}")
        if isinstance(result, AnswerReport):
            return _lines(answer_report_lines(result))
        lines = self._report(result)
        if result.followup is not None:
            lines.extend(followup_lines(result.followup))
        return _lines(lines)

    def summary(self, results: Sequence[Result]) -> str | None:
        if len(results) < 2:
            return None
        checked = [r for r in results if isinstance(r, Report | AnswerReport)]
        complete = sum(1 for r in checked if r.complete)
        missed = len(checked) - complete
        line = f"{len(checked)} checked: {complete} complete, {missed} missed something"
        failed = len(results) - len(checked)
        if failed:
            line += f"; {failed} could not be checked"
        return line

    def _report(self, r: Report) -> list[str]:
        head = r.source
        details = []
        if r.duration_s is not None:
            details.append(f"{clock(r.duration_s)} recorded")
        if r.model:
            details.append(f"model {r.model}")
        if details:
            head += f"  ({', '.join(details)})"
        lines = [head]
        for note in r.notes:
            lines.append(f"  note: {note}")
        if r.kind == "audio" and not r.extras.speech_heard:
            lines.append(
                "  No speech heard, so nothing could be checked. Is the right microphone on?"
            )
            return lines
        names = LABELS
        found = [e for e in ELEMENTS if r.elements[e].found]
        if found:
            lines.append("  Done well:")
            praise = r.feedback.praise
            if len(praise) != len(found):  # a report stored by another version: no praise
                praise = [""] * len(found)
            for element, said in zip(found, praise, strict=True):
                lines.append(f"    ✓ {names[element]}" + (f": {said}" if said else ""))
                lines.append(f"        {_evidence(r, element)}")
        if r.feedback.tips:
            lines.append("  Missed:")
            for tip in r.feedback.tips:
                lines.append(f"    ✗ {tip.label}: {tip.observed}")
                lines.append(f"        Tip: {tip.tip}")
                lines.append(f'        Try: "{tip.example}"')
        else:
            lines.append("  All four parts of a strong close were there.")
        for note in r.feedback.notes:
            lines.append(f"  · {note}")
        if self.explain:
            lines.extend(self._explain(r))
        return lines

    def _explain(self, r: Report) -> list[str]:
        names = LABELS
        lines = ["  Why:"]
        for element in ELEMENTS:
            considered = [c for c in r.candidates if c.element == element]
            lines.append(f"    {names[element]}: {len(considered)} passage(s) considered")
            for signal in SIGNALS:
                shown = [c for c in considered if c.signal == signal]
                for c in sorted(shown, key=lambda c: (not c.accepted, -c.score))[:EXPLAIN_SHOWN]:
                    mark = "accepted" if c.accepted else "rejected"
                    lines.append(
                        f'      {signal:<8} {mark} {c.score:5.1f} "{c.evidence}"{_when(c)} '
                        f"— {c.reason}"
                    )
        return lines


def _lines(lines: Sequence[str]) -> str:
    """Lines joined, each one printable: nothing in them can start another line."""
    return "\n".join(printable(line) for line in lines)


def _evidence(r: Report, element: str) -> str:
    e = r.elements[element]
    when = ""
    if e.start_s is not None:
        when = f" at {clock(e.start_s)}"
    return f'heard: "{e.evidence}"{when}'


def _when(c: Candidate) -> str:
    return f" at {clock(c.start_s)}" if c.start_s is not None else ""


class CsvWriter:
    """One row per input, for a coach's spreadsheet: each part's result, and errors too. With
    ``answers`` (``check --concern``), the answer's three parts and the concern instead."""

    def __init__(self, answers: bool = False):
        self.columns = ANSWER_CSV_COLUMNS if answers else CSV_COLUMNS

    def header(self) -> str:
        return _csv_row(self.columns, self.columns)

    def result(self, result: Result) -> str:
        if isinstance(result, Failure):
            row = {"source": result.source, "ok": "no", "error": result.error}
            return _csv_row(row, self.columns)
        if isinstance(result, AnswerReport):
            return _csv_row(_answer_row(result), self.columns)
        extras = result.extras
        row = {
            "source": result.source,
            "ok": "yes",
            "kind": result.kind,
            "duration_s": result.duration_s,
            "model": result.model,
            "scenario": result.prompt,
            "complete": "yes" if result.complete else "no",
            "missed": " ".join(result.missed),
            "words_per_minute": extras.words_per_minute,
            "fillers": extras.fillers,
            "next_steps": "yes" if extras.next_steps else "no",
            "overconfident": "yes" if extras.overconfident else "no",
        }
        for name, e in result.elements.items():
            row[name] = "found" if e.found else "missed"
            row[f"{name}_evidence"] = e.evidence
            row[f"{name}_at_s"] = e.start_s
        return _csv_row(row, self.columns)


def _answer_row(result: AnswerReport) -> dict:
    row = {
        "source": result.source,
        "ok": "yes",
        "kind": result.kind,
        "duration_s": result.duration_s,
        "model": result.model,
        "concern_kind": result.concern.kind,
        "concern": result.concern.text,
        "complete": "yes" if result.complete else "no",
        "missed": " ".join(result.missed),
    }
    for name, e in result.elements.items():
        row[name] = "found" if e.found else "missed"
        row[f"{name}_evidence"] = e.evidence
        row[f"{name}_at_s"] = e.start_s
    return row


CSV_COLUMNS = (
    "source",
    "ok",
    "error",
    "kind",
    "duration_s",
    "model",
    "scenario",
    "complete",
    "missed",
    *(f"{e}{suffix}" for e in ELEMENTS for suffix in ("", "_evidence", "_at_s")),
    "words_per_minute",
    "fillers",
    "next_steps",
    "overconfident",
)
ANSWER_CSV_COLUMNS = (  # check --concern: one row per answer
    "source",
    "ok",
    "error",
    "kind",
    "duration_s",
    "model",
    "concern_kind",
    "concern",
    "complete",
    "missed",
    *(f"{p}{suffix}" for p in ANSWER_PARTS for suffix in ("", "_evidence", "_at_s")),
)
_SPREADSHEET_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so runs as a formula


def _csv_row(values: Sequence | dict, columns: Sequence[str] = CSV_COLUMNS) -> str:
    if isinstance(values, dict):
        values = [values.get(column) for column in columns]
    cells = []
    for value in values:
        text = "" if value is None else str(value)
        if isinstance(value, str) and text.startswith(_SPREADSHEET_FORMULA):
            text = "'" + text  # shown as typed, never evaluated
        cells.append(text)
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


WRITERS = {"text": TextWriter, "json": JsonWriter}


# --- the history ---------------------------------------------------------------------------------


def attempt_json(attempt: Attempt) -> str:
    """One stored attempt as a line of JSON (``voiceclose history --json``)."""
    return _json_line(dataclasses.asdict(attempt))


def attempts_table(attempts: Sequence[Attempt], total: int) -> str:
    """The attempts, oldest first, one line each: when, what, length, pace, fillers, parts."""
    heading = "Attempts" if len(attempts) == total else f"The latest {len(attempts)} of {total}"
    tagged = len({a.tag for a in attempts}) > 1  # one tag for all (history --tag): said once
    heading += f" tagged {attempts[0].tag!r}" if attempts and attempts[0].tag and not tagged else ""
    tag_head = f"{'tag':<{TAG_WIDTH}} " if tagged else ""
    answered = any(a.followup for a in attempts)  # practice's answers: their parts too
    lines = [
        f"{heading}:",
        f"{'#':>5}  {'when':<16}  {tag_head}{'close':<{NAME_WIDTH}} {'recorded':>8} {'pace':>5} "
        f"{'fillers':>7}  int fit res tha" + ("   answer: ack adr hi" if answered else ""),
    ]
    for a in attempts:
        name = _cut(printable(a.scenario or os.path.basename(a.source) or a.source), NAME_WIDTH)
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
            f"{a.id:>5}  {a.local_time:%Y-%m-%d %H:%M}  {tag}{name:<{NAME_WIDTH}} {length:>8} "
            f"{pace:>5} {fillers:>7}  {marks.rstrip()}"
        )
    return _lines(lines)


def _answer_marks(a: Attempt) -> str:
    """The answer's three parts under "answer: ack adr hi" ("–" with no answer)."""
    if not a.followup:
        return f"{'':10}{'–':^4}"
    return f"{'':10}" + "".join(
        f"{'✓' if p in a.followup and a.followup[p].found else '✗':^4}" for p in ANSWER_PARTS
    )


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def trend_text(t: Trend) -> str:
    """Complete closes in a row, the part most often missed, and the pace over time."""
    lines = [
        f"Trend over {t.attempts} attempt(s):",
        f"  complete closes: {t.complete} of {t.attempts}; {t.complete_in_a_row} in a row now "
        f"(best run {t.best_in_a_row})",
    ]
    if t.most_missed:
        lines.append(
            f"  most often missed: {LABELS[t.most_missed]} "
            f"({t.missed_counts[t.most_missed]} of {t.attempts})"
        )
    elif t.attempts:
        lines.append("  nothing missed in these attempts")
    if t.no_speech:
        lines.append(f"  left out: {t.no_speech} attempt(s) where no speech was heard")
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
