"""Score the checker on a labelled corpus: precision, recall and F1 per part, and the misses.

    python -m voiceclose.evaluate CORPUS.jsonl [--show-errors] [--run-on] [--no-semantic]
                                  [--audio [--voices debian|neural|all] [--model NAME]]

The corpus is JSON Lines with "text" and "labels" ({"interest": bool, "fit": bool,
"reservations": bool, "thanks": bool}); "id" is optional, and "needs" (the role's needs, as
strings) makes the close be checked against them as a scenario's needs.

--run-on also scores every close as an unpunctuated transcript gives it (lower case, no
punctuation at all). --no-semantic checks with the phrase rules alone. With --audio every close
is also spoken by synthetic voices (evaluate/audio.py: Debian's, the neural piper voice, or both)
and the recordings are checked through the whole pipeline.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.check.engine import check
from voiceclose.defaults import DEFAULT_MODEL
from voiceclose.errors import VoicecloseError
from voiceclose.evaluate.audio import (  # noqa: F401 - the audio path's names, as before
    AUDIO_VOICES,
    CACHE_FOLDER,
    NEURAL_VOICES,
    VOICES,
    AudioRun,
    describe_rendering,
    format_audio_summary,
    rendering_for,
    run_audio,
    score_audio,
)
from voiceclose.evaluate.corpus import Item, Scores, read_corpus

if TYPE_CHECKING:
    from voiceclose.check.semantic import Semantic


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


def format_table(title: str, scores: Scores) -> str:
    lines = [
        title,
        f"{'part':<14}{'precision':>10}{'recall':>8}{'f1':>7}{'tp':>5}{'fp':>4}{'fn':>4}",
    ]
    for element, t in scores.tallies.items():
        lines.append(
            f"{element:<14}{t.precision:>10.3f}{t.recall:>8.3f}{t.f1:>7.3f}{t.tp:>5}{t.fp:>4}{t.fn:>4}"
        )
    lines.append(f"{'macro-F1':<14}{scores.macro_f1:>25.3f}")
    return "\n".join(lines)


def close_table(title: str, scores: Scores) -> str:
    """``format_table``, and where the corpus labels the needs spoken to, how well the needs a
    fit was praised for matched them."""
    table = format_table(title, scores)
    if not scores.needs_scored:
        return table
    t = scores.needs
    return (
        f"{table}\n{'needs named':<14}{t.precision:>10.3f}{t.recall:>8.3f}{t.f1:>7.3f}"
        f"{t.tp:>5}{t.fp:>4}{t.fn:>4}\n"
        f"{'  all right':<14}{f'{scores.needs_exact}/{scores.needs_scored}':>10}"
    )


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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    items = read_corpus(args.corpus)
    semantic = _semantic(args.no_semantic)
    scores = score_text(items, semantic)
    tables = [close_table(f"text ({len(items)} closes)", scores)]
    runs = [("text", scores, None)]
    if args.run_on:
        runon = score_text(items, semantic, runon=True)
        tables.append(close_table(f"run-on ({len(items)} closes)", runon))
        runs.append(("run-on text", runon, None))
    summaries = []
    if args.audio:
        try:
            for kind, audio, summary in _score_audio(items, args):
                label = "audio" if kind == "debian" else f"audio, {kind} voice"
                tables.append(close_table(f"{label} ({len(items)} closes)", audio))
                runs.append((f"audio ({kind})", audio, scores))
                summaries.append(summary)
        except VoicecloseError as e:
            print(f"evaluate: error: {e}", file=sys.stderr)
            return 1
    print("\n".join([_joined(tables), *summaries]))
    if args.show_errors:
        for kind, found, text_scores in runs:
            if found.errors:
                print(f"\nwrong on the {kind}:")
                print(format_errors(found, text_scores))
    return 0


def _joined(tables: list[str]) -> str:
    """The tables side by side, two to a row."""
    rows = []
    for i in range(0, len(tables), 2):
        pair = tables[i : i + 2]
        rows.append(side_by_side(*pair) if len(pair) == 2 else pair[0])
    return "\n\n".join(rows)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m voiceclose.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("corpus", type=Path, help="JSON Lines file with text and labels")
    parser.add_argument(
        "--show-errors", action="store_true", help="list every item the checker got wrong"
    )
    parser.add_argument(
        "--run-on",
        action="store_true",
        help="also score every close lower-cased with all punctuation removed",
    )
    parser.add_argument(
        "--no-semantic", action="store_true", help="check with the phrase rules alone"
    )
    parser.add_argument(
        "--audio",
        action="store_true",
        help="also speak every close in synthetic voices and check the recordings with Whisper",
    )
    parser.add_argument(
        "--voices",
        choices=("debian", "neural", "all"),
        default="debian",
        help="--audio's voices: Debian's espeak-ng/flite/festival (default), the neural piper "
        "voice, or both (a table each)",
    )
    parser.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        metavar="NAME|PATH",
        help=f"Whisper model for --audio (default {DEFAULT_MODEL})",
    )
    return parser


def _semantic(off: bool) -> Semantic | None:
    if off:
        return None
    from voiceclose.check import semantic

    found = semantic.get()
    if found is None:
        print(f"evaluate: {semantic.note()}", file=sys.stderr)
    return found


def _score_audio(items: Sequence[Item], args: argparse.Namespace):
    """--audio: for each kind of voice asked for, its name, scores and summary line."""
    from voiceclose.app.checking import Checker, Options

    checker = Checker(Options(model=args.model, semantic=not args.no_semantic))
    kinds = list(VOICES) if args.voices == "all" else [args.voices]
    for kind in kinds:
        audio, summary = run_audio(items, checker, kind)
        yield kind, audio, summary
