"""Practice scenarios: the role, the organisation, the interviewer, and what the job needs most.

Each is a TOML file: the bundled ones in prompts/, the user's own (``voiceclose scenario new``) in
the scenarios folder of the user data folder. A scenario's needs may carry phrases that show a
candidate spoke to them ("listen_for", each entry one or more phrases separated by "|"); a need
without them is listened for by its own content words, so that in practice the fit check looks for
experience tied to *this* job's needs.

A scenario is found by its name only among the files in the scenario folders: a name is letters,
digits, "-" and "_", never a path. Its text reaches the terminal, so control characters and
terminal escape sequences are taken out of it when it is read.
"""

from __future__ import annotations

import json
import random
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from voiceclose.errors import ScenarioError, UsageError
from voiceclose.paths import own_scenarios_dir, prompts_dir
from voiceclose.results import CONCERN_KINDS, Concern

DEFAULT_SUGGESTED_S = 60.0  # a close of about a minute
_REQUIRED = ("role", "organisation", "interviewer", "moment", "needs")
_OPTIONAL = ("field", "seniority", "suggested_seconds", "pronoun", "concerns")
_NEED_KEYS = ("what", "listen_for")
_CONCERN_KEYS = ("kind", "text")
_ESCAPE_SEQUENCE = re.compile(  # ECMA-48: CSI ... final byte, OSC/DCS/... strings, 2-byte escapes
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -/]*[0-~])"
    r"|\x9b[0-?]*[ -/]*[@-~]"
)
# control characters (C0 but tab and newline, DEL, C1), line separators, bidirectional overrides
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
PRONOUNS = ("she", "he", "they")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")  # a scenario's name: never a path
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
    concerns: tuple[Concern, ...] = ()  # what this interviewer might raise after the close

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


def listen_for(what: str, others: Sequence[str] = ()) -> tuple[str, ...]:
    """What to listen for when a need has no phrases of its own: each content word of the need
    (not a stop word), with its common forms, as one entry ("pick accuracy" gives
    "pick|picks|picked|picking" and "accuracy|accurate"). A word that one of the role's
    ``others`` needs holds too is not one: "food" in "keeping the food consistent" and
    "bringing food costs down" would tie a story of food costs to both (the checker still
    reads the need's words and meaning)."""
    shared = {form for other in others for entry in listen_for(other) for form in entry.split("|")}
    words = re.findall(r"[a-z0-9']+", what.lower().replace("-", " "))
    entries = []
    for word in words:
        if word in STOP_WORDS or len(word) < 3 or word.isdigit():
            continue
        forms = _forms(word.strip("'"))
        entry = "|".join(forms)
        if entry not in entries and not shared.intersection(forms):
            entries.append(entry)
    return tuple(entries)


def listened_for(whats: Sequence[str]) -> list[tuple[str, ...]]:
    """What to listen for, for each of a role's needs without phrases of their own (listen_for,
    each with the others beside it)."""
    return [listen_for(what, [*whats[:i], *whats[i + 1 :]]) for i, what in enumerate(whats)]


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
    found = [load(path) for path in _files(folders[0]).values()]
    if len(folders) > 1 and folders[1].is_dir():
        bundled = {s.name for s in found}
        found += [
            load(path, own=True) for name, path in _files(folders[1]).items() if name not in bundled
        ]
    return found


def find(name: str, folder: Path | None = None) -> Scenario:
    """The scenario called ``name`` (bundled first, then the user's own), or a UsageError listing
    the ones there are: a path, or a name with dots or slashes, never reaches a file."""
    for n, where in enumerate(scenario_folders(folder)):
        if n and not where.is_dir():
            continue
        files = _files(where)
        if name in files:
            return load(files[name], own=n > 0)
    names = ", ".join(s.name for s in available(folder))
    raise UsageError(f"no practice scenario called {name!r} (there are: {names})")


def _files(folder: Path) -> dict[str, Path]:
    """The scenario files in ``folder`` by name, sorted; only files with a proper name."""
    if not folder.is_dir():
        raise ScenarioError(f"no practice scenarios: {folder} is not a folder")
    paths = sorted(folder.glob("*.toml"))
    return {p.stem: p for p in paths if NAME_PATTERN.fullmatch(p.stem) and p.is_file()}


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
        notes.append(f"recorded for the scenario {prompt!r}, which is no longer among them")
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
        whats = [_line(n["what"]) for n in data["needs"]]
        needs = tuple(
            Need(what, tuple(_line(p) for p in n["listen_for"]) if "listen_for" in n else words)
            for n, what, words in zip(data["needs"], whats, listened_for(whats), strict=True)
        )
    except (KeyError, TypeError) as e:
        raise ScenarioError(f"{path}: each [[needs]] needs 'what'") from e
    pronoun = str(data.get("pronoun", "they"))
    if pronoun not in PRONOUNS:
        raise ScenarioError(f"{path}: pronoun must be one of {', '.join(PRONOUNS)}")
    return Scenario(
        name=path.stem,
        field=_line(data.get("field", "")),
        seniority=_line(data.get("seniority", "")),
        role=_line(data["role"]),
        organisation=_line(data["organisation"]),
        interviewer=_line(data["interviewer"]),
        moment=_text(data["moment"]),
        needs=needs,
        suggested_seconds=float(data.get("suggested_seconds", DEFAULT_SUGGESTED_S)),
        pronoun=pronoun,
        own=own,
        concerns=_concerns(data.get("concerns", []), path),
    )


def _concerns(tables: object, path: Path) -> tuple[Concern, ...]:
    """The [[concerns]] tables: each a kind (one of CONCERN_KINDS) and the interviewer's text."""
    if not isinstance(tables, list):
        raise ScenarioError(f"{path}: concerns should be [[concerns]] tables")
    out = []
    for n, table in enumerate(tables, 1):
        where = f"{path}: [[concerns]] {n}"
        if not isinstance(table, dict):
            raise ScenarioError(f"{where}: should be a table with kind and text")
        extra = [key for key in table if key not in _CONCERN_KEYS]
        if extra:
            raise ScenarioError(f"{where}: unknown key {extra[0]!r} (known: kind, text)")
        kind, text = table.get("kind"), table.get("text")
        if kind not in CONCERN_KINDS:
            raise ScenarioError(f"{where}: kind should be one of {', '.join(CONCERN_KINDS)}")
        if not isinstance(text, str) or not text.strip():
            raise ScenarioError(f"{where}: text should be the interviewer's words")
        out.append(Concern(kind, text.strip()))
    return tuple(out)


def _text(value) -> str:
    """``value`` as text fit for a terminal: escape sequences and control characters out."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", str(value)))


def _line(value) -> str:
    """``value`` as one line of such text (it is printed inside a sentence)."""
    return " ".join(_text(value).split())
