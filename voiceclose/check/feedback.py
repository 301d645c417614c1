"""Praise for what a close did, a tip and an example line for each part it missed.

The words live in data/tips.toml. With a practice scenario, tips name its interviewer and role.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from voiceclose.check.fit import UNTIED
from voiceclose.check.normalise import sentences
from voiceclose.check.patterns import PatternError, find, prepare
from voiceclose.check.rules import load_rules
from voiceclose.paths import data_file
from voiceclose.results import (
    COMFORTABLE_WPM,
    ELEMENTS,
    LABELS,
    SUGGESTED_LENGTH_S,
    CheckResult,
    Feedback,
    Tip,
    clock,
)

TIPS_FILE = "tips.toml"
PRONOUNS = {
    "she": ("she", "her", "her"),
    "he": ("he", "him", "his"),
    "they": ("they", "them", "their"),
}
# Verbs a need is often put as ("cut waiting times"): said as "-ing" inside a sentence.
NEED_VERBS = frozenset(
    [
        "build",
        "coach",
        "cut",
        "deliver",
        "design",
        "develop",
        "drive",
        "get",
        "grow",
        "handle",
        "help",
        "hire",
        "improve",
        "keep",
        "lead",
        "make",
        "manage",
        "mentor",
        "plan",
        "reduce",
        "run",
        "scale",
        "sell",
        "ship",
        "support",
        "teach",
        "train",
        "write",
        "own",
        "bring",
        "fix",
        "speed",
        "set",
        "open",
        "close",
        "launch",
        "organise",
        "organize",
        "care",
        "work",
        "deal",
        "raise",
        "win",
    ]
)
QUOTE_WORDS = 12  # words of a passage quoted in what was (not) heard
DOUBLED = frozenset(["cut", "get", "run", "plan", "ship", "set", "win"])  # cut -> cutting
_PART_KEYS = ("praise", "missed", "tip", "example", "tip_scenario", "example_scenario")
_PRAISE_KEYS = {  # praise that says what was heard
    "fit": ("praise_needs",),  # the scenario's needs the experience spoke to
    "thanks": ("praise_other",),  # thanks, but not for their time ("thanks for the coffee")
}
_MISSED_KEYS = {  # what was missed, saying what was heard instead
    "fit": ("missed_untied",),  # experience told, but tied to no need of theirs
}
_EXTRA_KEYS = (
    "next_steps",
    "no_next_steps",
    "overconfident",
    "pace_fast",
    "pace_slow",
    "fillers",
    "long",
    "short",
    "hedging",
    "recap",
)
TIPS_SCHEMA = {
    **{
        part: _PART_KEYS + _PRAISE_KEYS.get(part, ()) + _MISSED_KEYS.get(part, ())
        for part in ELEMENTS
    },
    "extras": _EXTRA_KEYS,
}


@lru_cache(maxsize=4)
def load_tips(path: Path | None = None) -> dict[str, Any]:
    """The feedback's words, checked against ``TIPS_SCHEMA``: every section and key present, each
    a string, nothing unknown (a misspelt key is an error naming it, not a missing tip)."""
    return read_string_tables(path or data_file("check", TIPS_FILE), TIPS_SCHEMA)


def read_string_tables(path: Path, schema: dict[str, Any]) -> dict[str, Any]:
    """A TOML file of string tables checked against ``schema`` (section -> its keys): every
    section and key present, each a string, none unknown (PatternError naming the file, the
    section and the key)."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    for section, table in data.items():
        if section not in schema:
            raise PatternError(f"{path.name}: unknown section [{section}]")
        for key, value in table.items():
            if key not in schema[section]:
                known = ", ".join(schema[section])
                raise PatternError(f"{path.name} [{section}]: unknown key {key!r} (known: {known})")
            if not isinstance(value, str):
                raise PatternError(f"{path.name} [{section}] {key}: should be a string")
    for section, keys in schema.items():
        for key in keys:
            if key not in data.get(section, {}):
                raise PatternError(f"{path.name} [{section}]: missing key {key!r}")
    return data


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
    praise = [_praise(e, result, tips) for e in ELEMENTS if result.elements[e].found]
    missed = [
        Tip(
            element=e,
            label=LABELS[e],
            observed=_observed(e, result, tips),
            tip=tips[e]["tip" + suffix].format(**names),
            example=tips[e]["example" + suffix].format(**names),
        )
        for e in ELEMENTS
        if not result.elements[e].found
    ]
    return Feedback(praise, missed, _notes(result, tips["extras"], speech_s))


def _observed(element: str, result: CheckResult, tips: dict[str, Any]) -> str:
    """What was (not) heard of a missed part: for fit, the experience that was told but tied to
    none of their needs, quoted, when there was some (the tip then says how to tie it)."""
    if element == "fit":
        told = [c for c in result.candidates if c.element == "fit" and UNTIED in c.reason]
        if told:
            words = told[0].evidence.split()
            quote = " ".join(words[:QUOTE_WORDS]) + ("…" if len(words) > QUOTE_WORDS else "")
            return tips["fit"]["missed_untied"].format(evidence=quote)
    return tips[element]["missed"]


def _praise(element: str, result: CheckResult, tips: dict[str, Any]) -> str:
    """The praise for a part, matching what was heard: the needs a fit spoke to; thanks "for
    their time" only when the thanks heard was for their time or the meeting."""
    found = result.elements[element]
    if element == "fit" and found.needs:
        return tips["fit"]["praise_needs"].format(needs=_join(list(found.needs)))
    if element == "thanks" and not for_their_time(found.evidence or ""):
        return tips["thanks"]["praise_other"]
    return tips[element]["praise"]


def for_their_time(evidence: str) -> bool:
    """Whether thanks heard in ``evidence`` was for the interviewer's time or the meeting."""
    rules = load_rules()
    patterns = rules.get("thanks", "for_their_time")
    for n, sentence in enumerate(sentences(evidence.split())):
        prepared = prepare(sentence, rules.lexicon)
        if any(True for p in patterns for _ in find(p, prepared, n)):
            return True
    return False


def _names(scenario: Any | None) -> dict[str, str]:
    if scenario is None:
        return {}
    needs = [as_said(need.what) for need in scenario.needs]
    pronoun = getattr(scenario, "pronoun", "they")
    they, them, their = PRONOUNS.get(pronoun, PRONOUNS["they"])
    return {
        "interviewer": scenario.interviewer,
        "role": scenario.role,
        "organisation": scenario.organisation,
        "need": needs[0] if needs else "what matters most here",
        "needs": _join(needs) if needs else "a few things above all",
        "they": they,
        "them": them,
        "their": their,
    }


def as_said(need: str) -> str:
    """A need as it fits in a sentence: one that starts with a verb is said as "-ing" ("cut
    waiting times" -> "cutting waiting times"); a noun phrase stays as it is."""
    words = need.strip().rstrip(".").split()
    if not words:
        return need
    first = words[0].lower()
    if first in NEED_VERBS:
        words[0] = _ing(first)
    return " ".join(words)


def _ing(verb: str) -> str:
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    if verb in DOUBLED:
        return verb + verb[-1] + "ing"
    return verb + "ing"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _notes(result: CheckResult, words: dict[str, str], speech_s: float | None) -> list[str]:
    extras = result.extras
    notes = []
    if extras.overconfident and extras.overconfident_line:
        notes.append(words["overconfident"].format(line=extras.overconfident_line))
    if extras.hedging and extras.hedging_lines:
        notes.append(words["hedging"].format(line=extras.hedging_lines[0]))
    if extras.recap and extras.recap_line:
        notes.append(words["recap"].format(line=extras.recap_line))
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
