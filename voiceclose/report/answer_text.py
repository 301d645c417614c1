"""An answer to the interviewer's concern as text: the concern, then what was done well, then
each missed part with a tip and a line to try (the close's report, in the same tone)."""

from __future__ import annotations

from voiceclose.report.wording import heard
from voiceclose.results import (
    ANSWER_LABELS,
    ANSWER_PARTS,
    NO_SPEECH,
    AnswerReport,
    FollowUp,
    clock,
)

KIND_NAMES = {
    "misunderstanding": "a misunderstanding",
    "gap": "a doubt about a gap",
    "skills_gap": "a skills gap",
    "none": "no concerns",
}


def answer_report_lines(r: AnswerReport) -> list[str]:
    """``check --concern``: one input checked as an answer."""
    head = r.source
    details = [clock(r.duration_s)] if r.duration_s is not None else []
    if r.model:
        details.append(f"model {r.model}")
    if details:
        head += f"  ({', '.join(details)})"
    return [head, *_body(r, "  ")]


def followup_lines(f: FollowUp) -> list[str]:
    """The follow-up round, after a close's report."""
    lines = ["", "Your answer to the interviewer's concern:"]
    if f.recording:
        lines.append(f"  Recording: {f.recording}")
    return lines + _body(f, "  ")


def _body(r: AnswerReport | FollowUp, pad: str) -> list[str]:
    said = f'"{r.concern.text}"'
    if r.concern.kind == "none":  # good news, not a concern: thank them and close
        lines = [f"{pad}The interviewer has no concerns: {said}"]
    else:
        lines = [f"{pad}Concern ({KIND_NAMES.get(r.concern.kind, r.concern.kind)}): {said}"]
    lines.extend(f"{pad}note: {note}" for note in r.notes)
    if NO_SPEECH in r.notes:
        lines.append(f"{pad}No speech heard, so the answer could not be checked.")
        return lines
    found = [p for p in ANSWER_PARTS if r.elements[p].found]
    praise = r.feedback.praise if len(r.feedback.praise) == len(found) else [""] * len(found)
    if not found and r.transcript.strip():  # no evidence to quote: what was heard instead
        lines.append(f'{pad}Heard: "{heard(r.transcript)}"')
    if found:
        lines.append(f"{pad}Done well:")
    for part, said in zip(found, praise, strict=True):
        e = r.elements[part]
        when = f" at {clock(e.start_s)}" if e.start_s is not None else ""
        lines.append(f"{pad}  ✓ {ANSWER_LABELS[part]}" + (f": {said}" if said else ""))
        lines.append(f'{pad}      heard: "{e.evidence}"{when}')
    if r.feedback.tips:
        lines.append(f"{pad}Missed:")
        for tip in r.feedback.tips:
            lines.append(f"{pad}  ✗ {tip.label}: {tip.observed}")
            lines.append(f"{pad}      Tip: {tip.tip}")
            lines.append(f'{pad}      Try: "{tip.example}"')
    else:
        lines.append(f"{pad}All three parts of a good answer were there.")
    return lines
