"""Results as JSON and back: the one place where reports meet JSON (the CLI's --json, the
report saved beside a recording, the history's stored reports)."""

from __future__ import annotations

import dataclasses
from typing import Any

from voiceclose.results import (
    AnswerReport,
    Candidate,
    Concern,
    ElementResult,
    Extras,
    Failure,
    Feedback,
    FollowUp,
    Report,
    Result,
    Tip,
    Window,
    Word,
)

_FIRST_KEYS = (
    "source",
    "ok",
    "kind",
    "duration_s",
    "transcript",
    "model",
    "elements",
    "missed",
    "extras",
)
_DETAIL_KEYS = ("words", "candidates")  # only with --explain


def as_json(result: Result, explain: bool = False) -> dict:
    """The JSON object for one result: the contract's keys first, then the rest."""
    if isinstance(result, Failure):
        return {"source": result.source, "ok": False, "error": result.error}
    data = dataclasses.asdict(result)
    if isinstance(result, AnswerReport):
        return _answer_json(data, explain)
    if data.get("followup") is None:
        data.pop("followup", None)
    elif not explain:
        for key in _DETAIL_KEYS:
            data["followup"].pop(key, None)
    ordered = {key: data.pop(key) for key in _FIRST_KEYS}
    if not explain:
        for key in _DETAIL_KEYS:
            data.pop(key)
    for key in ("recording", "prompt"):  # only for practice recordings
        if data.get(key) is None:
            data.pop(key, None)
    ordered.update(data)
    return ordered


_ANSWER_KEYS = ("source", "ok", "check", "kind", "duration_s", "transcript", "model", "concern")


def _answer_json(data: dict, explain: bool) -> dict:
    ordered = {key: data.pop(key) for key in _ANSWER_KEYS}
    ordered.update({"elements": data.pop("elements"), "missed": data.pop("missed")})
    if not explain:
        for key in _DETAIL_KEYS:
            data.pop(key)
    ordered.update(data)
    return ordered


def followup_from_json(data: dict[str, Any]) -> FollowUp:
    """A FollowUp again, from the ``followup`` object of a report's JSON."""
    return FollowUp(
        concern=_build(Concern, data["concern"]),
        recording=data.get("recording"),
        transcript=data.get("transcript", ""),
        elements={name: _build(ElementResult, e) for name, e in data["elements"].items()},
        missed=list(data.get("missed", [])),
        feedback=_feedback(data.get("feedback") or {}),
        duration_s=data.get("duration_s"),
        words=[_build(Word, w) for w in data.get("words", [])],
        candidates=[_build(Candidate, c) for c in data.get("candidates", [])],
        notes=list(data.get("notes", [])),
    )


def _feedback(feedback: dict[str, Any]) -> Feedback:
    return Feedback(
        praise=list(feedback.get("praise", [])),
        tips=[_build(Tip, t) for t in feedback.get("tips", [])],
        notes=list(feedback.get("notes", [])),
    )


def report_from_json(data: dict[str, Any]) -> Report:
    """A Report again, from ``as_json(report, explain=True)``."""
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
        words=[_build(Word, w) for w in data.get("words", [])],
        candidates=[_build(Candidate, c) for c in data.get("candidates", [])],
        followup=followup_from_json(data["followup"]) if data.get("followup") else None,
    )


def _build(cls, values: dict[str, Any]):
    """``cls(**values)`` keeping only the fields ``cls`` has (a later version may add some)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in names})
