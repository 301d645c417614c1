"""A labelled corpus of closes, and the tallies of what the checker got right and wrong on it.

A corpus is JSON Lines with "text" and "labels" ({"interest": bool, "fit": bool,
"reservations": bool, "thanks": bool}); "id" is optional, and "needs" (the role's needs, as
strings) makes the close be checked against them as a scenario's needs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voiceclose.results import ELEMENTS, ElementResult


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

    def add(self, truth: bool, predicted: bool) -> None:
        """Count one labelled part: a true or false positive or negative."""
        if truth and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

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
            self.tallies[element].add(truth, predicted)
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
