"""The history as CSV for a spreadsheet (``voiceclose history --csv FILE``): one row per attempt,
each part of the close and, for a practised close, the concern and each part of the answer."""

from __future__ import annotations

from voiceclose.report.writers import _csv_row
from voiceclose.results import ANSWER_PARTS, ELEMENTS, Attempt

_PART_SUFFIXES = ("", "_evidence", "_at_s")
HISTORY_CSV_COLUMNS = (
    "attempt",
    "created_at",
    "tag",
    "scenario",
    "source",
    "kind",
    "model",
    "duration_s",
    "complete",
    "missed",
    *(f"{e}{suffix}" for e in ELEMENTS for suffix in _PART_SUFFIXES),
    "words_per_minute",
    "fillers",
    "concern_kind",
    "concern",
    "answer_complete",
    "answer_missed",
    *(f"{p}{suffix}" for p in ANSWER_PARTS for suffix in _PART_SUFFIXES),
)


def header() -> str:
    return _csv_row(HISTORY_CSV_COLUMNS, HISTORY_CSV_COLUMNS)


def row(a: Attempt) -> str:
    """One attempt; the answer's columns are empty when there was no follow-up round."""
    values = {
        "attempt": a.id,
        "created_at": a.created_at,
        "tag": a.tag,
        "scenario": a.scenario,
        "source": a.source,
        "kind": a.kind,
        "model": a.model,
        "duration_s": a.duration_s,
        "complete": "yes" if a.complete else "no",
        "missed": " ".join(a.missed),
        "words_per_minute": a.words_per_minute,
        "fillers": a.fillers,
    }
    _parts(values, a.elements, ELEMENTS)
    if a.followup:
        missed = [p for p in ANSWER_PARTS if not (p in a.followup and a.followup[p].found)]
        values.update(
            concern_kind=a.concern.kind if a.concern else None,
            concern=a.concern.text if a.concern else None,
            answer_complete="no" if missed else "yes",
            answer_missed=" ".join(missed),
        )
        _parts(values, a.followup, ANSWER_PARTS)
    return _csv_row(values, HISTORY_CSV_COLUMNS)


def _parts(values: dict, parts: dict, names) -> None:
    for name in names:
        e = parts.get(name)
        if e is None:
            continue
        values[name] = "found" if e.found else "missed"
        values[f"{name}_evidence"] = e.evidence
        values[f"{name}_at_s"] = e.start_s
