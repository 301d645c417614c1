"""The report page's section for the answer to the interviewer's concern: the concern, its own
waveform and player with a marker per part, and the checklist of the answer's three parts. The
same section, under the input's name, is each input of ``check --concern``'s page, which has a
table of the answers in place of the closes' table."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from voiceclose.report import graphics
from voiceclose.report.answer_text import KIND_NAMES
from voiceclose.report.graphics import EmbeddedAudio
from voiceclose.results import ANSWER_LABELS, ANSWER_PARTS, AnswerReport, Failure, FollowUp, clock

if TYPE_CHECKING:  # page imports this module
    from voiceclose.report.page import PageInput

# Okabe-Ito colours the close's four parts do not use (a dark purple for the third).
ANSWER_COLOURS = {"acknowledge": "#56B4E9", "address": "#D55E00", "high_note": "#6A3D9A"}


def followup_section(
    n: int,
    f: FollowUp | AnswerReport,
    audio: EmbeddedAudio | None,
    audio_note: str | None,
    head: Sequence[str] | None = None,
) -> str:
    """A section of its own (so its player and markers play the answer, not the close);
    ``head`` replaces the heading (an answer checked on its own is headed by its name)."""
    verdict = (
        "All three parts of a good answer were there."
        if f.complete
        else f"{3 - len(f.missed)} of 3 parts of a good answer heard."
    )
    kind = KIND_NAMES.get(f.concern.kind, f.concern.kind)
    if head is None:
        head = (
            f'<section class="report followup" id="input-{n}-answer">',
            "<h2>Your answer to the interviewer's concern</h2>",
        )
    parts = [
        *head,
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


# --- check --concern: a page of answers ---------------------------------------------------------


def answers_title(inputs: Sequence[PageInput]) -> str:
    if len(inputs) == 1:
        return f"Answer to the interviewer's concern: {_name(inputs[0].result.source)}"
    return f"Answers to the interviewer's concern: {len(inputs)} inputs"


def answers_table(inputs: Sequence[PageInput]) -> str:
    """Every answer in a row: whether each of its three parts was heard, its length."""
    head = "".join(f'<th class="part">{escape(ANSWER_LABELS[p])}</th>' for p in ANSWER_PARTS)
    rows = []
    for n, item in enumerate(inputs, 1):
        r = item.result
        link = f'<a href="#input-{n}">{escape(_name(r.source))}</a>'
        if isinstance(r, Failure):
            rows.append(
                f'<tr class="failed"><td>{n}</td><td>{link}</td><td colspan="'
                f'{len(ANSWER_PARTS) + 2}">could not be checked: {escape(r.error)}</td></tr>'
            )
            continue
        cells = "".join(graphics.tick_cell(r.elements[p].found, p) for p in ANSWER_PARTS)
        verdict = "complete" if r.complete else f"{len(r.missed)} missed"
        length = escape(clock(r.duration_s)) if r.duration_s is not None else "–"
        rows.append(
            f'<tr class="{"complete" if r.complete else "missed"}"><td>{n}</td><td>{link}</td>'
            f"<td>{verdict}</td>{cells}<td>{length}</td></tr>"
        )
    from voiceclose.report.writers import TextWriter

    summary = TextWriter().summary([item.result for item in inputs]) or ""
    return (
        '<section class="batch"><h2>All answers</h2>'
        f'<p class="summary">{escape(summary)}</p>'
        '<table id="batch"><thead><tr><th>#</th><th>Input</th><th>Result</th>'
        f"{head}<th>Length</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>"
    )


def answer_report_section(n: int, item: PageInput) -> str:
    """One input of ``check --concern``: its name, then the answer's section."""
    r = item.result
    meta = [clock(r.duration_s)] if r.duration_s is not None else []
    if r.model:
        meta.append(f"model {r.model}")
    head = (
        f'<section class="report followup" id="input-{n}" data-source="{escape(r.source)}">',
        f"<h2>{escape(_name(r.source))}</h2>",
        f'<p class="source">{escape(r.source)}</p>',
        f'<p class="meta">{escape(" · ".join(meta))}</p>' if meta else "",
    )
    return followup_section(n, r, item.audio, item.audio_note, head=[h for h in head if h])


def _name(source: str) -> str:
    from voiceclose.report.page import _name as name

    return name(source)
