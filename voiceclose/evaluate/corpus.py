"""A labelled corpus of closes, and the tallies of what the checker got right and wrong on it.

A corpus is JSON Lines with "text" and "labels" ({"interest": bool, "fit": bool,
"reservations": bool, "thanks": bool}); "id" is optional, and "needs" (the role's needs, as
strings) makes the close be checked against them as a scenario's needs; "scenario" (a practice
scenario's name) checks it against that scenario's needs as practice does, phrases included;
"needs_spoken_to" (those of them the candidate's own experience speaks to) has the needs a fit
is praised for scored too.
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
    needs: tuple = ()  # what the role needs (strings, or a scenario's Needs): checked as such
    spoken_to: tuple[str, ...] | None = None  # those the experience speaks to, when labelled


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
    # the needs a fit was praised for, against the needs labelled spoken to (labelled closes)
    needs: Tally = field(default_factory=Tally)
    needs_scored: int = 0  # closes whose needs spoken to are labelled
    needs_exact: int = 0  # ...and of those, the closes whose needs named were exactly those

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
        if item.spoken_to is not None:
            fit = elements["fit"]
            self.add_needs(item, set(fit.needs) if fit.found else set())

    def add_needs(self, item: Item, named: set[str]) -> None:
        """Tally the needs a fit was praised for against those labelled spoken to."""
        for need in item.needs:
            what = getattr(need, "what", need)  # a scenario's Need, or the need as a string
            self.needs.add(what in item.spoken_to, what in named)
        self.needs_scored += 1
        self.needs_exact += named == set(item.spoken_to)


def read_corpus(path: Path) -> list[Item]:
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            needs: tuple = tuple(str(need) for need in record.get("needs") or ())
            if record.get("scenario"):
                from voiceclose.app.scenarios import find

                needs = find(str(record["scenario"])).needs
            spoken_to = record.get("needs_spoken_to")
            if spoken_to is not None:
                spoken_to = tuple(str(need) for need in spoken_to)
            item = Item(
                str(record.get("id", n)), record["text"], record["labels"], needs, spoken_to
            )
            items.append(item)
    return items
