"""Practice scenarios: the role, the organisation, the interviewer, and what the job needs most.

Each is a TOML file: the bundled ones in prompts/, the user's own (``voiceclose scenario new``) in
the scenarios folder of the user data folder. A scenario's needs may carry phrases that show a
candidate spoke to them ("listen_for", each entry one or more phrases separated by "|"); a need
without them is listened for by its own content words, so that in practice the fit check looks for
experience tied to *this* job's needs.
"""

from __future__ import annotations

import json
import random
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from voiceclose.errors import ScenarioError, UsageError
from voiceclose.paths import own_scenarios_dir, prompts_dir

DEFAULT_SUGGESTED_S = 60.0  # a close of about a minute
_REQUIRED = ("role", "organisation", "interviewer", "moment", "needs")
_OPTIONAL = ("field", "seniority", "suggested_seconds", "pronoun", "concerns")
_NEED_KEYS = ("what", "listen_for")
PRONOUNS = ("she", "he", "they")
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")  # a scenario's name: its file name
# Words of a need that say nothing of *what* is needed ("someone who can ..."): not listened for
_STOP_TEXT = """a about above after again all also am an and any are as at be been being both
    but by can
    could did do does doing for from further get gets getting good great had has have having he her
    here him his how i if in into is it its just less like make makes making me more most much must
    my need needs needed new no nor not of off on once only or other our out over own really role
    same she should so some someone somebody such than that the their them then there these they
    this those through to too under up very want wants was we well were what when where which while
    who whom why will with would you your job person people able way ways lot lots thing things
    time times see seen day days week weeks month months year years one two three first last
    best better fast faster quick quickly sure help helps take takes use using go going done"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True)
class Need:
    what: str  # "getting patients triaged faster"
    listen_for: tuple[str, ...]  # phrase patterns that show the candidate spoke to it


@dataclass(frozen=True)
class Scenario:
    name: str  # the file name without .toml
    field: str
    seniority: str
    role: str
    organisation: str
    interviewer: str
    moment: str  # where the interview is when the close begins
    needs: tuple[Need, ...]
    suggested_seconds: float = DEFAULT_SUGGESTED_S
    pronoun: str = "they"  # the interviewer's: she, he or they
    own: bool = False  # the user's own (scenario new), not bundled

    @property
    def need_patterns(self) -> tuple[str, ...]:
        """The needs' phrases as checker patterns: "a b|c" becomes the group "(a b|c)"."""
        return tuple(_as_pattern(p) for need in self.needs for p in need.listen_for)


def _as_pattern(phrases: str) -> str:
    alternatives = []
    for phrase in phrases.split("|"):
        words = re.findall(r"[a-z0-9']+", phrase.lower().replace("-", " "))
        if words:
            alternatives.append(" ".join(words))
    return "(" + "|".join(alternatives) + ")"


def listen_for(what: str) -> tuple[str, ...]:
    """What to listen for when a need has no phrases of its own: each content word of the need
    (not a stop word), with its common forms, as one entry ("pick accuracy" gives
    "pick|picks|picked|picking" and "accuracy|accurate")."""
    words = re.findall(r"[a-z0-9']+", what.lower().replace("-", " "))
    entries = []
    for word in words:
        if word in STOP_WORDS or len(word) < 3 or word.isdigit():
            continue
        forms = _forms(word.strip("'"))
        entry = "|".join(forms)
        if entry not in entries:
            entries.append(entry)
    return tuple(entries)


def _forms(word: str) -> list[str]:
    """A word and the forms it is most often said in (a rough stem: a form nobody says is
    harmless, it is only listened for)."""
    if word.endswith("ies") and len(word) > 5:
        bases = [word[:-3] + "y"]
    elif word.endswith(("ing", "ed")) and len(word) > 5:
        cut = word[: -3 if word.endswith("ing") else -2]
        bases = [cut, cut + "e"]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 4:
        bases = [word[:-1]]
    else:
        bases = [word]
    forms = [word]
    for base in bases:
        forms.append(base)
        if base.endswith("acy"):  # accuracy, accurate
            forms += [base[:-3] + "ate"]
        elif base.endswith("y"):
            forms += [base[:-1] + "ies"]
        elif base.endswith("e"):
            forms += [base + "s", base + "d", base[:-1] + "ing"]
        else:
            forms += [base + "s", base + "ed", base + "ing"]
    return list(dict.fromkeys(forms))


def scenario_folders(folder: Path | None = None) -> list[Path]:
    """Where scenarios are looked for, in order: the bundled ones, then the user's own."""
    return [folder] if folder else [prompts_dir(), own_scenarios_dir()]


def available(folder: Path | None = None) -> list[Scenario]:
    """Every scenario, bundled first, then the user's own, each by name (only ``folder``'s when
    it is given)."""
    folders = scenario_folders(folder)
    if not folders[0].is_dir():
        raise ScenarioError(f"no practice scenarios: {folders[0]} is not a folder")
    found = [load(p) for p in sorted(folders[0].glob("*.toml"))]
    if len(folders) > 1 and folders[1].is_dir():
        bundled = {s.name for s in found}
        found += [
            load(p, own=True) for p in sorted(folders[1].glob("*.toml")) if p.stem not in bundled
        ]
    return found


def find(name: str, folder: Path | None = None) -> Scenario:
    """The scenario called ``name`` (bundled first, then the user's own), or an error listing
    the ones there are."""
    if NAME_PATTERN.fullmatch(name):
        for n, where in enumerate(scenario_folders(folder)):
            path = where / f"{name}.toml"
            if path.is_file():
                return load(path, own=n > 0)
    names = ", ".join(s.name for s in available(folder))
    raise UsageError(f"no practice scenario called {name!r} (there are: {names})")


def choose(rng: random.Random | None = None, folder: Path | None = None) -> Scenario:
    """A scenario chosen for the user."""
    scenarios = available(folder)
    if not scenarios:
        raise ScenarioError(f"no practice scenarios in {folder or prompts_dir()}")
    return (rng or random.Random()).choice(scenarios)


def sidecar_path(recording: Path) -> Path:
    """Where practice saves its report beside a recording."""
    return recording.with_suffix(".json")


def sidecar_scenario(recording: Path, notes: list[str]) -> Scenario | None:
    """The scenario a practice recording was made for, from the report saved beside it."""
    try:
        prompt = json.loads(sidecar_path(recording).read_text()).get("prompt")
    except (OSError, ValueError, AttributeError):
        return None
    if not prompt:
        return None
    try:
        return find(str(prompt))
    except (ScenarioError, UsageError):
        notes.append(f"recorded for the scenario {prompt!r}, which is no longer in the prompts")
        return None


def load(path: Path, own: bool = False) -> Scenario:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ScenarioError(f"{path}: cannot be read as a scenario ({e})") from e
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise ScenarioError(f"{path}: missing {', '.join(missing)}")
    unknown = [key for key in data if key not in _REQUIRED + _OPTIONAL]
    if unknown:
        known = ", ".join(_REQUIRED + _OPTIONAL)
        raise ScenarioError(f"{path}: unknown key {unknown[0]!r} (known: {known})")
    for n, need in enumerate(data["needs"] if isinstance(data["needs"], list) else [], 1):
        extra = [key for key in need if key not in _NEED_KEYS] if isinstance(need, dict) else []
        if extra:
            raise ScenarioError(
                f"{path}: [[needs]] {n}: unknown key {extra[0]!r} (known: what, listen_for)"
            )
    try:
        needs = tuple(
            Need(
                str(n["what"]),
                tuple(str(p) for p in n["listen_for"])
                if "listen_for" in n
                else listen_for(str(n["what"])),
            )
            for n in data["needs"]
        )
    except (KeyError, TypeError) as e:
        raise ScenarioError(f"{path}: each [[needs]] needs 'what'") from e
    pronoun = str(data.get("pronoun", "they"))
    if pronoun not in PRONOUNS:
        raise ScenarioError(f"{path}: pronoun must be one of {', '.join(PRONOUNS)}")
    return Scenario(
        name=path.stem,
        field=str(data.get("field", "")),
        seniority=str(data.get("seniority", "")),
        role=str(data["role"]),
        organisation=str(data["organisation"]),
        interviewer=str(data["interviewer"]),
        moment=str(data["moment"]),
        needs=needs,
        suggested_seconds=float(data.get("suggested_seconds", DEFAULT_SUGGESTED_S)),
        pronoun=pronoun,
        own=own,
    )
