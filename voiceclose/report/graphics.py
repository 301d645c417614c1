"""The report page's pictures, as inline SVG: the waveform with a marker per part, the pace and
length gauges, and the chart of the latest attempts."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from voiceclose.results import COMFORTABLE_WPM, ELEMENTS, LABELS, Attempt, Report, clock

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
LABEL_CHAR_W = 7.0  # SVG units a character of a marker's label takes, roughly
PACE_AXIS_WPM = (60.0, 240.0)  # the pace gauge and chart run over this range
LENGTH_AXIS_S = (0.0, 180.0)  # the length gauge runs over this range


def waveform(
    r: Report,
    audio: EmbeddedAudio,
    parts: Sequence[str] = ELEMENTS,
    names: dict[str, str] = LABELS,
    colours: dict[str, str] = COLOURS,
) -> str:
    """The waveform with a lane and a marker per part (``parts``: a close's four by default, or
    an answer's three, named and coloured by ``names`` and ``colours``)."""
    lanes = LANE_HEIGHT * len(parts)
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
    for lane, element in enumerate(parts):
        e = r.elements[element]
        y = lane * LANE_HEIGHT
        colour = colours[element]
        if not e.found or e.start_s is None:
            out.append(
                f'<text class="lane-missed" x="4" y="{y + 14}">'
                f"{escape(names[element])}: not heard</text>"
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
        name, at = escape(names[element]), clock(e.start_s)
        out.append(
            f'<g class="marker" data-element="{element}" data-seek="{e.start_s:.2f}" '
            f'tabindex="0" role="button" aria-label="{name} at {at}">'
            f"<title>{name} at {at}: “{escape(e.evidence or '')}”</title>"
            f'<line x1="{x0:.1f}" x2="{x0:.1f}" y1="{y + 2}" y2="{top + WAVE_HEIGHT}" '
            f'stroke="{colour}" stroke-width="2"/>'
            f'<rect x="{x0:.1f}" y="{y + 3}" width="{width:.1f}" height="{LANE_HEIGHT - 6}" '
            f'rx="3" fill="{colour}"/>'
            f'<rect class="band" x="{x0:.1f}" y="{top}" width="{width:.1f}" '
            f'height="{WAVE_HEIGHT}" fill="{colour}"/>'
            f'<text x="{label_x:.1f}" y="{y + 14}" text-anchor="{anchor}" fill="{ink}">'
            f"{escape(label)}</text></g>"
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
    names = LABELS
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
            f"{escape(names[element])}</text>"
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
