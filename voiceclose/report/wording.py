"""How counts read in what voiceclose prints: "1 attempt", "2 attempts", not "2 attempt(s)"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, the noun plural unless ``n`` is one ("1 file", "3 files")."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


HEARD_CHARS = 200  # of a transcript quoted where nothing was found in it


def heard(transcript: str, limit: int = HEARD_CHARS) -> str:
    """What was heard, shortened at a word to about ``limit`` characters: shown where no part
    was found, so a wrong transcription can be told from a close that missed everything."""
    text = " ".join(transcript.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
