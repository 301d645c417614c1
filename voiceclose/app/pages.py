"""The report page for check, practice and review: each result with its recording embedded,
and the latest attempts from the history for the chart."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

from voiceclose.audio.decode import SAMPLE_RATE, load_audio
from voiceclose.errors import HistoryError, InputError
from voiceclose.report import page
from voiceclose.report.page import EmbeddedAudio, Page, PageInput
from voiceclose.results import AnswerReport, Report, Result, recording_of
from voiceclose.store.history import open_for_reading

AUDIO_QUALITY = 0.9  # libsndfile's Vorbis compression level: ~22 kbit/s, clear for speech
WAVE_BINS = 500  # peaks drawn across the waveform
QUIET_FULL_SCALE = 0.1  # a peak this loud (-20 dBFS) or louder fills the waveform's height


def page_input(
    result: Result,
    attempt_id: int | None = None,
    created_at: datetime | None = None,
    recording: Path | None = None,
    audio_url: str | None = None,
) -> PageInput:
    """An input for the page, with its recording embedded when there is one to embed (or, with
    ``audio_url``, linked: the app serves the recording itself, which spares the encoding).

    A recording that cannot be read any more (moved, deleted) leaves a note instead; the rest of
    the report is still drawn.
    """
    if isinstance(result, AnswerReport) and result.kind == "audio":  # check --concern: the file
        return _answer_input(result)
    if not isinstance(result, Report) or result.kind != "audio":
        return PageInput(result, attempt_id, created_at)
    path = recording or recording_of(result)
    if path is None:
        return PageInput(result, attempt_id, created_at)
    if not path.exists():
        note = f"the recording is no longer at {path} (moved or deleted), so it cannot be played"
        return PageInput(result, attempt_id, created_at, audio_note=note)
    try:
        audio = embed_audio(path, result, audio_url)
    except InputError as e:
        return PageInput(result, attempt_id, created_at, audio_note=f"the recording: {e.problem}")
    answer_audio, answer_note = _answer_audio(result)
    return PageInput(
        result,
        attempt_id,
        created_at,
        audio=audio,
        answer_audio=answer_audio,
        answer_audio_note=answer_note,
    )


def _answer_input(result: AnswerReport) -> PageInput:
    path = Path(result.source).absolute()
    try:
        return PageInput(result, audio=embed_audio(path, result))
    except InputError as e:  # moved or deleted since it was checked
        return PageInput(result, audio_note=f"the recording: {e.problem}")


def _answer_audio(result: Report) -> tuple[EmbeddedAudio | None, str | None]:
    """The answer to the concern's recording for the page, or why it is not there."""
    f = result.followup
    if f is None or not f.recording:
        return None, None
    path = Path(f.recording).absolute()
    if not path.exists():
        return None, f"the answer's recording is no longer at {path}, so it cannot be played"
    try:
        return embed_audio(path, f), None
    except InputError as e:
        return None, f"the answer's recording: {e.problem}"


def embed_audio(path: Path, report: Report, url: str | None = None) -> EmbeddedAudio:
    """Decode the part of ``path`` that was checked and encode it for the page (or, with
    ``url`` and the whole recording checked, link to it there: only its waveform is drawn).

    Raises InputError (naming the file) if it cannot be read.
    """
    window = getattr(report, "window", None)  # an answer (FollowUp) has none
    last_s = window.end_s - window.start_s if window else None
    audio = load_audio(path, last_s=last_s)
    samples = audio.samples
    if url is not None and audio.offset_s == 0:
        return EmbeddedAudio(url, audio.offset_s, audio.duration_s, peaks(samples, WAVE_BINS))
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


def write_page(
    path: Path,
    results: Sequence[Result],
    attempt_ids: Sequence[int | None],
    created_at: datetime | None = None,
    recording: Path | None = None,
    tag: str | None = None,
    chart: bool = True,
) -> Page:
    """The page for ``results``; ``recording``, for one stored attempt, is where its audio was
    (stored as an absolute path: a relative source would be read from the wrong folder); with
    ``tag``, the chart shows only the attempts labelled so; ``chart=False`` leaves the history's
    chart out (a page of answers to a concern: the chart is of closes)."""
    inputs, recent = _page_parts(results, attempt_ids, created_at, recording, tag)
    return page.write(path, inputs, recent if chart else ())


def render_page(
    results: Sequence[Result],
    attempt_ids: Sequence[int | None],
    created_at: datetime | None = None,
    recording: Path | None = None,
    tag: str | None = None,
    audio_url: str | None = None,
) -> str:
    """The same page as ``write_page``, as HTML text (for the app, which serves it; with
    ``audio_url``, the recording is played from there rather than embedded)."""
    inputs, recent = _page_parts(results, attempt_ids, created_at, recording, tag, audio_url)
    return page.render(inputs, recent)


def _page_parts(
    results, attempt_ids, created_at, recording, tag, audio_url=None
) -> tuple[list[PageInput], list]:
    inputs = [
        page_input(r, attempt_id=i, created_at=created_at, recording=recording, audio_url=audio_url)
        for r, i in zip(results, attempt_ids, strict=True)
    ]
    try:
        history = open_for_reading()
        recent = []
        if history is not None:
            with history:
                recent = history.attempts(limit=page.CHART_ATTEMPTS, tag=tag)
                # the report of an attempt older than those: outlined among the attempts up to
                # it (the chart said "outlined: this page" over attempts it did not show)
                ids = [i for i in attempt_ids if i is not None]
                if ids and not {a.id for a in recent} & set(ids):
                    recent = history.attempts(limit=page.CHART_ATTEMPTS, tag=tag, up_to=max(ids))
    except HistoryError:
        recent = []  # the page goes without its chart; the history's problem was told already
    return inputs, recent
