"""Results as text for people or JSON Lines for programs; the CLI picks one and prints it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from voiceclose.checker import ELEMENTS, Candidate
from voiceclose.feedback import clock, labels
from voiceclose.pipeline import Failure, Report, Result

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
    ordered = {key: data.pop(key) for key in _FIRST_KEYS}
    if not explain:
        for key in _DETAIL_KEYS:
            data.pop(key)
    for key in ("recording", "prompt"):  # only for practice recordings
        if data.get(key) is None:
            data.pop(key, None)
    ordered.update(data)
    return ordered


class JsonWriter:
    """One JSON object per input, one per line."""

    def __init__(self, explain: bool = False):
        self.explain = explain

    def result(self, result: Result) -> str:
        return json.dumps(as_json(result, self.explain), ensure_ascii=False)

    def summary(self, results: Sequence[Result]) -> str | None:
        return None


class TextWriter:
    """A readable report: what was done well first, then what was missed, with a line to try."""

    def __init__(self, explain: bool = False):
        self.explain = explain

    def result(self, result: Result) -> str:
        if isinstance(result, Failure):
            return f"{result.source}: {result.error}"
        return "\n".join(self._report(result))

    def summary(self, results: Sequence[Result]) -> str | None:
        if len(results) < 2:
            return None
        checked = [r for r in results if isinstance(r, Report)]
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
            details.append(clock(r.duration_s))
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
        names = labels()
        found = [e for e in ELEMENTS if r.elements[e].found]
        if found:
            lines.append("  Done well:")
            for element, praise in zip(found, r.feedback.praise, strict=True):
                lines.append(f"    ✓ {names[element]}: {praise}")
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
        names = labels()
        lines = ["  Why:"]
        for element in ELEMENTS:
            considered = [c for c in r.candidates if c.element == element]
            lines.append(f"    {names[element]}: {len(considered)} passage(s) considered")
            for c in sorted(considered, key=lambda c: (not c.accepted, -c.score))[:6]:
                mark = "accepted" if c.accepted else "rejected"
                lines.append(f'      {mark} {c.score:5.1f} "{c.evidence}"{_when(c)} — {c.reason}')
        return lines


def _evidence(r: Report, element: str) -> str:
    e = r.elements[element]
    when = ""
    if e.start_s is not None:
        when = f" at {clock(e.start_s)}"
    return f'heard: "{e.evidence}"{when}'


def _when(c: Candidate) -> str:
    return f" at {clock(c.start_s)}" if c.start_s is not None else ""


WRITERS = {"text": TextWriter, "json": JsonWriter}
