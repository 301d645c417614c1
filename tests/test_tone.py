"""What the tone and structure show beyond the four parts: fillers, hedging, a recap."""

from __future__ import annotations

import json

from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.check.engine import check
from voiceclose.check.feedback import feedback_for
from voiceclose.evaluate.scoring import run_on

from .conftest import DATA

MIN_FILLER_PRECISION = 0.95
MIN_FILLER_RECALL = 0.9


def extras(text: str):
    return check(transcript_from_text(text).words).extras


def filler_tally(runon: bool) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for line in (DATA / "fillers.jsonl").read_text().splitlines():
        item = json.loads(line)
        text = run_on(item["text"]) if runon else item["text"]
        heard = {k: v for k, v in extras(text).filler_words.items() if k != "um/uh"}
        for name in set(heard) | set(item["fillers"]):
            got, want = heard.get(name, 0), item["fillers"].get(name, 0)
            tp, fp, fn = tp + min(got, want), fp + max(0, got - want), fn + max(0, want - got)
    return tp, fp, fn


def test_fillers_on_the_labelled_set():
    for runon in (False, True):
        tp, fp, fn = filler_tally(runon)
        assert tp / (tp + fp) >= MIN_FILLER_PRECISION, (runon, tp, fp, fn)
        assert tp / (tp + fn) >= MIN_FILLER_RECALL, (runon, tp, fp, fn)


def test_like_as_a_filler_and_as_a_word():
    assert extras("It was, like, the busiest shift of the year.").filler_words == {"like": 1}
    assert extras("We did like ninety covers a night.").filler_words == {"like": 1}
    assert extras("I really like this team and I'd like to join it.").filler_words == {}
    assert extras("It feels like a family, and someone like me fits.").filler_words == {}
    assert extras("Basically, you know, I ran it.").filler_words == {"basically": 1, "you know": 1}


def test_hedging_lines_are_flagged_with_a_tip():
    said = "I'm probably a long shot, but I really want this job. Thanks for your time."
    found = extras(said)
    assert found.hedging and found.hedging_lines == [
        "I'm probably a long shot, but I really want this job."
    ]
    result = check(transcript_from_text(said).words)
    assert result.elements["interest"].found  # hedged, but said plainly
    note = next(n for n in feedback_for(result).notes if "long shot" in n)
    assert "plays you down" in note and "you lack" not in note
    # the example is a confident line for a close, not an answer to a skills-gap concern
    assert "I'd really like to do it here" in note and "haven't done" not in note
    assert not extras("I've run the night shift for five years and I want this job.").hedging


def test_only_applying_because_and_not_bothered_are_hedging():
    assert extras("I only applied because it's near my house.").hedging
    assert extras("Not that bothered either way, if it comes it comes.").hedging


def test_a_recap_of_their_needs_is_noticed():
    said = "Just to check I've understood: you need someone to run the night shift. Is that right?"
    found = extras(said)
    assert found.recap and "night shift" in found.recap_line
    assert not extras("I ran the night shift for five years.").recap
