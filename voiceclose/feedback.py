"""Praise for what a close did, a tip and an example line for each part it missed.

The words live in data/tips.toml. With a practice scenario, tips name its interviewer and role.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from voiceclose.checker import ELEMENTS, CheckResult
from voiceclose.paths import data_file

COMFORTABLE_WPM = (120.0, 170.0)  # a conversational pace, words per minute
SUGGESTED_LENGTH_S = (30.0, 120.0)  # a close of half a minute to two minutes


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


@lru_cache(maxsize=1)
def load_tips() -> dict[str, Any]:
    with open(data_file("tips.toml"), "rb") as f:
        return tomllib.load(f)


def labels() -> dict[str, str]:
    tips = load_tips()
    return {e: tips[e]["label"] for e in ELEMENTS}


def feedback_for(
    result: CheckResult, scenario: Any | None = None, speech_s: float | None = None
) -> Feedback:
    """What to say about ``result``: praise first, then a tip for each missed part.

    With a practice ``scenario`` (anything with role, organisation, interviewer and needs), the
    tips name its interviewer, role and needs.
    """
    tips = load_tips()
    names = _names(scenario)
    suffix = "_scenario" if names else ""
    praise = [tips[e]["praise"] for e in ELEMENTS if result.elements[e].found]
    missed = [
        Tip(
            element=e,
            label=tips[e]["label"],
            observed=tips[e]["missed"],
            tip=tips[e]["tip" + suffix].format(**names),
            example=tips[e]["example" + suffix].format(**names),
        )
        for e in ELEMENTS
        if not result.elements[e].found
    ]
    return Feedback(praise, missed, _notes(result, tips["extras"], speech_s))


def _names(scenario: Any | None) -> dict[str, str]:
    if scenario is None:
        return {}
    needs = [need.what for need in scenario.needs]
    return {
        "interviewer": scenario.interviewer,
        "role": scenario.role,
        "organisation": scenario.organisation,
        "need": needs[0] if needs else "what matters most",
        "needs": _join(needs) if needs else "a few things above all",
    }


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _notes(result: CheckResult, words: dict[str, str], speech_s: float | None) -> list[str]:
    extras = result.extras
    notes = []
    if extras.overconfident and extras.overconfident_line:
        notes.append(words["overconfident"].format(line=extras.overconfident_line))
    if extras.next_steps:
        notes.append(words["next_steps"])
    elif extras.speech_heard:
        notes.append(words["no_next_steps"])
    wpm = extras.words_per_minute
    if wpm is not None and wpm > COMFORTABLE_WPM[1]:
        notes.append(words["pace_fast"].format(wpm=round(wpm)))
    elif wpm is not None and wpm < COMFORTABLE_WPM[0]:
        notes.append(words["pace_slow"].format(wpm=round(wpm)))
    if extras.fillers:
        heard = ", ".join(f"{k} ×{v}" for k, v in extras.filler_words.items())
        notes.append(words["fillers"].format(fillers=heard))
    if speech_s is not None and speech_s > SUGGESTED_LENGTH_S[1]:
        notes.append(words["long"].format(length=clock(speech_s)))
    elif speech_s is not None and 0 < speech_s < SUGGESTED_LENGTH_S[0] and result.missed:
        notes.append(words["short"].format(length=clock(speech_s)))
    return notes


def clock(seconds: float) -> str:
    """Seconds as m:ss (or h:mm:ss)."""
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return f"{seconds // 60}:{seconds % 60:02d}"
