"""What changed since the previous attempt at the same scenario: for the report after "try
again", and for a practice of a scenario already in the history."""

from __future__ import annotations

from dataclasses import dataclass

from voiceclose.errors import HistoryError
from voiceclose.results import ELEMENTS, LABELS, Attempt, Report, and_list

WPM_CHANGE = 5.0  # a pace change smaller than this (words a minute) is not worth telling
NAMED = {
    "interest": "interest",
    "fit": "fit",
    "reservations": "the reservations question",
    "thanks": "thanks",
}  # each part inside a sentence
# What doing each part sounds like, for "this time you ..."
DONE = {
    "interest": "said you want the job",
    "fit": "tied your experience to what they need",
    "reservations": "asked the reservations question",
    "thanks": "thanked them for their time",
}


@dataclass(frozen=True)
class Snapshot:
    """The little of an attempt that is compared: which parts were heard, pace, fillers."""

    label: str  # "attempt 12" or "your last try"
    heard: frozenset[str]
    speech_heard: bool
    words_per_minute: float | None
    fillers: int | None


def from_report(report: Report, label: str = "your last try") -> Snapshot:
    return Snapshot(
        label,
        frozenset(e for e in ELEMENTS if report.elements[e].found),
        report.extras.speech_heard,
        report.extras.words_per_minute,
        report.extras.fillers,
    )


def from_attempt(attempt: Attempt) -> Snapshot:
    return Snapshot(
        f"attempt {attempt.id}",
        frozenset(e for e in ELEMENTS if e in attempt.elements and attempt.elements[e].found),
        not attempt.no_speech,
        attempt.words_per_minute,
        attempt.fillers,
    )


def latest_for(scenario: str) -> Snapshot | None:
    """The latest stored attempt at ``scenario``, if the history has one (and can be read)."""
    from voiceclose.app.review import attempts

    try:
        listing = attempts(scenario=scenario)
    except HistoryError:
        return None
    found = [a for a in (listing.attempts if listing else []) if not a.no_speech]
    return from_attempt(found[-1]) if found else None  # a silent try is nothing to compare with


def since(before: Snapshot, now: Report) -> list[str]:
    """What changed from ``before`` to ``now``, as sentences: the parts first, then pace and
    filler words ("This time you asked the reservations question; thanks was missing.")."""
    after = from_report(now)
    if not after.speech_heard:
        return ["No speech was heard this time."]
    if not before.speech_heard:  # callers skip silent tries; a stored one may still come
        return [f"No speech was heard in {before.label}; this time you spoke."]
    gained = [e for e in ELEMENTS if e in after.heard and e not in before.heard]
    lost = [e for e in ELEMENTS if e in before.heard and e not in after.heard]
    still = [e for e in ELEMENTS if e not in before.heard and e not in after.heard]
    said = [f"you {and_list([DONE[e] for e in gained])}"] if gained else []
    if lost:
        said.append(
            f"{and_list([NAMED[e] for e in lost])} {'was' if len(lost) == 1 else 'were'} missing"
        )
    lines = []
    if said:
        lines.append("This time " + "; ".join(said) + ".")
    elif len(after.heard) == len(ELEMENTS):
        lines.append("All four parts again.")
    else:
        lines.append("The same parts as before.")
    if still:
        lines.append("Still missing: " + ", ".join(LABELS[e] for e in still) + ".")
    wpm_then, wpm_now = before.words_per_minute, after.words_per_minute
    if wpm_then is not None and wpm_now is not None and abs(wpm_now - wpm_then) >= WPM_CHANGE:
        lines.append(f"Pace: {wpm_then:.0f} → {wpm_now:.0f} words a minute.")
    if before.fillers is not None and after.fillers is not None and before.fillers != after.fillers:
        lines.append(f"Filler words: {before.fillers} → {after.fillers}.")
    return lines
