"""What a role needs, and whether a passage speaks to it: derived from each need's own words.

A scenario names the role's needs in plain words ("improving pick accuracy", "leading the night
shift"); hand-written ``listen_for`` patterns are optional. What to listen for is taken from the
need's content words (its words minus common and generic ones: "improving", "leading", "the"),
each reduced to a crude stem so that "accurate" meets "accuracy" and "picks" meets "picking".
A passage speaks to a need when it holds one of those stems, or (see ``semantic``) when its
meaning lies close to the need's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from voiceclose.check.normalise import symbols_spelled

MIN_STEM_PREFIX = 5  # letters two stems must share at the start to count as the same word...
MIN_PREFIX_SHARE = 0.8  # ...and that share of the shorter stem ("client" ~ "clienteling")
MIN_WORD_LENGTH = 2  # shorter words ("a", "4") say nothing about a need
MIN_NUMBER_LENGTH = 3  # "365" names something; "12" is just a number
NEED_WORDS_ENOUGH = 0.5  # share of a need's words that speaks to it (less needs its meaning)
_SUFFIXES = (  # longest first; each is removed once, so "organisations" -> "organis"
    "isations",
    "izations",
    "isation",
    "ization",
    "ations",
    "ation",
    "ments",
    "ment",
    "ness",
    "ings",
    "ing",
    "ies",
    "ied",
    "ers",
    "er",
    "ed",
    "ly",
    "es",
    "s",
    "e",
    "y",
)
_KEEP_ENDINGS = ("ss", "us", "is")  # "process", "status", "analysis" are not plurals


@dataclass(frozen=True)
class RoleNeed:
    """One thing the role needs: its words, and optional patterns that show a candidate spoke
    to it (a scenario's ``listen_for``, as checker patterns)."""

    what: str
    listen_for: tuple[str, ...] = ()


def role_needs(needs: Iterable[object]) -> tuple[RoleNeed, ...]:
    """Needs as the checker takes them, from plain strings or anything with ``what`` (and
    optionally ``listen_for``, phrases separated by "|"), such as a scenario's needs."""
    out = []
    for need in needs:
        if isinstance(need, RoleNeed):
            out.append(need)
        elif isinstance(need, str):
            out.append(RoleNeed(need))
        else:
            phrases = tuple(getattr(need, "listen_for", ()) or ())
            out.append(RoleNeed(str(need.what), tuple(_as_pattern(p) for p in phrases if p)))
    return tuple(n for n in out if n.what.strip())


def _as_pattern(phrases: str) -> str:
    """``"night shift|nights"`` as the checker pattern ``(night shift|nights)``."""
    alternatives = []
    for phrase in phrases.split("|"):
        words = re.findall(r"[a-z0-9']+", phrase.lower().replace("-", " "))
        if words:
            alternatives.append(" ".join(words))
    return "(" + "|".join(alternatives) + ")" if alternatives else ""


def stem(word: str) -> str:
    """A crude stem: lower case, one common suffix removed, a doubled last letter undone."""
    word = word.lower().strip("'")
    if word.endswith("'s"):
        word = word[:-2]
    if word.endswith(_KEEP_ENDINGS) or len(word) <= 3:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "ls":
        word = word[:-1]  # "running" -> "runn" -> "run"
    return word


def same_stem(a: str, b: str) -> bool:
    """Whether two stems are one word: equal, or sharing a long enough beginning."""
    if a == b:
        return True
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return shared >= MIN_STEM_PREFIX and shared >= MIN_PREFIX_SHARE * min(len(a), len(b))


def content_stems(words: Iterable[str], ignore: frozenset[str]) -> tuple[str, ...]:
    """The stems of the words that carry content (not in ``ignore``, a set of plain words)."""
    out: list[str] = []
    for word in words:
        word = word.lower()
        if len(word) < MIN_WORD_LENGTH or word in ignore or not _content_like(word):
            continue
        s = stem(word)
        if s not in out:
            out.append(s)
    return tuple(out)


def _content_like(word: str) -> bool:
    """Words, and names with digits in them ("365", "18th"), not bare small numbers."""
    return word.isalpha() or (word.isalnum() and len(word) >= MIN_NUMBER_LENGTH)


def need_terms(need: RoleNeed, ignore: frozenset[str]) -> tuple[str, ...]:
    """What to listen for in a need's own words."""
    return content_stems(need_words(need.what, ignore), ignore)


def need_words(what: str, ignore: frozenset[str]) -> tuple[str, ...]:
    """The words of a need that say what is needed, as written (not "working", "first" or
    "experience": the rules' needs.ignore list)."""
    words = re.findall(r"[a-z0-9]+", symbols_spelled(what.lower().replace("-", " ")))
    kept = [w for w in words if len(w) >= MIN_WORD_LENGTH and w not in ignore and _content_like(w)]
    return tuple(dict.fromkeys(kept))


def shared_terms(terms: Sequence[str], tokens: Iterable[str]) -> list[str]:
    """The need's terms that appear (as a stem) among a passage's tokens."""
    stems = {stem(t) for t in tokens if _content_like(t) and len(t) >= MIN_WORD_LENGTH}
    return [t for t in terms if any(same_stem(t, s) for s in stems)]


def describe(needs: Sequence[RoleNeed]) -> str:
    """The needs in words, for a tip: "pick accuracy and the night shift"."""
    names = [n.what for n in needs]
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
