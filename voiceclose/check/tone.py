"""What the tone and structure of a close show, beyond the four parts: filler words, lines that
undermine the candidate (hedging), and a recap of what the employer needs (the "confirm" step).

Fillers are "um"/"uh" among the words as heard plus the phrase data's [fillers] ("like", "you
know", "sort of", "basically" used as fillers, not "I like this"); Whisper drops many, so counts
are a lower bound. Hedging is the [hedging] phrases, or the semantic signal when it is confident;
the recap is the [recap] phrases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voiceclose.check.context import Context, Span, span_of
from voiceclose.check.normalise import hesitation_count

if TYPE_CHECKING:
    from voiceclose.check.semantic import Scores

MAX_HEDGING_LINES = 3  # the report quotes at most this many


@dataclass(frozen=True)
class Tone:
    fillers: dict[str, int] = field(default_factory=dict)
    hedging_lines: list[str] = field(default_factory=list)
    recap_line: str | None = None


def tone_extras(ctx: Context, scores: Scores | None = None) -> Tone:
    return Tone(_fillers(ctx), _hedging(ctx, scores), _recap(ctx))


def _fillers(ctx: Context) -> dict[str, int]:
    counts: dict[str, int] = {}
    hesitations = hesitation_count([w.text for w in ctx.words])
    if hesitations:
        counts["um/uh"] = hesitations
    fillers = ctx.rules.get("fillers", "cues")
    names = [tuple(n.split()) for n in ctx.rules.words("fillers", "names")]
    seen: set[int] = set()  # transcript words already counted as (part of) a filler
    for n in range(len(ctx.sentences)):
        tokens, index = ctx.tokens(n), ctx.sentences[n].sentence.word_index
        for m in ctx.matches(fillers, n):
            phrase = tuple(t for t in tokens[m.start : m.end] if t != ",")
            name, at = _filler_name(phrase, names)
            word = index[m.start + at] if m.start + at < m.end else index[m.start]
            if word not in seen:
                seen.add(word)
                counts[name] = counts.get(name, 0) + 1
    return counts


def _filler_name(phrase: tuple[str, ...], names: list[tuple[str, ...]]) -> tuple[str, int]:
    """The filler a matched phrase is counted as ("was like really": "like"), and where in the
    phrase it starts."""
    for name in names:
        for at in range(len(phrase) - len(name) + 1):
            if phrase[at : at + len(name)] == name:
                return " ".join(name), at
    return " ".join(phrase), 0


def _hedging(ctx: Context, scores: Scores | None) -> list[str]:
    cues = ctx.rules.get("hedging", "cues")
    lines: list[str] = []
    for n in range(len(ctx.sentences)):
        found = ctx.matches(cues, n)
        if found or (scores is not None and scores.hedging(n)):
            spans = [span_of(found[0])] if found else [_whole(ctx, n)]
            line = ctx.candidate("hedging", spans, True, "").evidence
            if line not in lines:
                lines.append(line)
    return lines[:MAX_HEDGING_LINES]


def _whole(ctx: Context, n: int) -> Span:
    return Span(n, 0, len(ctx.tokens(n)), 100.0)


def _recap(ctx: Context) -> str | None:
    cues = ctx.rules.get("recap", "cues")
    for n in range(len(ctx.sentences)):
        if m := ctx.any_match(cues, n):
            return ctx.candidate("recap", [span_of(m)], True, "").evidence
    return None
