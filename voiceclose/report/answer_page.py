"""The report page's section for the answer to the interviewer's concern: the concern, its own
waveform and player with a marker per part, and the checklist of the answer's three parts."""

from __future__ import annotations

from html import escape

from voiceclose.report import graphics
from voiceclose.report.answer_text import KIND_NAMES
from voiceclose.report.graphics import EmbeddedAudio
from voiceclose.results import ANSWER_LABELS, ANSWER_PARTS, FollowUp, clock

# Okabe-Ito colours the close's four parts do not use (a dark purple for the third).
ANSWER_COLOURS = {"acknowledge": "#56B4E9", "address": "#D55E00", "high_note": "#6A3D9A"}


def followup_section(
    n: int, f: FollowUp, audio: EmbeddedAudio | None, audio_note: str | None
) -> str:
    """A section of its own (so its player and markers play the answer, not the close)."""
    verdict = (
        "All three parts of a good answer were there."
        if f.complete
        else f"{3 - len(f.missed)} of 3 parts of a good answer heard."
    )
    kind = KIND_NAMES.get(f.concern.kind, f.concern.kind)
    parts = [
        f'<section class="report followup" id="input-{n}-answer">',
        "<h2>Your answer to the interviewer's concern</h2>",
        f'<p class="concern">The interviewer ({escape(kind)}): “{escape(f.concern.text)}”</p>',
        f'<p class="verdict {"complete" if f.complete else "missed"}">{escape(verdict)}</p>',
    ]
    notes = [*f.notes, *([audio_note] if audio_note else [])]
    if notes:
        parts.append(
            '<ul class="notes">' + "".join(f"<li>{escape(x)}</li>" for x in notes) + "</ul>"
        )
    if audio is not None:
        wave = graphics.waveform(f, audio, ANSWER_PARTS, ANSWER_LABELS, ANSWER_COLOURS)
        parts.append(
            f'<div class="player">{wave}<audio controls preload="auto" '
            f'data-offset="{audio.offset_s:.3f}" src="{audio.data_uri}"></audio></div>'
        )
    parts.append(_checklist(f))
    parts.append(f'<h3>Transcript</h3><p class="transcript">{escape(f.transcript)}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def _checklist(f: FollowUp) -> str:
    praise = iter(f.feedback.praise)
    tips = {t.element: t for t in f.feedback.tips}
    items = []
    for part in ANSWER_PARTS:
        e = f.elements[part]
        chip = f'<span class="chip" style="background:{ANSWER_COLOURS[part]}"></span>'
        name = escape(ANSWER_LABELS[part])
        if e.found:
            when = ""
            if e.start_s is not None:
                when = (
                    f' <button type="button" class="jump" data-seek="{e.start_s:.2f}">'
                    f"▶ {clock(e.start_s)}</button>"
                )
            items.append(
                f'<li class="item found" data-element="{part}"><span class="mark">✓</span>'
                f"{chip}<b>{name}</b> {escape(next(praise, ''))}{when}"
                f'<div class="evidence">heard: “{escape(e.evidence or "")}”</div></li>'
            )
            continue
        tip = tips.get(part)
        body = ""
        if tip is not None:
            body = (
                f'{escape(tip.observed)}<div class="tip"><b>Tip:</b> {escape(tip.tip)}</div>'
                f'<div class="try"><b>Try:</b> “{escape(tip.example)}”</div>'
            )
        items.append(
            f'<li class="item missed" data-element="{part}"><span class="mark">✗</span>'
            f"{chip}<b>{name}</b> {body}</li>"
        )
    return '<h3>Checklist</h3><ol class="checklist">' + "".join(items) + "</ol>"
