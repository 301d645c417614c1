"""The report page's transcript: each part's evidence highlighted in its own colour, two colours
where parts overlap, and every timed word a place the player can jump to."""

from __future__ import annotations

from voiceclose.report.graphics import COLOURS
from voiceclose.report.graphics import escape as _e
from voiceclose.results import ELEMENTS, Report, Word


def transcript(r: Report) -> str:
    """The transcript, each part's evidence marked in its colour (a click there seeks to it)."""
    words = r.words or [Word(w, None, None) for w in r.transcript.split()]
    if not words:
        return '<h3>Transcript</h3><p class="transcript empty">(nothing was transcribed)</p>'
    covering: list[list[str]] = [[] for _ in words]
    starts: dict[str, float | None] = {}
    for element in ELEMENTS:
        span = _evidence_words(r, element, words)
        if span is None:
            continue
        first, last = span
        starts[element] = r.elements[element].start_s
        for i in range(first, min(last, len(words) - 1) + 1):
            covering[i].append(element)
    out = []
    i = 0
    while i < len(words):
        elements = covering[i]
        j = i
        while j + 1 < len(words) and covering[j + 1] == elements:
            j += 1
        if elements:
            text = " ".join(_e(w.text) for w in words[i : j + 1])
            first = elements[0]
            style = f"--c:{COLOURS[first]}"
            if len(elements) > 1:
                style += f";--c2:{COLOURS[elements[1]]}"
            seek = starts.get(first)
            seek_attr = f' data-seek="{seek:.2f}"' if seek is not None else ""
            out.append(
                f'<mark class="ev{" multi" if len(elements) > 1 else ""}" '
                f'data-element="{first}" data-elements="{" ".join(elements)}" '
                f'style="{style}"{seek_attr}>{text}</mark>'
            )
        else:
            for w in words[i : j + 1]:
                if w.start_s is not None:
                    out.append(f'<span class="w" data-seek="{w.start_s:.2f}">{_e(w.text)}</span>')
                else:
                    out.append(_e(w.text))
        i = j + 1
    return '<h3>Transcript</h3><p class="transcript">' + " ".join(out) + "</p>"


def _evidence_words(r: Report, element: str, words: list[Word]) -> tuple[int, int] | None:
    """Which words (first, last, inclusive) are the evidence credited for ``element``."""
    e = r.elements[element]
    if not e.found:
        return None
    for c in r.candidates:
        same = c.element == element and c.accepted and c.evidence == e.evidence
        if same and c.start_s == e.start_s and 0 <= c.first_word <= c.last_word < len(words):
            return c.first_word, c.last_word
    if e.start_s is None or e.end_s is None:
        return None
    inside = [
        i
        for i, w in enumerate(words)
        if w.start_s is not None
        and w.start_s >= e.start_s - 0.01
        and (w.end_s or w.start_s) <= e.end_s + 0.01
    ]
    return (inside[0], inside[-1]) if inside else None
