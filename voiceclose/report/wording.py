"""How counts read in what voiceclose prints: "1 attempt", "2 attempts", not "2 attempt(s)"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, the noun plural unless ``n`` is one ("1 file", "3 files")."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
