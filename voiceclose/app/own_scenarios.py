"""The user's own scenarios: their interview (role, organisation, interviewer, what they said the
role needs, the concerns to expect), saved as TOML in the user data folder, and removed again.

Files are 0600 in a 0700 folder: an interview someone is preparing for is their own business.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from voiceclose.app.scenarios import (
    DEFAULT_SUGGESTED_S,
    NAME_PATTERN,
    PRONOUNS,
    Scenario,
    alike,
    load,
    scenario_folders,
)
from voiceclose.errors import ScenarioError, UsageError
from voiceclose.paths import own_scenarios_dir, prompts_dir
from voiceclose.results import CONCERN_KINDS

FOLDER_MODE = 0o700
FILE_MODE = 0o600
DEFAULT_CONCERN_KIND = "gap"
MAX_TEXT = 300  # characters in one value: a need or a concern is a phrase, not an essay
MAX_NEEDS = 5
REQUIRED = (  # (field, how a missing one is named), in the order the form and scenario new ask
    ("role", "the role you applied for"),
    ("organisation", "the organisation"),
    ("interviewer", "the interviewer's name"),
)
SENTENCE_ENDS = ".?!…\"'”’)"  # a concern ending in one of these is left as it ends
NEEDS_MISSING = "what the role needs most (in the interviewer's words)"


@dataclass(frozen=True)
class NewScenario:
    """What ``scenario new`` was told (values as the user typed them)."""

    name: str
    role: str
    organisation: str
    interviewer: str
    pronoun: str = "they"
    needs: list[str] = field(default_factory=list)  # in the interviewer's words
    concerns: list[str] = field(default_factory=list)  # "TEXT" or "KIND:TEXT"


def check_name(name: str) -> str:
    """``name`` if it can name a new scenario; UsageError saying why not."""
    if not (name or "").strip():
        raise UsageError("a new scenario needs a short name (letters, digits, - and _)")
    if not NAME_PATTERN.fullmatch(name or ""):
        raise UsageError(
            f"a scenario name is letters, digits, - and _ only (up to 64), not {name!r}"
        )
    # on a case-blind disk, or to anyone reading a list, the same name
    if bundled := alike(name, prompts_dir()):
        raise UsageError(f"{bundled[0]!r} is a bundled scenario's name: choose another")
    return name


def check_new_name(name: str, replace: bool = False) -> str:
    """``name`` if a new scenario can be saved under it (``replace``: an own one of that name
    may be replaced); UsageError saying why not."""
    name = check_name(name)
    mine = alike(name, own_scenarios_dir()) if own_scenarios_dir().is_dir() else []
    if mine and (not replace or mine[0] != name):
        raise UsageError(
            f"you already have a scenario called {mine[0]!r} (scenario remove {mine[0]})"
        )
    return name


def check_pronoun(pronoun: str) -> str:
    """``pronoun`` (she, he or they) as the scenario stores it; UsageError otherwise."""
    pronoun = (pronoun or "they").strip().lower()
    if pronoun not in PRONOUNS:
        raise UsageError(f"the pronoun must be one of {', '.join(PRONOUNS)}, not {pronoun!r}")
    return pronoun


def heard_by(need: str) -> tuple[str, ...]:
    """The words of ``need`` the checker listens for (with their meaning)."""
    from voiceclose.check.needs import need_words
    from voiceclose.check.normalise import SYMBOL_NAMES
    from voiceclose.check.rules import load_rules

    heard = need_words(need, frozenset(load_rules().words("needs", "ignore")))
    return tuple(
        SYMBOL_NAMES[w][0] if w in SYMBOL_NAMES else w for w in heard
    )  # "C#", not "csharp"


def check_need(need: str) -> str:
    """``need`` if the checker can listen for it (it has a word that says something); typed
    all in capitals, in small letters, as the tips quote it ("You talked about accurate data
    entry", not "ACCURATE DATA ENTRY"; a lone "NHS" or "SQL" stays as it is)."""
    need = _text("need", need)
    if need.isupper() and len(need.split()) > 1:
        need = need.lower()
    if not heard_by(need):
        raise UsageError(
            f"the need {need!r} has no word to listen for: say what the role needs, as the "
            "interviewer put it (for example 'keeping the stockroom in order')"
        )
    return need


def parse_concern(value: str) -> tuple[str, str]:
    """(kind, text) from "TEXT" (a gap) or "KIND:TEXT"; a one-word KIND that is not one of
    CONCERN_KINDS is a UsageError (it would otherwise be read out as part of the concern)."""
    kind, sep, text = value.partition(":")
    name = kind.strip().lower().replace("-", "_")
    if sep and name in CONCERN_KINDS:
        return name, as_said(_text("concern", text))
    if sep and name and " " not in name:
        raise UsageError(
            f"unknown kind of concern {kind.strip()!r}: write KIND:TEXT with KIND one of "
            f"{', '.join(CONCERN_KINDS)}, or the concern alone"
        )
    return DEFAULT_CONCERN_KIND, as_said(_text("concern", value))


def as_said(text: str) -> str:
    """A concern typed in a hurry ("you have never led a team") as the interviewer says it: a
    sentence with a capital and a full stop; the words themselves are kept as typed."""
    if text.split()[0].islower():  # not "iPhone", "eBay": those are written so on purpose
        text = text[0].upper() + text[1:]
    return text if text[-1:] in SENTENCE_ENDS else text + "."


def check_complete(new: NewScenario) -> None:
    """UsageError naming everything left empty (as ``scenario new`` names the missing flags),
    before any one value is judged: an empty form is told what it lacks, not that '' is no name."""
    missing = [what for key, what in REQUIRED if not " ".join(getattr(new, key).split())]
    if not any(n.strip() for n in new.needs):
        missing.append(NEEDS_MISSING)
    if missing:
        listed = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
        raise UsageError(f"a new scenario needs {listed}")


def create(new: NewScenario, replace: bool = False) -> Scenario:
    """Save ``new`` as the user's own scenario and return it as the checker will read it.
    UsageError says every value that is wrong, in one line (a form fixed one problem at a
    time, each found only on the next try)."""
    check_complete(new)
    problems: list[str] = []

    def judged(check, *args):
        try:
            return check(*args)
        except UsageError as e:
            problems.append(str(e))
            return None

    name = judged(check_new_name, new.name, replace)
    values = {
        "role": new.role,
        "organisation": new.organisation,
        "interviewer": new.interviewer,
    }
    for key, value in values.items():
        judged(_text, key, value)
    pronoun = judged(check_pronoun, new.pronoun)
    given = [n for n in new.needs if n.strip()]
    if len(given) > MAX_NEEDS:
        problems.append(f"at most {MAX_NEEDS} needs: the close names one or two of them")
    needs = [need for n in given if (need := judged(check_need, n)) is not None]
    seen: set[str] = set()
    for need in needs:
        if need.lower() in seen:
            problems.append(f"the need {need!r} is given twice: say each need once")
        seen.add(need.lower())
    if not given:
        problems.append("say at least one thing the role needs, in the interviewer's words")
    concerns = [c for text in new.concerns if text.strip() if (c := judged(parse_concern, text))]
    if problems:
        raise UsageError("; ".join(problems))
    path = own_scenarios_dir() / f"{name}.toml"
    _write(path, _toml(values, pronoun, needs, concerns))
    return load(path, own=True)


def remove(name: str) -> Path:
    """Delete the user's own scenario ``name``; UsageError for a bundled or unknown one."""
    if not NAME_PATTERN.fullmatch(name or ""):
        raise UsageError(f"no scenario of yours called {name!r}")
    if (prompts_dir() / f"{name}.toml").exists():
        raise UsageError(f"{name!r} is a bundled scenario: only your own can be removed")
    path = scenario_folders()[-1] / f"{name}.toml"
    if not path.is_file():
        raise UsageError(f"no scenario of yours called {name!r} (voiceclose scenarios lists them)")
    try:
        path.unlink()
    except OSError as e:
        raise ScenarioError(f"cannot remove {path} ({e.strerror or e})") from e
    return path


def moment(interviewer: str, pronoun: str) -> str:
    """Where the interview is when the close begins, for a scenario of the user's own."""
    possessive = {"she": "her", "he": "his", "they": "their"}[pronoun]
    return (
        f"{interviewer} puts down {possessive} notes. \"That's everything from my side. "
        "Is there anything you'd like to ask, or anything you'd like to add?\""
    )


def _text(what: str, value: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise UsageError(f"the {what} cannot be empty")
    if len(value) > MAX_TEXT:
        raise UsageError(f"the {what} is longer than {MAX_TEXT} characters")
    return value


def _toml(values: dict[str, str], pronoun: str, needs: list[str], concerns) -> str:
    def quoted(text: str) -> str:  # a JSON string is a TOML basic string
        return json.dumps(" ".join(text.split()), ensure_ascii=False)

    lines = [f"{key} = {quoted(value)}" for key, value in values.items()]
    lines += [
        f"pronoun = {quoted(pronoun)}",
        f"moment = {quoted(moment(' '.join(values['interviewer'].split()), pronoun))}",
        f"suggested_seconds = {DEFAULT_SUGGESTED_S:g}",
    ]
    for need in needs:
        lines += ["", "[[needs]]", f"what = {quoted(need)}"]
    for kind, text in concerns:
        lines += ["", "[[concerns]]", f"kind = {quoted(kind)}", f"text = {quoted(text)}"]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        os.chmod(path.parent, FOLDER_MODE)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, FILE_MODE)
    except OSError as e:
        raise ScenarioError(f"cannot save {path} ({e.strerror or e})") from e
