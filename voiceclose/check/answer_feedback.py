"""Praise for what an answer to a concern did, a tip and an example line for each part it missed.

The words live in data/answer_tips.toml, checked against ``ANSWER_TIPS_SCHEMA`` when read.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from voiceclose.check.feedback import read_string_tables
from voiceclose.paths import data_file
from voiceclose.results import (
    ANSWER_LABELS,
    ANSWER_PARTS,
    CONCERN_KINDS,
    AnswerCheck,
    Concern,
    Feedback,
    Tip,
)

ANSWER_TIPS_FILE = "answer_tips.toml"
ANSWER_TIPS_SCHEMA = {
    "acknowledge": ("praise", "missed", "defensive", "tip", "example"),
    "address": ("praise", "missed", "tip", *(f"example_{kind}" for kind in CONCERN_KINDS)),
    "high_note": ("praise", "missed", "tip", "example"),
}


@lru_cache(maxsize=4)
def load_answer_tips(path: Path | None = None) -> dict[str, Any]:
    """The answer feedback's words: every section and key present, each a string, none unknown."""
    return read_string_tables(path or data_file("check", ANSWER_TIPS_FILE), ANSWER_TIPS_SCHEMA)


def answer_feedback(result: AnswerCheck, concern: Concern) -> Feedback:
    """Praise first, then a tip and a line to try for each missed part."""
    tips = load_answer_tips()
    praise = [tips[part]["praise"] for part in ANSWER_PARTS if result.elements[part].found]
    missed = []
    for part in result.missed:
        words = tips[part]
        observed = words["missed"]
        if part == "acknowledge" and _was_defensive(result):
            observed = words["defensive"]
        example = words[f"example_{concern.kind}"] if part == "address" else words["example"]
        missed.append(Tip(part, ANSWER_LABELS[part], observed, words["tip"], example))
    return Feedback(praise=praise, tips=missed)


def _was_defensive(result: AnswerCheck) -> bool:
    return any(
        c.element == "acknowledge" and c.reason.startswith("dismissive") for c in result.candidates
    )
