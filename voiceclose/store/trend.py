"""How a run of attempts went: complete closes in a row, the part most often missed, the pace."""

from __future__ import annotations

from collections.abc import Sequence

from voiceclose.results import ANSWER_PARTS, ELEMENTS, Attempt, Trend


def trend(attempts: Sequence[Attempt]) -> Trend:
    """Complete closes in a row, the part most often missed, and pace over ``attempts``;
    attempts where no speech was heard are counted apart, not as four parts missed."""
    silent = sum(1 for a in attempts if a.no_speech)
    attempts = [a for a in attempts if not a.no_speech]
    in_a_row = best = run = 0
    for a in attempts:
        run = run + 1 if a.complete else 0
        best = max(best, run)
    for a in reversed(attempts):
        if not a.complete:
            break
        in_a_row += 1
    counts = {e: sum(1 for a in attempts if e in a.missed) for e in ELEMENTS}
    most = max(ELEMENTS, key=lambda e: counts[e])  # ties go to the earlier part...
    tied = [e for e in ELEMENTS if counts[most] and counts[e] == counts[most]]  # ...and are said
    answered = [a.followup for a in attempts if a.followup]
    return Trend(
        attempts=len(attempts),
        complete=sum(1 for a in attempts if a.complete),
        complete_in_a_row=in_a_row,
        best_in_a_row=best,
        missed_counts=counts,
        most_missed=most if counts[most] else None,
        pace=[(a.id, a.words_per_minute) for a in attempts if a.words_per_minute is not None],
        no_speech=silent,
        answers=len(answered),
        answer_found={p: sum(1 for f in answered if p in f and f[p].found) for p in ANSWER_PARTS},
        most_missed_tied=tied if len(tied) > 1 else [],
    )
