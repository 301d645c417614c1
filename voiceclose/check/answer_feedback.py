"""Praise for what an answer to a concern did, a tip and an example line for each part it missed.

The words live in data/answer_tips.toml, checked against ``ANSWER_TIPS_SCHEMA`` when read. A doubt
that names a break in work gets an example explaining the time away, whose ``{that_time}`` is the
length of time the concern names ("those 18 months"), so the line to try never contradicts the
interviewer (without one, "that time"); any other doubt, the shape of an explanation. When the
interviewer has no concerns, each part says what fits good news (its ``*_none`` words).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from voiceclose.check.answer import RAISED_DOUBT
from voiceclose.check.feedback import read_string_tables
from voiceclose.paths import data_file
from voiceclose.results import (
    ANSWER_LABELS,
    ANSWER_PARTS,
    CONCERN_KINDS,
    AnswerCheck,
    Concern,
    Feedback,
    Tip,
)

ANSWER_TIPS_FILE = "answer_tips.toml"
NO_CONCERNS = ("missed_none", "tip_none", "example_none")  # what each part says to "no concerns"
ANSWER_TIPS_SCHEMA = {
    "acknowledge": ("praise", "praise_none", "missed", "defensive", "tip", "example", *NO_CONCERNS),
    "address": (
        "praise",
        "missed",
        "raised_doubt",
        "tip",
        *(f"example_{kind}" for kind in CONCERN_KINDS),
        "example_break",
        *NO_CONCERNS[:2],
    ),
    "high_note": ("praise", "missed", "tip", "example", *NO_CONCERNS),
}
# a doubt that names a break in work: its example explains the time away ({that_time})
_BREAK = re.compile(
    r"\b(?:gap|break|sabbatical|(?:years?|months?|weeks?|time) (?:out|off)|off work|"
    r"out of work|no work|not working|weren'?t working|wasn'?t working|between jobs|"
    r"unemployed|missing from|travell?ing|leave)\b",
    re.IGNORECASE,
)
THAT_TIME = "{that_time}"  # in an example: the length of time the concern names
NO_LENGTH = "that time"  # what it says when the concern names none
_UNITS = ("day", "week", "month", "year")
_SMALL = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen"
)
_TENS = "twenty|thirty|forty|fifty"
_COUNT = rf"\d+(?:\.\d+)?|(?:{_TENS})(?:[- ](?:one|{_SMALL}))?|{_SMALL}|a few|a couple of"
_ONE = r"an?|one|1"
_UNIT = "|".join(_UNITS)
_LENGTH = re.compile(  # "18 months", "six-month", "a year and a half", "two and a half years"
    rf"\b(?:(?P<half_a>half )?(?P<one>{_ONE})[ -](?P<one_unit>{_UNIT})(?P<and_half> and a half)?"
    rf"|(?P<count>{_COUNT})(?P<half> and a half)?[ -](?P<unit>{_UNIT}))s?\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=4)
def load_answer_tips(path: Path | None = None) -> dict[str, Any]:
    """The answer feedback's words: every section and key present, each a string, none unknown."""
    return read_string_tables(path or data_file("check", ANSWER_TIPS_FILE), ANSWER_TIPS_SCHEMA)


def answer_feedback(result: AnswerCheck, concern: Concern) -> Feedback:
    """Praise first, then a tip and a line to try for each missed part."""
    tips = load_answer_tips()
    # "no concerns" is good news: nothing to acknowledge as fair, no weakness to end above
    suffix = "_none" if concern.kind == "none" else ""
    praise = [
        tips[part].get("praise" + suffix, tips[part]["praise"])
        for part in ANSWER_PARTS
        if result.elements[part].found
    ]
    missed = []
    for part in result.missed:
        words = tips[part]
        said = {k: words.get(k + suffix, words.get(k)) for k in ("missed", "tip", "example")}
        observed = said["missed"]
        if part == "acknowledge" and _was_defensive(result):
            observed = words["defensive"]
        if part == "address" and _raised_a_doubt(result):
            observed = words["raised_doubt"]
        example = said["example"]
        if part == "address":
            break_named = concern.kind == "gap" and _BREAK.search(concern.text)
            example = words["example_break" if break_named else f"example_{concern.kind}"]
        example = example.replace(THAT_TIME, that_time(concern.text))
        missed.append(Tip(part, ANSWER_LABELS[part], observed, said["tip"], example))
    return Feedback(praise=praise, tips=missed)


def that_time(concern: str) -> str:
    """The length of time ``concern`` names, to follow "During": "those 18 months", "that year
    and a half" ("a six-month break": "those six months"); NO_LENGTH when it names none. Of
    several, the one nearest the break it names ("five years as a manager, then a gap of eight
    months": those eight months)."""
    lengths = list(_LENGTH.finditer(concern))
    if not lengths:
        return NO_LENGTH
    found = lengths[0]
    if len(lengths) > 1 and (named := _BREAK.search(concern)):
        found = min(lengths, key=lambda m: _distance(m.span(), named.span()))
    if found["one"]:  # "a year", "half a year", "a year and a half"
        half = "half " if found["half_a"] else ""
        return f"that {half}{found['one_unit'].lower()}{found['and_half'] or ''}"
    count = found["count"].lower().removeprefix("a ")  # "a few months": those few months
    return f"those {count}{found['half'] or ''} {found['unit'].lower()}s"


def _distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two spans of a text (0 when they touch or overlap)."""
    return max(0, b[0] - a[1], a[0] - b[1])


def _raised_a_doubt(result: AnswerCheck) -> bool:
    return any(c.reason.startswith(RAISED_DOUBT) for c in result.candidates)


def _was_defensive(result: AnswerCheck) -> bool:
    return any(
        c.element == "acknowledge" and c.reason.startswith("dismissive") for c in result.candidates
    )
