"""Practice scenarios: the role, the organisation, the interviewer, and what the job needs most.

Each is a TOML file in prompts/. A scenario's needs carry phrases that show a candidate spoke to
them ("listen_for", each entry one or more phrases separated by "|"), so that in practice the fit
check looks for experience tied to *this* job's needs.

A scenario is found by its name only among the files in the scenario folder: a name is letters,
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
from voiceclose.paths import prompts_dir

DEFAULT_SUGGESTED_S = 60.0  # a close of about a minute
_REQUIRED = ("field", "seniority", "role", "organisation", "interviewer", "moment", "needs")
_OPTIONAL = ("suggested_seconds",)
_NEED_KEYS = ("what", "listen_for")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # a scenario's name: never a path
_ESCAPE_SEQUENCE = re.compile(  # ECMA-48: CSI ... final byte, OSC/DCS/... strings, 2-byte escapes
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -/]*[0-~])"
    r"|\x9b[0-?]*[ -/]*[@-~]"
)
# control characters (C0 but tab and newline, DEL, C1), line separators, bidirectional overrides
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


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
    return [load(path) for path in _files(folder or prompts_dir()).values()]


def find(name: str, folder: Path | None = None) -> Scenario:
    """The scenario called ``name`` in the prompts folder, or a UsageError listing the ones there
    are: a path, or a name with dots or slashes, never reaches a file."""
    files = _files(folder or prompts_dir())
    if name not in files:
        names = ", ".join(files)
        raise UsageError(f"no practice scenario called {name!r} (there are: {names})")
    return load(files[name])


def _files(folder: Path) -> dict[str, Path]:
    """The scenario files in ``folder`` by name, sorted; only files with a proper name."""
    if not folder.is_dir():
        raise ScenarioError(f"no practice scenarios: {folder} is not a folder")
    paths = sorted(folder.glob("*.toml"))
    return {p.stem: p for p in paths if _NAME.fullmatch(p.stem) and p.is_file()}


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
            Need(_line(n["what"]), tuple(_line(p) for p in n["listen_for"])) for n in data["needs"]
        )
    except (KeyError, TypeError) as e:
        raise ScenarioError(f"{path}: each [[needs]] needs 'what' and 'listen_for'") from e
    return Scenario(
        name=path.stem,
        field=_line(data["field"]),
        seniority=_line(data["seniority"]),
        role=_line(data["role"]),
        organisation=_line(data["organisation"]),
        interviewer=_line(data["interviewer"]),
        moment=_text(data["moment"]),
        needs=needs,
        suggested_seconds=float(data.get("suggested_seconds", DEFAULT_SUGGESTED_S)),
    )


def _text(value) -> str:
    """``value`` as text fit for a terminal: escape sequences and control characters out."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", str(value)))


def _line(value) -> str:
    """``value`` as one line of such text (it is printed inside a sentence)."""
    return " ".join(_text(value).split())
