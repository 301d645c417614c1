"""What every stage returns: plain dataclasses, with no heavy imports.

Decoding and speech detection give ``SpeechRegion``s, transcription a ``Transcript`` of ``Word``s,
the checker a ``CheckResult`` (each part's ``ElementResult``, the ``Extras`` and every
``Candidate`` passage it considered), feedback a ``Feedback`` of ``Tip``s, and checking one input
a ``Report`` or a ``Failure``. ``voiceclose.results_json`` turns them into JSON and back.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

ELEMENTS = ("interest", "fit", "reservations", "thanks")  # the parts of a strong close
LABELS = {  # each part's name wherever a person reads it
    "interest": "Interest",
    "fit": "Fit",
    "reservations": "Reservations question",
    "thanks": "Thanks",
}
ANSWER_PARTS = ("acknowledge", "address", "high_note")  # the parts of an answer to a concern
ANSWER_LABELS = {
    "acknowledge": "Acknowledge",
    "address": "Address",
    "high_note": "High note",
}
CONCERN_KINDS = ("misunderstanding", "gap", "skills_gap", "none")  # what the interviewer raises
NO_SPEECH = "no speech heard"  # the note on a recording (a close, an answer) where nothing was said
MIN_WORD_SPEECH = 0.25  # a word needs this share of its span inside detected speech to count
COMFORTABLE_WPM = (120.0, 170.0)  # a conversational pace, words per minute
SUGGESTED_LENGTH_S = (30.0, 120.0)  # a close of half a minute to two minutes


@dataclass(frozen=True)
class Word:
    text: str  # as Whisper wrote it, punctuation attached
    start_s: float | None  # seconds from the start of the file; None for typed transcripts
    end_s: float | None


@dataclass(frozen=True)
class SpeechRegion:
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def speech_fraction(regions: Sequence[SpeechRegion], start_s: float, end_s: float) -> float:
    """How much of [start_s, end_s] lies inside speech regions, from 0 to 1."""
    if end_s <= start_s:
        # a zero-length span (a word Whisper squeezed to a point) counts if it sits in speech
        return float(any(r.start_s <= start_s <= r.end_s for r in regions))
    covered = sum(max(0.0, min(end_s, r.end_s) - max(start_s, r.start_s)) for r in regions)
    return min(1.0, covered / (end_s - start_s))


@dataclass(frozen=True)
class Transcript:
    words: tuple[Word, ...]
    speech_heard: bool
    speech_regions: tuple[SpeechRegion, ...] = ()
    dropped_words: tuple[Word, ...] = field(default=())  # heard by Whisper, not in the audio

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True)
class Candidate:
    """A passage that looked like one of the parts, and whether it was credited."""

    element: str
    evidence: str
    score: float
    start_s: float | None
    end_s: float | None
    accepted: bool
    reason: str  # why it was credited or not, in a few words
    first_word: int  # transcript word indices, inclusive
    last_word: int
    signal: str = "rules"  # what found it: "rules" (the phrase patterns) or "semantic"
    needs: list[str] = field(default_factory=list)  # fit: the scenario's needs it spoke to


@dataclass(frozen=True)
class ElementResult:
    found: bool
    score: float  # 0-100: how closely the words heard match the phrases (0 when not found)
    evidence: str | None  # the words that showed it
    start_s: float | None  # when they were said, seconds from the start of the recording
    end_s: float | None
    needs: list[str] = field(default_factory=list)  # fit: the scenario's needs it spoke to
    signal: str | None = None  # what credited it: "rules" or "semantic" (None when not found)


@dataclass(frozen=True)
class Extras:
    speech_heard: bool
    words_per_minute: float | None
    fillers: int
    next_steps: bool
    overconfident: bool
    filler_words: dict[str, int] = field(default_factory=dict)
    next_steps_line: str | None = None
    overconfident_line: str | None = None
    hedging: bool = False  # lines that undermine the candidate ("I'm probably a long shot")
    hedging_lines: list[str] = field(default_factory=list)
    recap: bool = False  # the candidate restated what the employer needs (the "confirm" step)
    recap_line: str | None = None


@dataclass(frozen=True)
class CheckResult:
    elements: dict[str, ElementResult]
    extras: Extras
    candidates: tuple[Candidate, ...]

    @property
    def missed(self) -> list[str]:
        return [name for name in ELEMENTS if not self.elements[name].found]

    @property
    def complete(self) -> bool:
        return not self.missed


@dataclass(frozen=True)
class AnswerCheck:
    """The checker's verdict on an answer to a concern: each of ANSWER_PARTS and every passage."""

    elements: dict[str, ElementResult]
    candidates: tuple[Candidate, ...]

    @property
    def missed(self) -> list[str]:
        return [name for name in ANSWER_PARTS if not self.elements[name].found]


@dataclass(frozen=True)
class Concern:
    """What the interviewer raises after the reservations question."""

    kind: str  # one of CONCERN_KINDS
    text: str  # the interviewer's words


@dataclass(frozen=True)
class Tip:
    element: str
    label: str
    observed: str  # what was (not) heard
    tip: str
    example: str


@dataclass(frozen=True)
class Feedback:
    praise: list[str] = field(default_factory=list)
    tips: list[Tip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # pace, fillers, length, next steps


@dataclass(frozen=True)
class Window:
    """The part of a long recording that was checked."""

    start_s: float
    end_s: float
    file_duration_s: float


@dataclass(frozen=True)
class FollowUp:
    """The answer to the interviewer's concern, checked (``followup`` in a report's JSON)."""

    concern: Concern
    recording: str | None  # the answer's audio file; None for a typed answer
    transcript: str
    elements: dict[str, ElementResult]  # ANSWER_PARTS, in the close's shape
    missed: list[str]
    feedback: Feedback
    duration_s: float | None = None
    words: list[Word] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missed

    @property
    def no_speech(self) -> bool:
        """Nothing was said in the recorded answer (silence, noise)."""
        return self.recording is not None and NO_SPEECH in self.notes


@dataclass(frozen=True)
class Report:
    """One input that was checked. ``dataclasses.asdict`` of this is the JSON output."""

    source: str
    kind: Literal["audio", "text"]
    duration_s: float | None
    transcript: str
    model: str | None
    elements: dict[str, ElementResult]
    missed: list[str]
    extras: Extras
    feedback: Feedback
    window: Window | None = None
    notes: list[str] = field(default_factory=list)
    recording: str | None = None  # the file practice recorded to
    prompt: str | None = None  # the practice scenario the close was checked against
    words: list[Word] = field(default_factory=list)  # each word with its times, for review
    candidates: list[Candidate] = field(default_factory=list)  # every passage considered
    followup: FollowUp | None = None  # the answer to the interviewer's concern, after practice
    ok: bool = True

    @property
    def complete(self) -> bool:
        return not self.missed

    @property
    def no_speech(self) -> bool:
        """A recording where no speech was heard: nothing in it was checked (as Attempt's)."""
        return self.kind == "audio" and not self.extras.speech_heard

    @property
    def shown_notes(self) -> list[str]:
        """The notes as a report shows them: one with no speech says so in a line of its own,
        so not again as the note "no speech heard"."""
        return [n for n in self.notes if not (self.no_speech and n == NO_SPEECH)]


@dataclass(frozen=True)
class AnswerReport:
    """One input checked as an answer to a concern (``voiceclose check --concern``)."""

    source: str
    kind: Literal["audio", "text"]
    duration_s: float | None
    transcript: str
    model: str | None
    concern: Concern
    elements: dict[str, ElementResult]
    missed: list[str]
    feedback: Feedback
    notes: list[str] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    check: str = "answer"
    ok: bool = True

    @property
    def complete(self) -> bool:
        return not self.missed


@dataclass(frozen=True)
class Failure:
    """One input that could not be checked, and why, in one line."""

    source: str
    error: str
    ok: bool = False


Result = Report | AnswerReport | Failure


@dataclass(frozen=True)
class Attempt:
    """One stored attempt, as ``voiceclose history`` lists it (``--json`` is asdict of this)."""

    id: int
    created_at: str  # UTC, ISO 8601
    source: str
    recording: str | None  # the audio file, if the attempt was a recording
    kind: str
    scenario: str | None
    model: str | None
    duration_s: float | None
    complete: bool
    missed: list[str]
    elements: dict[str, ElementResult]
    words_per_minute: float | None
    fillers: int | None
    extras: dict[str, Any]
    tag: str | None = None  # a label given with --tag (a candidate, a class)

    @property
    def no_speech(self) -> bool:
        """Nothing was said (silence, noise): listed, but left out of the trend."""
        return self.kind == "audio" and self.extras.get("speech_heard") is False

    followup: dict[str, ElementResult] | None = None  # the answer's parts, after practice
    concern: Concern | None = None  # what the interviewer raised, when there is an answer

    @property
    def local_time(self) -> datetime:
        return datetime.fromisoformat(self.created_at).astimezone()


@dataclass(frozen=True)
class StoredAttempt:
    """One attempt with its whole report, for review."""

    attempt: Attempt
    report: Report
    recording_size: int | None  # bytes when it was checked
    recording_mtime_ns: int | None


@dataclass(frozen=True)
class Trend:
    """How a run of attempts went, oldest to newest."""

    attempts: int
    complete: int
    complete_in_a_row: int  # the latest attempts that were all complete, counting back
    best_in_a_row: int
    missed_counts: dict[str, int]  # how often each part was missed
    most_missed: str | None  # the part missed most often; None when none was
    pace: list[tuple[int, float]]  # (attempt id, words per minute), oldest first
    no_speech: int = 0  # attempts where no speech was heard: listed, but not in the trend
    answers: int = 0  # attempts with an answer to the interviewer's concern
    answer_found: dict[str, int] = field(default_factory=dict)  # each answer part: times found
    most_missed_tied: list[str] = field(default_factory=list)  # every part missed as often as
    # the most missed one (most_missed first), when more than one is


@dataclass(frozen=True)
class Recheck:
    """A stored attempt checked again: the report then, the report now, and what changed."""

    attempt_id: int
    before: Report
    after: Report
    changes: list[str]  # one line each, in words; empty when nothing changed


def recording_of(report: Report) -> Path | None:
    """The audio file a report was made from, as an absolute path; None for typed transcripts."""
    if report.recording:
        return Path(os.path.abspath(report.recording))
    if report.kind == "audio" and report.source != "-":
        return Path(os.path.abspath(report.source))
    return None


def clock(seconds: float) -> str:
    """Seconds as m:ss (or h:mm:ss)."""
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return f"{seconds // 60}:{seconds % 60:02d}"


def and_list(items) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
