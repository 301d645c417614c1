"""Score the checker on a labelled corpus: precision, recall and F1 per part, and the misses.

    python -m voiceclose.evaluate CORPUS.jsonl [--show-errors]

The corpus is JSON Lines with "text" and "labels" ({"interest": bool, "fit": bool,
"reservations": bool, "thanks": bool}); "id" is optional.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voiceclose.checker import ELEMENTS, CheckResult, check
from voiceclose.transcribe import transcript_from_text


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    labels: dict[str, bool]


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


@dataclass
class Scores:
    tallies: dict[str, Tally] = field(default_factory=lambda: {e: Tally() for e in ELEMENTS})
    errors: list[tuple[Item, str, bool]] = field(default_factory=list)  # item, element, predicted

    @property
    def macro_f1(self) -> float:
        return sum(t.f1 for t in self.tallies.values()) / len(self.tallies)

    def add(self, item: Item, result: CheckResult) -> None:
        for element in ELEMENTS:
            truth = bool(item.labels.get(element))
            predicted = result.elements[element].found
            tally = self.tallies[element]
            if truth and predicted:
                tally.tp += 1
            elif predicted:
                tally.fp += 1
                self.errors.append((item, element, predicted))
            elif truth:
                tally.fn += 1
                self.errors.append((item, element, predicted))
            else:
                tally.tn += 1


def read_corpus(path: Path) -> list[Item]:
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            items.append(Item(str(record.get("id", n)), record["text"], record["labels"]))
    return items


def score_text(items: Iterable[Item]) -> Scores:
    scores = Scores()
    for item in items:
        scores.add(item, check(transcript_from_text(item.text).words))
    return scores


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


def format_errors(scores: Scores) -> str:
    lines = []
    for item, element, predicted in scores.errors:
        kind = "false positive" if predicted else "missed"
        lines.append(f"{item.id} {element}: {kind} | {item.text}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m voiceclose.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("corpus", type=Path, help="JSON Lines file with text and labels")
    parser.add_argument(
        "--show-errors", action="store_true", help="list every item the checker got wrong"
    )
    args = parser.parse_args(argv)
    items = read_corpus(args.corpus)
    scores = score_text(items)
    print(format_table(f"text ({len(items)} closes)", scores))
    if args.show_errors and scores.errors:
        print()
        print(format_errors(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
