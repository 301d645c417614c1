"""A visual report: one self-contained HTML page for a coach or for the candidate.

The page holds the checklist (with the tip and a line to try for each missed part), the transcript
with each part's evidence highlighted in its own colour, the recording's waveform with a marker
where each part was said, a player that jumps there when a marker or a highlight is clicked, the
delivery extras (pace, fillers, length against the suggested range) and, when there is a history,
a chart of the last attempts. A batch gets one page with a table of all its inputs.

Nothing on the page is fetched: style and script are inline, the audio is a data: URI (Ogg Vorbis,
16 kHz mono) and the waveform is SVG drawn here from downsampled peaks.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from voiceclose.errors import OutputError
from voiceclose.paths import data_file, writable
from voiceclose.report import graphics, highlight
from voiceclose.report.answer_page import followup_section
from voiceclose.report.graphics import COLOURS, EmbeddedAudio
from voiceclose.report.graphics import escape as _e
from voiceclose.report.writers import TextWriter
from voiceclose.results import (
    COMFORTABLE_WPM,
    ELEMENTS,
    LABELS,
    SUGGESTED_LENGTH_S,
    AnswerReport,
    Attempt,
    Failure,
    Report,
    Result,
    clock,
)

CHART_ATTEMPTS = 20  # attempts shown in the history chart


@dataclass(frozen=True)
class PageInput:
    """One input on the page: its result, and the audio if it could be embedded."""

    result: Result
    attempt_id: int | None = None
    created_at: datetime | None = None
    audio: EmbeddedAudio | None = None
    audio_note: str | None = None  # why the recording is not on the page
    answer_audio: EmbeddedAudio | None = None  # the answer to the concern, after practice
    answer_audio_note: str | None = None


@dataclass(frozen=True)
class Page:
    """What was written."""

    path: Path
    size_bytes: int


def check_target(path: Path) -> None:
    """Raise OutputError now if the page could not be written to ``path`` later."""
    folder = path.absolute().parent
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: the folder {folder} does not exist")
    if not writable(folder):
        raise OutputError(f"cannot write {path}: the folder {folder} is read-only")


def write(path: Path, inputs: Sequence[PageInput], history: Sequence[Attempt] = ()) -> Page:
    """Render the page and write it in one step (a reader never sees half a page, and a write
    that fails leaves nothing behind). The page embeds a voice: it is the user's only (0600)."""
    text = render(inputs, history)
    data = text.encode("utf-8")
    folder = path.absolute().parent
    try:  # mkstemp makes the file 0600, whatever the umask
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"cannot write {path} ({e.strerror or e})") from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.remove(temp)
        raise OutputError(f"cannot write {path} ({e.strerror or e})") from e
    return Page(path, len(data))


def render(inputs: Sequence[PageInput], history: Sequence[Attempt] = ()) -> str:
    """The whole page as HTML (of closes, or of answers to a concern: ``check --concern``)."""
    from voiceclose.report import answer_page

    single = len(inputs) == 1
    answers = any(isinstance(i.result, AnswerReport) for i in inputs)
    if answers:
        title = answer_page.answers_title(inputs)
    elif single:
        title = f"Interview close: {_name(inputs[0].result.source)}"
    else:
        title = f"Interview closes: {len(inputs)} inputs"
    current = {i.attempt_id for i in inputs if i.attempt_id is not None}
    has_audio = any(i.audio is not None for i in inputs)
    listen = (
        " Click a marker, a highlight or the waveform to hear that moment." if has_audio else ""
    )
    body = [
        "<header>",
        f"<h1>{_e(title)}</h1>",
        '<p class="sub">Made by voiceclose on this machine; this page loads nothing from the '
        f"network.{listen}</p>",
        "</header>",
    ]
    if not single:
        body.append(answer_page.answers_table(inputs) if answers else _batch_table(inputs))
    for n, item in enumerate(inputs, 1):
        answer = isinstance(item.result, AnswerReport)
        body.append(
            answer_page.answer_report_section(n, item) if answer else _report_section(n, item)
        )
    if history:
        body.append(graphics.history_chart(history[-CHART_ATTEMPTS:], current))
    # the app links a recording it serves itself (same origin); a saved page embeds it
    linked = any(i.audio and not i.audio.data_uri.startswith("data:") for i in inputs)
    media = "'self' data:" if linked else "data:"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        f'media-src {media}; img-src data:">\n'
        f"<title>{_e(title)}</title>\n<style>{_asset('report.css')}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n<script>{_asset('report.js')}</script>\n</body>\n</html>\n"
    )


# --- the batch table ---------------------------------------------------------------------------


def _batch_table(inputs: Sequence[PageInput]) -> str:
    names = LABELS
    head = "".join(f'<th class="part">{_e(names[e])}</th>' for e in ELEMENTS)
    rows = []
    for n, item in enumerate(inputs, 1):
        r = item.result
        link = f'<a href="#input-{n}">{_e(_name(r.source))}</a>'
        if isinstance(r, Failure):
            rows.append(
                f'<tr class="failed"><td>{n}</td><td>{link}</td>'
                f'<td colspan="{len(ELEMENTS) + 3}">could not be checked: {_e(r.error)}</td></tr>'
            )
            continue
        cells = "".join(graphics.tick_cell(r.elements[e].found, e) for e in ELEMENTS)
        verdict = "complete" if r.complete else f"{len(r.missed)} missed"
        if r.no_speech:
            cells, verdict = "<td>–</td>" * len(ELEMENTS), "no speech"
        wpm = r.extras.words_per_minute
        rows.append(
            f'<tr class="{"complete" if r.complete else "missed"}"><td>{n}</td><td>{link}</td>'
            f"<td>{verdict}</td>{cells}<td>{round(wpm) if wpm else '–'}</td>"
            f"<td>{_e(clock(r.duration_s)) if r.duration_s is not None else '–'}</td></tr>"
        )
    summary = TextWriter().summary([item.result for item in inputs]) or ""
    return (
        '<section class="batch"><h2>All inputs</h2>'
        f'<p class="summary">{_e(summary)}</p>'
        '<table id="batch"><thead><tr><th>#</th><th>Input</th><th>Result</th>'
        f"{head}<th>Pace</th><th>Length</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )


# --- one report --------------------------------------------------------------------------------


def _report_section(n: int, item: PageInput) -> str:
    r = item.result
    if isinstance(r, Failure):
        return (
            f'<section class="report failed" id="input-{n}">'
            f"<h2>{_e(_name(r.source))}</h2>"
            f'<p class="source">{_e(r.source)}</p>'
            f'<p class="error">Could not be checked: {_e(r.error)}</p></section>'
        )
    meta = []
    if item.attempt_id is not None:
        meta.append(f"attempt {item.attempt_id}")
    if item.created_at is not None:
        meta.append(item.created_at.astimezone().strftime("%Y-%m-%d %H:%M"))
    if r.duration_s is not None:
        meta.append(clock(r.duration_s))
    if r.model:
        meta.append(f"model {r.model}")
    if r.prompt:
        meta.append(f"scenario {r.prompt}")
    if r.no_speech:
        verdict = "No speech was heard."
    elif r.complete:
        verdict = "All four parts of a strong close were there."
    else:
        verdict = f"{4 - len(r.missed)} of 4 parts heard."
    parts = [
        f'<section class="report" id="input-{n}" data-source="{_e(r.source)}">',
        f"<h2>{_e(_name(r.source))}</h2>",
        f'<p class="source">{_e(r.source)}</p>',
        f'<p class="meta">{_e(" · ".join(meta))}</p>' if meta else "",
        f'<p class="verdict {"complete" if r.complete else "missed"}">{_e(verdict)}</p>',
    ]
    notes = r.shown_notes
    if item.audio_note:
        notes.append(item.audio_note)
    if notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{_e(x)}</li>" for x in notes) + "</ul>")
    if item.audio is not None:
        parts.append(_player(r, item.audio))
    if r.no_speech:  # nothing was checked: no checklist of parts "missed", tips or transcript
        # a recording practice made asks after the microphone; a file given to check cannot
        mic = " Was the right microphone on?" if r.recording else ""
        parts.append(f'<p class="nospeech">So nothing in it could be checked.{mic}</p>')
    else:
        parts.append(_checklist(r))
        parts.append(highlight.transcript(r))
        parts.append(_extras(r))
    parts.append("</section>")
    if r.followup is not None:
        parts.append(followup_section(n, r.followup, item.answer_audio, item.answer_audio_note))
    return "\n".join(p for p in parts if p)


def _player(r: Report, audio: EmbeddedAudio) -> str:
    # a recording with no speech has no parts to place on it (not four lanes of "not heard")
    parts = () if r.no_speech else ELEMENTS
    return (
        '<div class="player">'
        + graphics.waveform(r, audio, parts)
        + f'<audio controls preload="auto" data-offset="{audio.offset_s:.3f}" '
        f'src="{audio.data_uri}"></audio></div>'
    )


def _checklist(r: Report) -> str:
    names = LABELS
    praise = iter(r.feedback.praise)
    tips = {t.element: t for t in r.feedback.tips}
    items = []
    for element in ELEMENTS:
        e = r.elements[element]
        chip = f'<span class="chip" style="background:{COLOURS[element]}"></span>'
        if e.found:
            when = ""
            if e.start_s is not None:
                when = (
                    f' <button type="button" class="jump" data-seek="{e.start_s:.2f}">'
                    f"▶ {clock(e.start_s)}</button>"
                )
            items.append(
                f'<li class="item found" data-element="{element}">'
                f'<span class="mark">✓</span>{chip}<b>{_e(names[element])}</b> '
                f"{_e(next(praise, ''))}{when}"
                f'<div class="evidence">heard: “{_e(e.evidence or "")}”</div></li>'
            )
        else:
            tip = tips.get(element)
            body = ""
            if tip is not None:
                body = (
                    f"{_e(tip.observed)}"
                    f'<div class="tip"><b>Tip:</b> {_e(tip.tip)}</div>'
                    f'<div class="try"><b>Try:</b> “{_e(tip.example)}”</div>'
                )
            items.append(
                f'<li class="item missed" data-element="{element}">'
                f'<span class="mark">✗</span>{chip}<b>{_e(names[element])}</b> {body}</li>'
            )
    return '<h3>Checklist</h3><ol class="checklist">' + "".join(items) + "</ol>"


def _extras(r: Report) -> str:
    x = r.extras
    rows = []
    if x.words_per_minute is not None:
        rows.append(
            graphics.gauge(
                "pace",
                "Pace",
                f"{round(x.words_per_minute)} words a minute",
                x.words_per_minute,
                graphics.PACE_AXIS_WPM,
                COMFORTABLE_WPM,
                f"comfortable: {COMFORTABLE_WPM[0]:.0f}–{COMFORTABLE_WPM[1]:.0f}",
            )
        )
    speech_s = _speech_span(r)
    if speech_s is not None:
        rows.append(
            graphics.gauge(
                "length",
                "Length",
                f"{clock(speech_s)} from first word to last",
                speech_s,
                graphics.LENGTH_AXIS_S,
                SUGGESTED_LENGTH_S,
                f"suggested: {clock(SUGGESTED_LENGTH_S[0])}–{clock(SUGGESTED_LENGTH_S[1])}",
            )
        )
    fillers = ", ".join(f"{_e(k)} ×{v}" for k, v in x.filler_words.items())
    rows.append(
        f'<div class="extra" data-kind="fillers"><b>Filler words</b> {x.fillers}'
        f"{f' ({fillers})' if fillers else ''}"
        ' <span class="hint">a lower bound: speech recognition drops many</span></div>'
    )
    steps = "asked" if x.next_steps else "not asked"
    line = f" (“{_e(x.next_steps_line)}”)" if x.next_steps and x.next_steps_line else ""
    rows.append(f'<div class="extra" data-kind="next-steps"><b>Next steps</b> {steps}{line}</div>')
    if x.overconfident:
        rows.append(
            '<div class="extra warn" data-kind="overconfident"><b>Over-confident line</b> '
            f"“{_e(x.overconfident_line or '')}”</div>"
        )
    notes = "".join(f"<li>{_e(n)}</li>" for n in r.feedback.notes)
    return (
        '<h3>Delivery</h3><div class="extras">'
        + "".join(rows)
        + (f'<ul class="advice">{notes}</ul>' if notes else "")
        + "</div>"
    )


def _speech_span(r: Report) -> float | None:
    timed = [w for w in r.words if w.start_s is not None and w.end_s is not None]
    return timed[-1].end_s - timed[0].start_s if timed else None


def _name(source: str) -> str:
    return "standard input" if source == "-" else Path(source).name or source


@cache
def _asset(name: str) -> str:
    """The page's style or script, from the package's data folder, to be inlined."""
    return data_file("report", name).read_text(encoding="utf-8")
