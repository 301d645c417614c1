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

import base64
import html
import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import numpy as np

from voiceclose.audio import SAMPLE_RATE, load_audio
from voiceclose.checker import ELEMENTS
from voiceclose.errors import InputError, OutputError
from voiceclose.feedback import COMFORTABLE_WPM, SUGGESTED_LENGTH_S, clock, labels
from voiceclose.history import Attempt, recording_of, writable
from voiceclose.paths import data_file
from voiceclose.pipeline import Failure, Report, Result
from voiceclose.writers import TextWriter

# One colour per part, from the Okabe-Ito palette: told apart with the common colour blindnesses.
COLOURS = {
    "interest": "#0072B2",
    "fit": "#009E73",
    "reservations": "#CC79A7",
    "thanks": "#E69F00",
}
AUDIO_QUALITY = 0.9  # libsndfile's Vorbis compression level: ~22 kbit/s, clear for speech
WAVE_BINS = 500  # peaks drawn across the waveform
QUIET_FULL_SCALE = 0.1  # a peak this loud (-20 dBFS) or louder fills the waveform's height
WAVE_WIDTH = 1000  # SVG user units across the waveform
WAVE_HEIGHT = 110  # SVG user units for the waveform itself
LANE_HEIGHT = 20  # one lane per part above the waveform, holding its marker
AXIS_HEIGHT = 18  # time labels under the waveform
LABEL_CHAR_W = 7.0  # SVG units a character of a marker's label takes, roughly
CHART_ATTEMPTS = 20  # attempts shown in the history chart
PACE_AXIS_WPM = (60.0, 240.0)  # the pace gauge and chart run over this range
LENGTH_AXIS_S = (0.0, 180.0)  # the length gauge runs over this range


@dataclass(frozen=True)
class EmbeddedAudio:
    """The recording as the page carries it."""

    data_uri: str
    offset_s: float  # time in the recording of the first sample (the checked window's start)
    duration_s: float
    peaks: list[float]  # WAVE_BINS loudness peaks, 0-1, normalised to the loudest


@dataclass(frozen=True)
class PageInput:
    """One input on the page: its result, and the audio if it could be embedded."""

    result: Result
    attempt_id: int | None = None
    created_at: datetime | None = None
    audio: EmbeddedAudio | None = None
    audio_note: str | None = None  # why the recording is not on the page


@dataclass(frozen=True)
class Page:
    """What was written."""

    path: Path
    size_bytes: int
    inputs: int
    with_audio: int


def embed_audio(path: Path, report: Report) -> EmbeddedAudio:
    """Decode the part of ``path`` that was checked and encode it for the page.

    Raises InputError (naming the file) if it cannot be read.
    """
    window = report.window
    last_s = window.end_s - window.start_s if window else None
    audio = load_audio(path, last_s=last_s)
    samples = audio.samples
    out = io.BytesIO()
    try:
        import soundfile as sf

        sf.write(
            out,
            samples,
            SAMPLE_RATE,
            format="OGG",
            subtype="VORBIS",
            compression_level=AUDIO_QUALITY,
        )
        mime = "audio/ogg"
    except (RuntimeError, TypeError, ValueError):  # a libsndfile without Vorbis: plain WAV
        out = io.BytesIO()
        sf.write(out, samples, SAMPLE_RATE, format="WAV", subtype="PCM_16")
        mime = "audio/wav"
    data = base64.b64encode(out.getvalue()).decode("ascii")
    return EmbeddedAudio(
        data_uri=f"data:{mime};base64,{data}",
        offset_s=audio.offset_s,
        duration_s=audio.duration_s,
        peaks=peaks(samples, WAVE_BINS),
    )


def peaks(samples: np.ndarray, bins: int) -> list[float]:
    """The loudest absolute sample in each of ``bins`` equal slices, scaled so the loudest is 1
    (a quiet recording, or silence, stays small: the scale never goes below QUIET_FULL_SCALE)."""
    if samples.size == 0:
        return [0.0] * bins
    edges = np.linspace(0, samples.size, bins + 1).astype(int)
    magnitude = np.abs(samples)
    values = np.array(
        [magnitude[a:b].max() if b > a else 0.0 for a, b in zip(edges[:-1], edges[1:], strict=True)]
    )
    top = max(float(values.max()), QUIET_FULL_SCALE)
    return [round(min(1.0, float(v) / top), 3) for v in values]


def page_input(
    result: Result,
    attempt_id: int | None = None,
    created_at: datetime | None = None,
    recording: Path | None = None,
) -> PageInput:
    """An input for the page, with its recording embedded when there is one to embed.

    A recording that cannot be read any more (moved, deleted) leaves a note instead; the rest of
    the report is still drawn.
    """
    if not isinstance(result, Report) or result.kind != "audio":
        return PageInput(result, attempt_id, created_at)
    path = recording or recording_of(result)
    if path is None:
        return PageInput(result, attempt_id, created_at)
    if not path.exists():
        note = f"the recording is no longer at {path} (moved or deleted), so it cannot be played"
        return PageInput(result, attempt_id, created_at, audio_note=note)
    try:
        audio = embed_audio(path, result)
    except InputError as e:
        return PageInput(result, attempt_id, created_at, audio_note=f"the recording: {e.problem}")
    return PageInput(result, attempt_id, created_at, audio=audio)


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
    """Render the page and write it in one step (a reader never sees half a page)."""
    text = render(inputs, history)
    data = text.encode("utf-8")
    folder = path.absolute().parent
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except OSError as e:
        raise OutputError(f"cannot write {path} ({e.strerror or e})") from e
    return Page(path, len(data), len(inputs), sum(1 for i in inputs if i.audio))


def render(inputs: Sequence[PageInput], history: Sequence[Attempt] = ()) -> str:
    """The whole page as HTML."""
    single = len(inputs) == 1
    if single:
        title = f"Interview close: {_name(inputs[0].result.source)}"
    else:
        title = f"Interview closes: {len(inputs)} inputs"
    current = {i.attempt_id for i in inputs if i.attempt_id is not None}
    body = [
        "<header>",
        f"<h1>{_e(title)}</h1>",
        '<p class="sub">Made by voiceclose on this machine; this page loads nothing from the '
        "network. Click a marker, a highlight or the waveform to hear that moment.</p>",
        "</header>",
    ]
    if not single:
        body.append(_batch_table(inputs))
    body.extend(_report_section(n, item) for n, item in enumerate(inputs, 1))
    if history:
        body.append(_history_chart(history[-CHART_ATTEMPTS:], current))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; media-src data:; img-src data:\">\n"
        f"<title>{_e(title)}</title>\n<style>{_asset('report.css')}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n<script>{_asset('report.js')}</script>\n</body>\n</html>\n"
    )


# --- the batch table ---------------------------------------------------------------------------


def _batch_table(inputs: Sequence[PageInput]) -> str:
    names = labels()
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
        cells = "".join(_tick(r.elements[e].found, e) for e in ELEMENTS)
        verdict = "complete" if r.complete else f"{len(r.missed)} missed"
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


def _tick(found: bool, element: str) -> str:
    mark = "✓" if found else "✗"
    return f'<td class="part {"found" if found else "missed"}" data-element="{element}">{mark}</td>'


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
    verdict = (
        "All four parts of a strong close were there."
        if r.complete
        else f"{4 - len(r.missed)} of 4 parts heard."
    )
    parts = [
        f'<section class="report" id="input-{n}" data-source="{_e(r.source)}">',
        f"<h2>{_e(_name(r.source))}</h2>",
        f'<p class="source">{_e(r.source)}</p>',
        f'<p class="meta">{_e(" · ".join(meta))}</p>' if meta else "",
        f'<p class="verdict {"complete" if r.complete else "missed"}">{_e(verdict)}</p>',
    ]
    notes = list(r.notes)
    if item.audio_note:
        notes.append(item.audio_note)
    if notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{_e(x)}</li>" for x in notes) + "</ul>")
    if item.audio is not None:
        parts.append(_player(r, item.audio))
    if r.kind == "audio" and not r.extras.speech_heard:
        parts.append(
            '<p class="nospeech">No speech was heard, so nothing could be checked. '
            "Was the right microphone on?</p>"
        )
    parts.append(_checklist(r))
    parts.append(_transcript(r))
    parts.append(_extras(r))
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def _player(r: Report, audio: EmbeddedAudio) -> str:
    return (
        '<div class="player">'
        + _waveform(r, audio)
        + f'<audio controls preload="auto" data-offset="{audio.offset_s:.3f}" '
        f'src="{audio.data_uri}"></audio></div>'
    )


def _waveform(r: Report, audio: EmbeddedAudio) -> str:
    names = labels()
    lanes = LANE_HEIGHT * len(ELEMENTS)
    top, mid = lanes + 4, lanes + 4 + WAVE_HEIGHT / 2
    height = top + WAVE_HEIGHT + AXIS_HEIGHT
    span = max(audio.duration_s, 1e-6)

    def x(t: float) -> float:
        return max(0.0, min(WAVE_WIDTH, (t - audio.offset_s) / span * WAVE_WIDTH))

    step = WAVE_WIDTH / len(audio.peaks)
    bars = "".join(
        f"M{(i + 0.5) * step:.1f} {mid - max(p, 0.004) * WAVE_HEIGHT / 2:.1f}"
        f"V{mid + max(p, 0.004) * WAVE_HEIGHT / 2:.1f}"
        for i, p in enumerate(audio.peaks)
    )
    out = [
        f'<svg class="wave" viewBox="0 0 {WAVE_WIDTH} {height:.0f}" '
        f'data-offset="{audio.offset_s:.3f}" data-duration="{audio.duration_s:.3f}" '
        'role="img" aria-label="Waveform of the recording, with a marker for each part heard">',
        f'<rect class="wave-bg" x="0" y="{top}" width="{WAVE_WIDTH}" height="{WAVE_HEIGHT}"/>',
        f'<path class="peaks" d="{bars}" stroke-width="{step * 0.7:.2f}"/>',
    ]
    for lane, element in enumerate(ELEMENTS):
        e = r.elements[element]
        y = lane * LANE_HEIGHT
        colour = COLOURS[element]
        if not e.found or e.start_s is None:
            out.append(
                f'<text class="lane-missed" x="4" y="{y + 14}">'
                f"{_e(names[element])}: not heard</text>"
            )
            continue
        x0, x1 = x(e.start_s), x(e.end_s if e.end_s is not None else e.start_s)
        width = max(x1 - x0, 4.0)
        label = f"{names[element]} {clock(e.start_s)}"
        label_w = LABEL_CHAR_W * len(label) + 8
        if width >= label_w:  # inside its bar, in white
            anchor, label_x, ink = "start", x0 + 4, "#fff"
        elif x0 + width + label_w <= WAVE_WIDTH:  # after the bar
            anchor, label_x, ink = "start", x0 + width + 4, colour
        else:  # before it, near the right edge
            anchor, label_x, ink = "end", x0 - 4, colour
        out.append(
            f'<g class="marker" data-element="{element}" data-seek="{e.start_s:.2f}" '
            f'tabindex="0" role="button" aria-label="{_e(names[element])} at {clock(e.start_s)}">'
            f"<title>{_e(names[element])} at {clock(e.start_s)}: “{_e(e.evidence or '')}”</title>"
            f'<line x1="{x0:.1f}" x2="{x0:.1f}" y1="{y + 2}" y2="{top + WAVE_HEIGHT}" '
            f'stroke="{colour}" stroke-width="2"/>'
            f'<rect x="{x0:.1f}" y="{y + 3}" width="{width:.1f}" height="{LANE_HEIGHT - 6}" '
            f'rx="3" fill="{colour}"/>'
            f'<rect class="band" x="{x0:.1f}" y="{top}" width="{width:.1f}" '
            f'height="{WAVE_HEIGHT}" fill="{colour}"/>'
            f'<text x="{label_x:.1f}" y="{y + 14}" text-anchor="{anchor}" fill="{ink}">'
            f"{_e(label)}</text></g>"
        )
    tick_s = _tick_step(audio.duration_s)
    t = 0.0
    while t <= audio.duration_s + 1e-6:
        tx = t / span * WAVE_WIDTH
        out.append(
            f'<text class="tick" x="{tx:.1f}" y="{height - 4:.0f}" '
            f'text-anchor="{"start" if t == 0 else "middle"}">'
            f"{clock(audio.offset_s + t)}</text>"
        )
        t += tick_s
    out.append(
        f'<line class="playhead" x1="0" x2="0" y1="{top}" y2="{top + WAVE_HEIGHT}" '
        'visibility="hidden"/>'
    )
    out.append("</svg>")
    return "".join(out)


def _tick_step(duration_s: float) -> float:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800):
        if duration_s / step <= 10:
            return float(step)
    return 3600.0


def _checklist(r: Report) -> str:
    names = labels()
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


def _transcript(r: Report) -> str:
    words = r.words or [{"text": w, "start_s": None, "end_s": None} for w in r.transcript.split()]
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
            text = " ".join(_e(w["text"]) for w in words[i : j + 1])
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
                if w.get("start_s") is not None:
                    out.append(
                        f'<span class="w" data-seek="{w["start_s"]:.2f}">{_e(w["text"])}</span>'
                    )
                else:
                    out.append(_e(w["text"]))
        i = j + 1
    return '<h3>Transcript</h3><p class="transcript">' + " ".join(out) + "</p>"


def _evidence_words(r: Report, element: str, words: list[dict]) -> tuple[int, int] | None:
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
        if w.get("start_s") is not None
        and w["start_s"] >= e.start_s - 0.01
        and (w.get("end_s") or w["start_s"]) <= e.end_s + 0.01
    ]
    return (inside[0], inside[-1]) if inside else None


def _extras(r: Report) -> str:
    x = r.extras
    rows = []
    if x.words_per_minute is not None:
        rows.append(
            _gauge(
                "pace",
                "Pace",
                f"{round(x.words_per_minute)} words a minute",
                x.words_per_minute,
                PACE_AXIS_WPM,
                COMFORTABLE_WPM,
                f"comfortable: {COMFORTABLE_WPM[0]:.0f}–{COMFORTABLE_WPM[1]:.0f}",
            )
        )
    speech_s = _speech_span(r)
    if speech_s is not None:
        rows.append(
            _gauge(
                "length",
                "Length",
                f"{clock(speech_s)} from first word to last",
                speech_s,
                LENGTH_AXIS_S,
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


def _gauge(kind, label, value_text, value, axis, good, good_text) -> str:
    lo, hi = axis

    def pct(v: float) -> float:
        return max(0.0, min(100.0, (v - lo) / (hi - lo) * 100))

    inside = good[0] <= value <= good[1]
    return (
        f'<div class="extra gauge" data-kind="{kind}"><b>{label}</b> {_e(value_text)} '
        f'<span class="hint">{_e(good_text)}</span>'
        f'<div class="track"><div class="good" style="left:{pct(good[0]):.1f}%;'
        f'width:{pct(good[1]) - pct(good[0]):.1f}%"></div>'
        f'<div class="dot {"in" if inside else "out"}" style="left:{pct(value):.1f}%"></div>'
        "</div></div>"
    )


def _speech_span(r: Report) -> float | None:
    timed = [w for w in r.words if w.get("start_s") is not None and w.get("end_s") is not None]
    return timed[-1]["end_s"] - timed[0]["start_s"] if timed else None


# --- the history chart -------------------------------------------------------------------------


def _history_chart(attempts: Sequence[Attempt], current: set[int]) -> str:
    names = labels()
    cell, gap, left = 16, 10, 150  # the left margin holds the parts' names
    column = cell + gap
    parts_h = cell * len(ELEMENTS)
    pace_top = parts_h + 30
    pace_h = 70
    width = left + column * len(attempts) + 10
    height = pace_top + pace_h + 22
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" style="max-width:{width * 1.4:.0f}px" '
        'role="img" aria-label="The parts heard and the pace in the last attempts">'
    ]
    for lane, element in enumerate(ELEMENTS):
        out.append(
            f'<text x="{left - 6}" y="{lane * cell + 12}" text-anchor="end">'
            f"{_e(names[element])}</text>"
        )
    out.append(f'<text x="{left - 40}" y="{pace_top + 12}" text-anchor="end">words/min</text>')
    lo, hi = PACE_AXIS_WPM

    def y_pace(wpm: float) -> float:
        wpm = max(lo, min(hi, wpm))
        return pace_top + pace_h - (wpm - lo) / (hi - lo) * pace_h

    band_top, band_bottom = y_pace(COMFORTABLE_WPM[1]), y_pace(COMFORTABLE_WPM[0])
    out.append(
        f'<rect class="pace-band" x="{left}" y="{band_top:.1f}" width="{width - left - 10}" '
        f'height="{band_bottom - band_top:.1f}"/>'
    )
    for wpm, y in ((COMFORTABLE_WPM[1], band_top), (COMFORTABLE_WPM[0], band_bottom)):
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{wpm:.0f}</text>')
    points = []
    for n, a in enumerate(attempts):
        x0 = left + n * column
        when = a.local_time.strftime("%d %b %H:%M")
        heard = sum(1 for e in ELEMENTS if e in a.elements and a.elements[e].found)
        pace = f", {round(a.words_per_minute)} words/min" if a.words_per_minute else ""
        klass = "attempt current" if a.id in current else "attempt"
        out.append(
            f'<g class="{klass}" data-attempt="{a.id}"><title>Attempt {a.id}, {when}: '
            f"{heard} of {len(ELEMENTS)} parts{pace}</title>"
        )
        for lane, element in enumerate(ELEMENTS):
            e = a.elements.get(element)
            fill = COLOURS[element] if e is not None and e.found else "#e4e4e4"
            out.append(
                f'<rect x="{x0}" y="{lane * cell + 1}" width="{cell}" height="{cell - 2}" '
                f'rx="2" fill="{fill}"/>'
            )
        if a.id in current:
            out.append(
                f'<rect class="outline" x="{x0 - 3}" y="-2" width="{cell + 6}" '
                f'height="{parts_h + 3}" rx="3"/>'
            )
        out.append(
            f'<text class="id" x="{x0 + cell / 2}" y="{parts_h + 14}" text-anchor="middle">'
            f"{a.id}</text></g>"
        )
        if a.words_per_minute is not None:
            points.append((x0 + cell / 2, y_pace(a.words_per_minute)))
    if points:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        out.append(f'<polyline class="pace" points="{path}"/>')
        out.extend(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3"/>' for px, py in points)
    out.append("</svg>")
    return (
        '<section class="history"><h2>Your last attempts</h2>'
        f'<p class="hint">The {len(attempts)} latest in the history, oldest on the left '
        f"(outlined: this page). The band is a comfortable pace, "
        f"{COMFORTABLE_WPM[0]:.0f}–{COMFORTABLE_WPM[1]:.0f} words a minute.</p>"
        + "".join(out)
        + "</section>"
    )


def _name(source: str) -> str:
    return "standard input" if source == "-" else Path(source).name or source


@cache
def _asset(name: str) -> str:
    """The page's style or script, from the package's data folder, to be inlined."""
    return data_file(name).read_text(encoding="utf-8")


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
