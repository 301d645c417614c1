"""Score the checker on a labelled corpus: precision, recall and F1 per part, and the misses.

    python -m voiceclose.evaluate CORPUS.jsonl [--show-errors] [--audio [--model NAME]]

The corpus is JSON Lines with "text" and "labels" ({"interest": bool, "fit": bool,
"reservations": bool, "thanks": bool}); "id" is optional.

With --audio every close is also spoken by a synthetic voice (voiceclose.speak) and the recording
is checked as `voiceclose check` checks one: decoded, speech detected, transcribed by Whisper,
checked. The voice rotates with the close's place in the corpus, and so do a slower or faster
pace and background noise for a share of the closes; nothing else varies (sox's noise is seeded),
so reruns give the same audio, which is cached under the user cache directory (evaluate/).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.check.engine import check
from voiceclose.defaults import DEFAULT_MODEL
from voiceclose.errors import VoicecloseError
from voiceclose.evaluate.speak import (
    Effects,
    Voice,
    cached_path,
    render_cached,
    require_tools,
    tools_for,
)
from voiceclose.paths import cache_dir
from voiceclose.results import ELEMENTS, ElementResult

if TYPE_CHECKING:  # the pipeline pulls in torch; --audio imports it when it runs
    from voiceclose.app.checking import Checker
    from voiceclose.check.semantic import Semantic

# How each close is spoken for --audio, by its place in the corpus (0-based): the voice is
# AUDIO_VOICES[i % 8], the pace SPEEDS[i % 5] (None: the voice's own), and every NOISE_EVERY-th
# close has pink noise behind it. The cycles are coprime, so voices, paces and noise mix.
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
SPEEDS = (None, 0.9, None, 1.15, None)  # tempo factors, pitch kept
NOISE_EVERY = 3
NOISE_PEAK = 0.02  # peak amplitude of the pink noise; the speech peaks at 0.126 (-18 dBFS)
PAD_S = (0.5, 1.0)  # silence before and after the speech, seconds, as a recording has
CACHE_FOLDER = "evaluate"  # under the user cache directory


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    labels: dict[str, bool]
    needs: tuple[str, ...] = ()  # what the role needs: checked as a scenario's needs


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Miss:
    """One part of one close that the checker got wrong."""

    item: Item
    element: str
    predicted: bool  # True: credited but not there; False: there but missed
    heard: str | None = None  # audio: the transcript the checker was given
    spoken_as: str | None = None  # audio: the voice and effects it was rendered with
    notes: tuple[str, ...] = ()  # audio: what the pipeline noted (words it left out, ...)


@dataclass
class Scores:
    tallies: dict[str, Tally] = field(default_factory=lambda: {e: Tally() for e in ELEMENTS})
    errors: list[Miss] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        return sum(t.f1 for t in self.tallies.values()) / len(self.tallies)

    def add(
        self,
        item: Item,
        elements: Mapping[str, ElementResult],
        heard: str | None = None,
        spoken_as: str | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        for element in ELEMENTS:
            truth = bool(item.labels.get(element))
            predicted = elements[element].found
            tally = self.tallies[element]
            if truth and predicted:
                tally.tp += 1
            elif predicted:
                tally.fp += 1
            elif truth:
                tally.fn += 1
            else:
                tally.tn += 1
            if truth != predicted:
                self.errors.append(Miss(item, element, predicted, heard, spoken_as, tuple(notes)))


def read_corpus(path: Path) -> list[Item]:
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            needs = tuple(str(need) for need in record.get("needs") or ())
            items.append(Item(str(record.get("id", n)), record["text"], record["labels"], needs))
    return items


def run_on(text: str) -> str:
    """``text`` as an unpunctuated transcript gives it: lower case, every punctuation mark gone
    (apostrophes too: "I'm" becomes "im"), hyphenated words apart."""
    text = re.sub(r"[-‐‑–—/]", " ", text.lower())
    text = re.sub(r"[^\w\s]|_", "", text)
    return " ".join(text.split())


def score_text(
    items: Iterable[Item], semantic: Semantic | None = None, runon: bool = False
) -> Scores:
    """Check each close as typed (``runon``: as an unpunctuated transcript would give it)."""
    scores = Scores()
    for item in items:
        text = run_on(item.text) if runon else item.text
        words = transcript_from_text(text).words
        scores.add(item, check(words, needs=item.needs, semantic=semantic).elements)
    return scores


def rendering_for(index: int) -> tuple[Voice, Effects]:
    """The voice and effects the ``index``-th close (0-based) is spoken with for --audio."""
    noise = (NOISE_PEAK, "pink") if index % NOISE_EVERY == NOISE_EVERY - 1 else None
    effects = Effects(speed=SPEEDS[index % len(SPEEDS)], pad=PAD_S, noise=noise)
    return AUDIO_VOICES[index % len(AUDIO_VOICES)], effects


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
) -> tuple[Scores, AudioRun]:
    """Render each close (or take it from the cache in ``folder``) and check the recording with
    ``checker`` (a voiceclose.pipeline.Checker, which loads its model once). ``progress(n, item)``
    is called before each close."""
    folder = folder or cache_dir() / CACHE_FOLDER
    started = time.monotonic()
    plans = [rendering_for(i) for i in range(len(items))]
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
        report = checker.check_audio_file(item.id, path)
        spoken_as = describe_rendering(voice, effects)
        scores.add(item, report.elements, report.transcript, spoken_as, report.notes)
        run.voices.add(str(voice))
        run.rendered += made
        run.speed_changed += effects.speed is not None
        run.noisy += effects.noise is not None
    run.seconds = time.monotonic() - started
    return scores, run


def format_table(title: str, scores: Scores) -> str:
    lines = [
        title,
        f"{'element':<14}{'precision':>10}{'recall':>8}{'f1':>7}{'tp':>5}{'fp':>4}{'fn':>4}",
    ]
    for element, t in scores.tallies.items():
        lines.append(
            f"{element:<14}{t.precision:>10.3f}{t.recall:>8.3f}{t.f1:>7.3f}{t.tp:>5}{t.fp:>4}{t.fn:>4}"
        )
    lines.append(f"{'macro-F1':<14}{scores.macro_f1:>25.3f}")
    return "\n".join(lines)


def side_by_side(left: str, right: str, gap: int = 4) -> str:
    """Two blocks of lines next to each other, the left one padded to its widest line."""
    a, b = left.splitlines(), right.splitlines()
    width = max(map(len, a)) + gap
    rows = max(len(a), len(b))
    a += [""] * (rows - len(a))
    b += [""] * (rows - len(b))
    return "\n".join(f"{x:<{width}}{y}".rstrip() for x, y in zip(a, b, strict=True))


def format_errors(scores: Scores, text_scores: Scores | None = None) -> str:
    """One line per miss; for audio, how it was spoken, what was heard, the pipeline's notes, and
    whether the checker got the same part right on the text (then the audio path lost it)."""
    wrong_on_text = {(m.item.id, m.element) for m in text_scores.errors} if text_scores else set()
    lines = []
    for miss in scores.errors:
        kind = "false positive" if miss.predicted else "missed"
        if miss.heard is None:
            lines.append(f"{miss.item.id} {miss.element}: {kind} | {miss.item.text}")
            continue
        wrong_too = (miss.item.id, miss.element) in wrong_on_text
        on_text = "wrong on the text too" if wrong_too else "right on the text"
        lines.append(f"{miss.item.id} {miss.element}: {kind} ({on_text}) | {miss.spoken_as}")
        lines.append(f"    said:  {miss.item.text}")
        lines.append(f"    heard: {miss.heard}")
        lines.extend(f"    note:  {note}" for note in miss.notes)
    return "\n".join(lines)


def format_audio_summary(run: AudioRun, total: int, model: str) -> str:
    return (
        f"audio: {total} closes in {len(run.voices)} voices ({', '.join(sorted(run.voices))}); "
        f"{run.speed_changed} at speed {' or '.join(f'{s:g}' for s in SPEEDS if s)}, "
        f"{run.noisy} with pink noise at peak {NOISE_PEAK:g}; Whisper {model}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m voiceclose.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("corpus", type=Path, help="JSON Lines file with text and labels")
    parser.add_argument(
        "--show-errors", action="store_true", help="list every item the checker got wrong"
    )
    parser.add_argument(
        "--audio",
        action="store_true",
        help="also speak every close in synthetic voices and check the recordings with Whisper",
    )
    parser.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        metavar="NAME|PATH",
        help=f"Whisper model for --audio (default {DEFAULT_MODEL})",
    )
    args = parser.parse_args(argv)
    items = read_corpus(args.corpus)
    scores = score_text(items)
    table = format_table(f"text ({len(items)} closes)", scores)
    audio = None
    if args.audio:
        try:
            audio, summary = _score_audio(items, args.model)
        except VoicecloseError as e:
            print(f"evaluate: error: {e}", file=sys.stderr)
            return 1
        audio_table = format_table(f"audio ({len(items)} closes)", audio)
        table = f"{side_by_side(table, audio_table)}\n{summary}"
    print(table)
    if args.show_errors:
        for kind, found, text_scores in (("text", scores, None), ("audio", audio, scores)):
            if found and found.errors:
                print(f"\nwrong on the {kind}:")
                print(format_errors(found, text_scores))
    return 0


def _score_audio(items: Sequence[Item], model: str) -> tuple[Scores, str]:
    """--audio: the scores, and the line that says how the closes were spoken and heard."""
    from voiceclose.app.checking import Checker, Options

    checker = Checker(Options(model=model))
    progress = _progress(len(items))
    try:
        audio, run = score_audio(items, checker, progress=progress)
    finally:
        if progress:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
    print(
        f"audio: {run.rendered} rendered now, {len(items) - run.rendered} from the cache; "
        f"{run.seconds:.0f} s",
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
