"""The report page's pictures, as inline SVG: the waveform with a marker per part, the pace and
length gauges, and the chart of the latest attempts."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from voiceclose.results import (
    COMFORTABLE_WPM,
    ELEMENTS,
    LABELS,
    Attempt,
    ElementResult,
    Report,
    clock,
)

# One colour per part, from the Okabe-Ito palette: told apart with the common colour blindnesses.
COLOURS = {
    "interest": "#0072B2",
    "fit": "#009E73",
    "reservations": "#CC79A7",
    "thanks": "#E69F00",
}
WAVE_WIDTH = 1000  # SVG user units across the waveform
WAVE_HEIGHT = 110  # SVG user units for the waveform itself
LANE_HEIGHT = 20  # one lane per part above the waveform, holding its marker
AXIS_HEIGHT = 18  # time labels under the waveform
LABEL_CHAR_W = 7.9  # SVG units a character of a marker's label takes, roughly (13.5-unit text)
PACE_AXIS_WPM = (60.0, 240.0)  # the pace gauge and chart run over this range
LENGTH_AXIS_S = (0.0, 180.0)  # the length gauge runs over this range
CHART_CELL = 16  # SVG units: an attempt's square for one part
CHART_COLUMN = CHART_CELL + 10  # SVG units from one attempt's column to the next
CHART_LEFT = 150  # SVG units of left margin, holding the parts' names
CHART_TRAIL = 10  # SVG units right of the last attempt's column
CHART_PACE_HEIGHT = 70  # SVG units the pace scale takes under the squares


def waveform(
    r: Report,
    audio: EmbeddedAudio,
    parts: Sequence[str] = ELEMENTS,
    names: dict[str, str] = LABELS,
    colours: dict[str, str] = COLOURS,
) -> str:
    """The waveform with a lane and a marker per part (``parts``: a close's four by default, or
    an answer's three, named and coloured by ``names`` and ``colours``)."""
    top = LANE_HEIGHT * len(parts) + 4  # the waveform starts under the parts' lanes
    height = top + WAVE_HEIGHT + AXIS_HEIGHT
    out = [_wave_peaks(audio, top, height)]
    for lane, part in enumerate(parts):
        out.append(
            _marker(
                r.elements[part], part, names[part], colours[part], lane * LANE_HEIGHT, top, audio
            )
        )
    out.append(_time_axis(audio, height))
    out.append(
        f'<line class="playhead" x1="0" x2="0" y1="{top}" y2="{top + WAVE_HEIGHT}" '
        'visibility="hidden"/>'
    )
    out.append("</svg>")
    out.append(_wave_key(r, audio, parts, names, colours))
    return "".join(out)


def _wave_key(r: Report, audio: EmbeddedAudio, parts, names, colours) -> str:
    """The markers' labels and the time span as text under the waveform: shown instead of the
    picture's own labels at phone width, where the scaled-down picture makes them unreadable
    (hidden from screen readers, which have the markers' own names)."""
    end = audio.offset_s + audio.duration_s
    items = [f'<li class="span">{clock(audio.offset_s)}–{clock(end)}</li>']
    for part in parts:
        e = r.elements[part]
        chip = f'<span class="chip" style="background:{colours[part]}"></span>'
        name = escape(names[part])
        if e.found and e.start_s is not None:
            items.append(
                f'<li data-element="{part}">{chip}<span class="jump" '
                f'data-seek="{e.start_s:.2f}">{name} {clock(e.start_s)}</span></li>'
            )
        else:
            items.append(f'<li class="missed" data-element="{part}">{chip}{name}: not heard</li>')
    return f'<ul class="wave-key" aria-hidden="true">{"".join(items)}</ul>'


def _wave_x(audio: EmbeddedAudio, t: float) -> float:
    """Where a time in the recording falls across the waveform, in SVG units."""
    span = max(audio.duration_s, 1e-6)
    return max(0.0, min(WAVE_WIDTH, (t - audio.offset_s) / span * WAVE_WIDTH))


def _wave_peaks(audio: EmbeddedAudio, top: int, height: float) -> str:
    """The picture's opening tag, its background and a bar per loudness peak."""
    mid = top + WAVE_HEIGHT / 2
    step = WAVE_WIDTH / len(audio.peaks)
    bars = "".join(
        f"M{(i + 0.5) * step:.1f} {mid - max(p, 0.004) * WAVE_HEIGHT / 2:.1f}"
        f"V{mid + max(p, 0.004) * WAVE_HEIGHT / 2:.1f}"
        for i, p in enumerate(audio.peaks)
    )
    return (
        f'<svg class="wave" viewBox="0 0 {WAVE_WIDTH} {height:.0f}" '
        f'data-offset="{audio.offset_s:.3f}" data-duration="{audio.duration_s:.3f}" '
        'role="img" aria-label="Waveform of the recording, with a marker for each part heard">'
        f'<rect class="wave-bg" x="0" y="{top}" width="{WAVE_WIDTH}" height="{WAVE_HEIGHT}"/>'
        f'<path class="peaks" d="{bars}" stroke-width="{step * 0.7:.2f}"/>'
    )


def _marker(
    e: ElementResult, part: str, name: str, colour: str, y: int, top: int, audio: EmbeddedAudio
) -> str:
    """One part's lane (at ``y``): its marker where it was heard, or "not heard"."""
    if not e.found or e.start_s is None:
        return f'<text class="lane-missed" x="4" y="{y + 14}">{escape(name)}: not heard</text>'
    x0 = _wave_x(audio, e.start_s)
    x1 = _wave_x(audio, e.end_s if e.end_s is not None else e.start_s)
    width = max(x1 - x0, 4.0)
    label = f"{name} {clock(e.start_s)}"
    label_w = LABEL_CHAR_W * len(label) + 8
    if width >= label_w:  # inside its bar, in white
        anchor, label_x, ink = "start", x0 + 4, "#fff"
    elif x0 + width + label_w <= WAVE_WIDTH:  # after the bar
        anchor, label_x, ink = "start", x0 + width + 4, colour
    else:  # before it, near the right edge
        anchor, label_x, ink = "end", x0 - 4, colour
    safe_name, at = escape(name), clock(e.start_s)
    return (
        f'<g class="marker" data-element="{part}" data-seek="{e.start_s:.2f}" '
        f'tabindex="0" role="button" aria-label="{safe_name} at {at}">'
        f"<title>{safe_name} at {at}: “{escape(e.evidence or '')}”</title>"
        f'<line x1="{x0:.1f}" x2="{x0:.1f}" y1="{y + 2}" y2="{top + WAVE_HEIGHT}" '
        f'stroke="{colour}" stroke-width="2"/>'
        f'<rect x="{x0:.1f}" y="{y + 3}" width="{width:.1f}" height="{LANE_HEIGHT - 6}" '
        f'rx="3" fill="{colour}"/>'
        f'<rect class="band" x="{x0:.1f}" y="{top}" width="{width:.1f}" '
        f'height="{WAVE_HEIGHT}" fill="{colour}"/>'
        f'<text x="{label_x:.1f}" y="{y + 14}" text-anchor="{anchor}" fill="{ink}">'
        f"{escape(label)}</text></g>"
    )


def _time_axis(audio: EmbeddedAudio, height: float) -> str:
    """The time labels under the waveform, a round step apart."""
    span = max(audio.duration_s, 1e-6)
    tick_s = _tick_step(audio.duration_s)
    out = []
    t = 0.0
    while t <= audio.duration_s + 1e-6:
        tx = t / span * WAVE_WIDTH
        label = clock(audio.offset_s + t)
        # the first label starts at the left edge; one too near the right edge ends at it
        anchor = "start" if t == 0 else "middle"
        if t > 0 and tx + LABEL_CHAR_W * len(label) / 2 > WAVE_WIDTH:
            anchor = "end"
        out.append(
            f'<text class="tick" x="{tx:.1f}" y="{height - 4:.0f}" '
            f'text-anchor="{anchor}">{label}</text>'
        )
        t += tick_s
    return "".join(out)


def _tick_step(duration_s: float) -> float:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800):
        if duration_s / step <= 10:
            return float(step)
    return 3600.0


def gauge(kind, label, value_text, value, axis, good, good_text) -> str:
    lo, hi = axis

    def pct(v: float) -> float:
        return max(0.0, min(100.0, (v - lo) / (hi - lo) * 100))

    inside = good[0] <= value <= good[1]
    return (
        f'<div class="extra gauge" data-kind="{kind}"><b>{label}</b> {escape(value_text)} '
        f'<span class="hint">{escape(good_text)}</span>'
        f'<div class="track"><div class="good" style="left:{pct(good[0]):.1f}%;'
        f'width:{pct(good[1]) - pct(good[0]):.1f}%"></div>'
        f'<div class="dot {"in" if inside else "out"}" style="left:{pct(value):.1f}%"></div>'
        "</div></div>"
    )


def history_chart(attempts: Sequence[Attempt], current: set[int]) -> str:
    """The latest attempts side by side: the parts each heard, and its pace as a line. The names
    of the parts and the pace scale are drawn apart, left of the attempts: where the attempts
    do not fit (a phone) they scroll, the names stay in view."""
    parts_h = CHART_CELL * len(ELEMENTS)
    pace_top = parts_h + 30
    width = CHART_LEFT + CHART_COLUMN * len(attempts) + CHART_TRAIL
    height = pace_top + CHART_PACE_HEIGHT + 22
    # the views start above 0: the current attempt's outline reaches up to -3.5
    labels = (
        f'<svg class="chart-labels" viewBox="0 -4 {CHART_LEFT} {height + 4}" '
        f'width="{CHART_LEFT}" height="{height + 4}" aria-hidden="true">'
        + _axis_labels(pace_top)
        + "</svg>"
    )
    out = [
        f'<svg class="chart" viewBox="{CHART_LEFT} -4 {width - CHART_LEFT} {height + 4}" '
        f'width="{width - CHART_LEFT}" height="{height + 4}" '
        # for a page that shows only whole columns where they scroll
        f'data-column="{CHART_COLUMN}" data-trail="{CHART_TRAIL}" '
        'role="img" aria-label="The parts heard and the pace in the last attempts">',
        _pace_band(width, pace_top),
    ]
    points = []
    for n, a in enumerate(attempts):
        x0 = CHART_LEFT + n * CHART_COLUMN
        out.append(_attempt_column(a, x0, a.id in current, parts_h))
        if a.words_per_minute is not None:
            points.append((x0 + CHART_CELL / 2, _pace_y(a.words_per_minute, pace_top)))
    if points:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        out.append(f'<polyline class="pace" points="{path}"/>')
        out.extend(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3"/>' for px, py in points)
    out.append("</svg>")
    silent = " Dashed: no speech was heard." if any(a.no_speech for a in attempts) else ""
    return (
        '<section class="history"><h2>Your last attempts</h2>'
        f'<p class="hint">The {len(attempts)} latest in the history, oldest on the left '
        f"(outlined: this page).{silent} The band is a comfortable pace, "
        f"{COMFORTABLE_WPM[0]:.0f}–{COMFORTABLE_WPM[1]:.0f} words a minute.</p>"
        + f'<div class="chart-row">{labels}<div class="chart-wrap">'
        + "".join(out)
        + "</div></div></section>"
    )


def _pace_y(wpm: float, pace_top: float) -> float:
    """Where a pace falls on the chart's pace scale, in SVG units."""
    lo, hi = PACE_AXIS_WPM
    wpm = max(lo, min(hi, wpm))
    return pace_top + CHART_PACE_HEIGHT - (wpm - lo) / (hi - lo) * CHART_PACE_HEIGHT


def _axis_labels(pace_top: float) -> str:
    """The parts' names down the left, and the pace scale's numbers."""
    left = CHART_LEFT
    out = [
        f'<text x="{left - 6}" y="{lane * CHART_CELL + 12}" text-anchor="end">'
        f"{escape(LABELS[part])}</text>"
        for lane, part in enumerate(ELEMENTS)
    ]
    middle = (_pace_y(COMFORTABLE_WPM[0], pace_top) + _pace_y(COMFORTABLE_WPM[1], pace_top)) / 2
    out.append(  # beside the band, clear of the scale's wider top number ("240+")
        f'<text x="{left - 40}" y="{middle + 4:.1f}" text-anchor="end">words/min</text>'
    )
    lo, hi = PACE_AXIS_WPM  # the scale's ends too: a pace beyond them is drawn at the end
    marks = (
        (COMFORTABLE_WPM[1], ""),
        (COMFORTABLE_WPM[0], ""),
        (hi, "+"),
        (lo, ""),
    )
    for wpm, beyond in marks:
        y = _pace_y(wpm, pace_top)
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{wpm:.0f}{beyond}</text>'
        )
    return "".join(out)


def _pace_band(width: int, pace_top: float) -> str:
    """The comfortable pace, as a band behind the attempts' pace line."""
    top = _pace_y(COMFORTABLE_WPM[1], pace_top)
    bottom = _pace_y(COMFORTABLE_WPM[0], pace_top)
    return (
        f'<rect class="pace-band" x="{CHART_LEFT}" y="{top:.1f}" width="{width - CHART_LEFT - 10}" '
        f'height="{bottom - top:.1f}"/>'
    )


def _attempt_column(a: Attempt, x0: int, is_current: bool, parts_h: int) -> str:
    """One attempt's column: a square per part (coloured where heard) and its number; an attempt
    where no speech was heard has dashed outlines, not four parts missed."""
    cell = CHART_CELL
    when = a.local_time.strftime("%d %b %H:%M")
    heard = sum(1 for p in ELEMENTS if p in a.elements and a.elements[p].found)
    pace = f", {round(a.words_per_minute)} words/min" if a.words_per_minute else ""
    klass = "attempt current" if is_current else "attempt"
    said = "no speech was heard" if a.no_speech else f"{heard} of {len(ELEMENTS)} parts{pace}"
    out = [
        f'<g class="{klass}" data-attempt="{a.id}"><title>Attempt {a.id}, {when}: {said}</title>'
    ]
    for lane, part in enumerate(ELEMENTS):
        e = a.elements.get(part)
        fill = COLOURS[part] if e is not None and e.found else "#e4e4e4"
        look = (
            'fill="none" stroke="#9aa3ad" stroke-dasharray="3 2"'
            if a.no_speech
            else f'fill="{fill}"'
        )
        out.append(
            f'<rect x="{x0}" y="{lane * cell + 1}" width="{cell}" height="{cell - 2}" '
            f'rx="2" {look}/>'
        )
    if is_current:
        out.append(
            f'<rect class="outline" x="{x0 - 3}" y="-2" width="{cell + 6}" '
            f'height="{parts_h + 3}" rx="3"/>'
        )
    out.append(
        f'<text class="id" x="{x0 + cell / 2}" y="{parts_h + 14}" text-anchor="middle">'
        f"{a.id}</text></g>"
    )
    return "".join(out)


@dataclass(frozen=True)
class EmbeddedAudio:
    """The recording as the page carries it."""

    data_uri: str
    offset_s: float  # time in the recording of the first sample (the checked window's start)
    duration_s: float
    peaks: list[float]  # WAVE_BINS loudness peaks, 0-1, normalised to the loudest


def escape(text: str) -> str:
    """Text made safe for HTML, quotes included."""
    return html.escape(str(text), quote=True)


def tick_cell(found: bool, part: str) -> str:
    """A part's cell in a results table: ✓ or ✗, classed for the page's colours and script."""
    mark = "✓" if found else "✗"
    return f'<td class="part {"found" if found else "missed"}" data-element="{part}">{mark}</td>'
