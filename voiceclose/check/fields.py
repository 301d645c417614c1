"""Field knowledge: experience that speaks to a kind of need without using the need's words.

A role that needs "calm with angry customers" is answered by "people shouting at me all day on
the returns desk"; one that needs "working autonomously" by "I was the only one on site". The
kinds of need and how people tell such experience are data (data/fields.toml): a need whose own
words name a kind (compared by stem) listens for that kind's ``heard`` patterns as well, the way
it listens for a scenario's ``listen_for``. They say what experience speaks to, never that there
was experience: fit still needs the candidate's own experience in the sentence.
"""

from __future__ import annotations

import re
import threading
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from voiceclose.check.needs import same_stem, stem
from voiceclose.check.patterns import PatternError
from voiceclose.check.rules import PatternList, Rules
from voiceclose.paths import data_file

FIELDS_FILE = "fields.toml"
KEYS = {"kind": str, "needs": list, "heard": list}  # every [[field]] has these, and no others
_CACHE_MAX = 64  # needs whose compiled patterns are kept (a process sees few roles)


@dataclass(frozen=True)
class Field:
    kind: str
    needs: tuple[tuple[str, ...], ...]  # each word or phrase of a need of this kind, as stems
    heard: tuple[str, ...]  # checker patterns


@lru_cache(maxsize=2)
def load_fields(path: Path | None = None) -> tuple[Field, ...]:
    """The kinds of need, checked against their contract (PatternError names a bad entry)."""
    path = path or data_file("check", FIELDS_FILE)
    with open(path, "rb") as f:
        data = tomllib.load(f)
    unknown = set(data) - {"field"}
    if unknown:
        raise PatternError(f"{path.name}: unknown section {sorted(unknown)[0]!r} (known: field)")
    out = []
    for n, table in enumerate(data.get("field", []), 1):
        for key, kind in KEYS.items():
            value = table.get(key)
            ok = isinstance(value, kind) and (kind is str or all(isinstance(v, str) for v in value))
            if not ok:
                raise PatternError(f"{path.name} field {n}: {key!r} is missing or malformed")
        if extra := set(table) - set(KEYS):
            raise PatternError(f"{path.name} field {n}: unknown key {sorted(extra)[0]!r}")
        needs = tuple(_stems(phrase) for phrase in table["needs"])
        out.append(Field(table["kind"], tuple(n for n in needs if n), tuple(table["heard"])))
    return tuple(out)


def _stems(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in re.findall(r"[a-z0-9]+", text.lower().replace("-", " ")))


def _holds(need: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether the stems of ``phrase`` appear in a row among a need's stems."""
    width = len(phrase)
    return any(
        all(same_stem(a, b) for a, b in zip(need[i : i + width], phrase, strict=True))
        for i in range(len(need) - width + 1)
    )


def kinds_of(what: str, fields: tuple[Field, ...] | None = None) -> list[Field]:
    """The kinds a need is, from its own words ("calm with angry customers": difficult people)."""
    need = _stems(what)
    return [f for f in fields or load_fields() if any(_holds(need, p) for p in f.needs)]


_compiled: dict[tuple[int, str], PatternList] = {}
_lock = threading.Lock()


def heard_for(rules: Rules, what: str) -> PatternList:
    """The field patterns a need listens for (none when its words name no kind), compiled once."""
    key = (id(rules), what)
    with _lock:
        if key in _compiled:
            return _compiled[key]
    patterns = [p for field in kinds_of(what) for p in field.heard]
    compiled = rules.compile_extra(patterns)
    with _lock:
        if len(_compiled) >= _CACHE_MAX:
            _compiled.clear()
        _compiled[key] = compiled
    return compiled
