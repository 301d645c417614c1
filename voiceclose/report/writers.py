"""Results as text for people or JSON Lines for programs (the CLI picks one and prints it), and
as CSV rows for a spreadsheet. The history's table and trend, and a reviewed or rechecked
attempt, are in history_text."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from voiceclose.report.answer_text import answer_report_lines, followup_lines
from voiceclose.report.wording import counted, heard
from voiceclose.results import (
    ANSWER_PARTS,
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
    pass

EXPLAIN_SHOWN = 6  # passages --explain lists per part and signal
SIGNALS = ("rules", "semantic")  # what found a passage: the phrase rules, the semantic signal
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
        silent = sum(1 for r in checked if isinstance(r, Report) and r.no_speech)
        missed = len(checked) - complete - silent
        line = f"{len(checked)} checked: {complete} complete, {missed} missed something"
        if silent:  # nothing in them was checked, so nothing was missed either
            line += f", {silent} with no speech"
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
        for note in r.shown_notes:
            lines.append(f"  note: {note}")
        if r.no_speech:
            # a recording practice made asks after the microphone; a file given to check cannot
            mic = " Is the right microphone on?" if r.recording else ""
            lines.append(f"  No speech heard, so nothing could be checked.{mic}")
            return lines
        names = LABELS
        found = [e for e in ELEMENTS if r.elements[e].found]
        if not found and r.transcript.strip():  # no evidence to quote: what was heard instead
            lines.append(f'  Heard: "{heard(r.transcript)}"')
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
            lines.append(f"    {names[element]}: {counted(len(considered), 'passage')} considered")
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
