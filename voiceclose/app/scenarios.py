"""Practice scenarios: the role, the organisation, the interviewer, and what the job needs most.

Each is a TOML file in prompts/. A scenario's needs carry phrases that show a candidate spoke to
them ("listen_for", each entry one or more phrases separated by "|"), so that in practice the fit
check looks for experience tied to *this* job's needs.
"""

from __future__ import annotations

import json
import random
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from voiceclose.errors import ScenarioError, UsageError
from voiceclose.paths import prompts_dir
from voiceclose.results import CONCERN_KINDS, Concern

DEFAULT_SUGGESTED_S = 60.0  # a close of about a minute
_REQUIRED = ("field", "seniority", "role", "organisation", "interviewer", "moment", "needs")
_OPTIONAL = ("suggested_seconds", "concerns")
_NEED_KEYS = ("what", "listen_for")
_CONCERN_KEYS = ("kind", "text")


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


def available(folder: Path | None = None) -> list[Scenario]:
    """Every scenario in the prompts folder, by name."""
    folder = folder or prompts_dir()
    if not folder.is_dir():
        raise ScenarioError(f"no practice scenarios: {folder} is not a folder")
    return [load(path) for path in sorted(folder.glob("*.toml"))]


def find(name: str, folder: Path | None = None) -> Scenario:
    """The scenario called ``name``, or an error listing the ones there are."""
    folder = folder or prompts_dir()
    path = folder / f"{name}.toml"
    if not path.is_file():
        names = ", ".join(s.name for s in available(folder))
        raise UsageError(f"no practice scenario called {name!r} (there are: {names})")
    return load(path)


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


def load(path: Path) -> Scenario:
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
            Need(str(n["what"]), tuple(str(p) for p in n["listen_for"])) for n in data["needs"]
        )
    except (KeyError, TypeError) as e:
        raise ScenarioError(f"{path}: each [[needs]] needs 'what' and 'listen_for'") from e
    return Scenario(
        name=path.stem,
        field=str(data["field"]),
        seniority=str(data["seniority"]),
        role=str(data["role"]),
        organisation=str(data["organisation"]),
        interviewer=str(data["interviewer"]),
        moment=str(data["moment"]),
        needs=needs,
        suggested_seconds=float(data.get("suggested_seconds", DEFAULT_SUGGESTED_S)),
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
