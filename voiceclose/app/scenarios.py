"""Practice scenarios: the role, the organisation, the interviewer, and what the job needs most.

Each is a TOML file: the bundled ones in prompts/, the user's own (``voiceclose scenario new``) in
the scenarios folder of the user data folder. A scenario's needs may carry phrases that show a
candidate spoke to them ("listen_for", each entry one or more phrases separated by "|"); a need
without them is heard by its own words and meaning, as the checker reads any need, so that in
practice the fit check looks for experience tied to *this* job's needs.

A scenario is found by its name only among the files in the scenario folders: a name is letters,
digits, "-" and "_", never a path. Its text reaches the terminal, so control characters and
terminal escape sequences are taken out of it when it is read.
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
    folders = [
        (n, where) for n, where in enumerate(scenario_folders(folder)) if not n or where.is_dir()
    ]
    for n, where in folders:
        files = _files(where)
        if name in files:
            return load(files[name], own=n > 0)
    # typed in other capitals ("Head-Chef"): the one scenario it can mean
    loose = [(n, where / f"{key}.toml") for n, where in folders for key in alike(name, where)]
    if len(loose) == 1:
        return load(loose[0][1], own=loose[0][0] > 0)
    names = ", ".join(s.name for s in available(folder))
    raise UsageError(f"no practice scenario called {name!r} (there are: {names})")


def alike(name: str, folder: Path) -> list[str]:
    """The names of the scenarios in ``folder`` that are ``name`` but for capitals (one file on
    a case-blind disk), ``name`` itself first."""
    found = [key for key in _files(folder) if key.lower() == name.lower()]
    return sorted(found, key=lambda key: key != name)


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
        # a need without phrases of its own is heard by its words and meaning, as the checker
        # reads any need (each of its words as a phrase tied "working" in a call centre to
        # "working night shifts", and "food" to both of a chef's needs)
        needs = tuple(
            Need(_line(n["what"]), tuple(_line(p) for p in n.get("listen_for", ())))
            for n in data["needs"]
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
