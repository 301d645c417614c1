"""Score the answer checker on a labelled corpus of answers to concerns.

    python -m voiceclose.evaluate.answers CORPUS.jsonl [--show-errors] [--audio [--model NAME]]

The corpus is JSON Lines with "concern" ({"kind", "text"}), "text" (the candidate's answer) and
"labels" ({"acknowledge": bool, "address": bool, "high_note": bool}); "id" is optional. With
--audio each answer is also spoken (the same voices, paces and noise as the close's evaluation)
and the recording checked as `voiceclose check --concern` checks one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.check.answer import check_answer
from voiceclose.defaults import DEFAULT_MODEL
from voiceclose.errors import VoicecloseError
from voiceclose.evaluate.corpus import Tally
from voiceclose.evaluate.scoring import (
    CACHE_FOLDER,
    describe_rendering,
    format_table,
    rendering_for,
    side_by_side,
)
from voiceclose.paths import cache_dir
from voiceclose.results import ANSWER_PARTS, ElementResult


@dataclass(frozen=True)
class AnswerItem:
    id: str
    kind: str  # the concern's kind
    concern: str
    text: str
    labels: dict[str, bool]


@dataclass(frozen=True)
class AnswerMiss:
    item: AnswerItem
    part: str
    predicted: bool
    heard: str | None = None
    spoken_as: str | None = None


@dataclass
class AnswerScores:
    tallies: dict[str, Tally] = field(default_factory=lambda: {p: Tally() for p in ANSWER_PARTS})
    errors: list[AnswerMiss] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        return sum(t.f1 for t in self.tallies.values()) / len(self.tallies)

    @property
    def micro_precision(self) -> float:
        tp = sum(t.tp for t in self.tallies.values())
        fp = sum(t.fp for t in self.tallies.values())
        return tp / (tp + fp) if tp + fp else 1.0

    def add(self, item: AnswerItem, elements: Mapping[str, ElementResult], **how) -> None:
        for part in ANSWER_PARTS:
            truth, predicted = bool(item.labels.get(part)), elements[part].found
            self.tallies[part].add(truth, predicted)
            if truth != predicted:
                self.errors.append(AnswerMiss(item, part, predicted, **how))


def read_answers(path: Path) -> list[AnswerItem]:
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                r = json.loads(line)
                concern = r["concern"]
                items.append(
                    AnswerItem(
                        str(r.get("id", n)),
                        concern["kind"],
                        concern["text"],
                        r["text"],
                        r["labels"],
                    )
                )
    return items


def score_text(items: Sequence[AnswerItem]) -> AnswerScores:
    scores = AnswerScores()
    for item in items:
        words = transcript_from_text(item.text).words
        scores.add(item, check_answer(words, item.kind).elements)
    return scores


def score_audio(items: Sequence[AnswerItem], model: str) -> AnswerScores:
    """Speak each answer (cached) and check the recording as `check --concern` does."""
    from voiceclose.app.answering import answer_audio_file
    from voiceclose.app.checking import Checker, Options
    from voiceclose.evaluate.speak import render_cached, require_tools, tools_for
    from voiceclose.results import Concern

    checker = Checker(Options(model=model))
    folder = cache_dir() / CACHE_FOLDER
    plans = [rendering_for(i) for i in range(len(items))]
    require_tools(tools_for([voice for voice, _ in plans]))
    scores = AnswerScores()
    for item, (voice, effects) in zip(items, plans, strict=True):
        try:
            path, _ = render_cached(item.text, voice, effects, folder, label=item.id)
        except VoicecloseError as e:  # one voice failing on one text: said, and scored without it
            print(f"evaluate: {item.id} left out of the audio scores: {e}", file=sys.stderr)
            continue
        report = answer_audio_file(checker, item.id, path, Concern(item.kind, item.concern))
        scores.add(
            item,
            report.elements,
            heard=report.transcript,
            spoken_as=describe_rendering(voice, effects),
        )
    return scores


def format_errors(scores: AnswerScores) -> str:
    lines = []
    for miss in scores.errors:
        kind = "false positive" if miss.predicted else "missed"
        lines.append(f"{miss.item.id} {miss.part}: {kind} [{miss.item.kind}] | {miss.item.text}")
        if miss.heard is not None:
            lines.append(f"    heard ({miss.spoken_as}): {miss.heard}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m voiceclose.evaluate.answers", description=__doc__.split("\n")[0]
    )
    parser.add_argument("corpus", type=Path, help="JSON Lines: concern, text, labels")
    parser.add_argument("--show-errors", action="store_true", help="list every item got wrong")
    parser.add_argument("--audio", action="store_true", help="also speak and check each answer")
    parser.add_argument("--model", default=DEFAULT_MODEL, metavar="NAME|PATH")
    args = parser.parse_args(argv)
    items = read_answers(args.corpus)
    scores = score_text(items)
    table = format_table(f"text ({len(items)} answers)", scores)
    table += f"\nprecision (all parts) {scores.micro_precision:.3f}"
    audio = None
    if args.audio:
        try:
            audio = score_audio(items, args.model)
        except VoicecloseError as e:
            print(f"evaluate: error: {e}", file=sys.stderr)
            return 1
        audio_table = format_table(f"audio ({len(items)} answers)", audio)
        audio_table += f"\nprecision (all parts) {audio.micro_precision:.3f}"
        table = side_by_side(table, audio_table)
    print(table)
    if args.show_errors:
        for name, found in (("text", scores), ("audio", audio)):
            if found and found.errors:
                print(f"\nwrong on the {name}:")
                print(format_errors(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
