"""Inputs checked as answers to the interviewer's concern (``voiceclose check --concern``, the
follow-up round of practice): transcribe as a close is transcribed, check the three parts of an
answer, give feedback."""

from __future__ import annotations

import re
from pathlib import Path

from voiceclose.app.checking import Checker, Item, reads_as_text
from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.audio.decode import load_audio
from voiceclose.check.answer import check_answer
from voiceclose.check.answer_feedback import answer_feedback
from voiceclose.errors import InputError
from voiceclose.results import (
    ANSWER_PARTS,
    NO_SPEECH,
    AnswerCheck,
    AnswerReport,
    Concern,
    ElementResult,
    Failure,
    FollowUp,
    Transcript,
)

# When --concern-kind is not given, the kind is read from the concern's words: first match wins.
_KIND_CUES = (
    (
        "none",
        r"\bno (concerns?|reservations?|doubts?)\b|covered (everything|it)|nothing (at all|comes)"
        r"|answered everything|(don'?t|do not) have any (concerns|worries|reservations)"
        r"|^\W*(none|no|nope|nothing|not really)\W*(,\W*no\W*)?$",  # the answer said alone
    ),
    (
        "misunderstanding",
        r"\b(you said|you mentioned|did i (hear|understand)|i understood|sounded like)\b"
        r"|i got the impression|if i heard",
    ),
    (
        "skills_gap",
        r"\b(haven'?t|have not|never|not) (been|run|managed|had|taught|led|done|used|worked)\b"
        r"|no experience (with|in|of)|\black|\bnot (yet )?(certified|qualified|chartered)",
    ),
)


def guess_kind(text: str) -> str:
    """A concern's kind from its words, when nobody said: the default is ``gap``."""
    lowered = text.lower().replace("’", "'")
    for kind, pattern in _KIND_CUES:
        if re.search(pattern, lowered):
            return kind
    return "gap"


def run_answer(checker: Checker, item: Item | Failure, concern: Concern) -> AnswerReport | Failure:
    """Check one input as an answer to ``concern``; a problem becomes a Failure."""
    if isinstance(item, Failure):
        return item
    try:
        if reads_as_text(checker.options, item):
            transcript = transcript_from_text(checker.read_text(item))
            return _report(item.source, "text", transcript, None, None, concern, [])
        return answer_audio_file(checker, item.source, item.path, concern)
    except InputError as e:
        return Failure(item.source, e.problem)


def answer_audio_file(
    checker: Checker, source: str, path: Path, concern: Concern, transcript=None
) -> AnswerReport:
    """Transcribe (or take ``transcript``, heard while recording) and check a recorded answer."""
    audio = load_audio(path)
    transcript = checker.heard(audio, transcript)
    notes = list(audio.notes)
    if not transcript.speech_heard:
        notes.append(NO_SPEECH)
    model = checker.options.model
    return _report(source, "audio", transcript, audio.file_duration_s, model, concern, notes)


def checked(transcript: Transcript, concern: Concern, audio: bool) -> AnswerCheck:
    """The three parts; for audio, only words over detected speech count, and silence none."""
    if audio and not transcript.speech_heard:
        empty = ElementResult(False, 0.0, None, None, None)
        return AnswerCheck({part: empty for part in ANSWER_PARTS}, ())
    regions = transcript.speech_regions if audio else None
    return check_answer(transcript.words, concern.kind, speech_regions=regions)


def _report(source, kind, transcript, duration_s, model, concern, notes) -> AnswerReport:
    result = checked(transcript, concern, kind == "audio")
    return AnswerReport(
        source=source,
        kind=kind,
        duration_s=round(duration_s, 2) if duration_s is not None else None,
        transcript=transcript.text,
        model=model,
        concern=concern,
        elements=result.elements,
        missed=result.missed,
        feedback=answer_feedback(result, concern),
        notes=notes,
        words=list(transcript.words),
        candidates=list(result.candidates),
    )


def followup_from(report: AnswerReport, recording: str | None) -> FollowUp:
    """A checked answer as the ``followup`` part of a practice report."""
    return FollowUp(
        concern=report.concern,
        recording=recording,
        transcript=report.transcript,
        elements=report.elements,
        missed=report.missed,
        feedback=report.feedback,
        duration_s=report.duration_s,
        words=report.words,
        candidates=report.candidates,
        notes=report.notes,
    )
