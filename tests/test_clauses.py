"""Unpunctuated text read as sentences and clauses (check/clauses.py)."""

from __future__ import annotations

from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.check.clauses import segment
from voiceclose.check.context import Context
from voiceclose.check.engine import check
from voiceclose.check.normalise import sentences
from voiceclose.check.rules import load_rules
from voiceclose.evaluate.scoring import run_on


def pieces(text: str) -> list[str]:
    words = text.split()
    return [s.text for s in segment(sentences(words, cut=False), load_rules(), words)]


def found(text: str) -> dict[str, bool]:
    return {k: e.found for k, e in check(transcript_from_text(text).words).elements.items()}


def test_a_question_inside_a_run_on_starts_a_sentence():
    out = pieces(
        "i really want this job is there anything about me that worries you thanks for your time"
    )
    assert out == [
        "i really want this job",
        "is there anything about me that worries you",
        "thanks for your time",
    ]


def test_i_and_its_verb_open_a_clause_but_not_after_a_word_that_holds_on():
    assert pieces("yeah im dead keen ive got my green card and ive not missed a day") == [
        "yeah i am dead keen , i have got my green card , and i have not missed a day"
    ]
    # "the job | I want" is one clause; "thanks to" gives credit and starts nothing
    assert pieces("this is the job i want and i think i could do it well") == [
        "this is the job i want and i think i could do it well"
    ]
    assert (
        "thanks to my team" in pieces("we hit every target last year thanks to my team really")[0]
    )


def test_what_belongs_to_one_question_stays_in_it():
    assert pieces("so what reservations would you have about me taking this on then") == [
        "so what reservations would you have about me taking this on then"
    ]
    # an "if" clause before a question ends in a clause, not a sentence
    assert len(pieces("if you had to argue against hiring me what would you say to that")) == 1


def test_a_pause_ends_a_clause():
    assert pieces("i ran the night shift for years um the pick rate went up a lot") == [
        "i ran the night shift for years , the pick rate went up a lot"
    ]


def test_punctuated_text_is_left_as_written():
    text = "I really want this job. Is there anything that gives you doubts about hiring me?"
    words = text.split()
    assert segment(sentences(words, cut=False), load_rules(), words) == sentences(words, cut=False)


def test_a_run_on_close_finds_its_parts_and_quotes_short_evidence():
    text = (
        "yeah so i really want this role you said the unit needs someone to cut waiting times "
        "at my last hospital i cut them by a third is there anything about me that gives you "
        "pause and what are the next steps from here thanks so much for your time"
    )
    result = check(transcript_from_text(text).words)
    assert result.complete and result.extras.next_steps
    evidence = {name: e.evidence for name, e in result.elements.items()}
    assert evidence["reservations"] == "is there anything about me that gives you pause"
    assert evidence["thanks"] == "thanks so much for your time"
    assert "is there" not in evidence["interest"] and "thanks" not in evidence["fit"]


def test_run_on_strips_case_and_every_mark():
    assert run_on("Thanks — I'm keen, really! Isn't it?") == "thanks im keen really isnt it"
    assert found(
        run_on("I'd love this job. Is there anything that worries you about me?")
    ) == found("I'd love this job. Is there anything that worries you about me?")


def test_a_long_run_on_is_cut_in_pieces_and_a_cue_at_a_cut_is_read_once():
    filler = "and then we talked about the weather " * 12
    text = filler + "anyway ill send you a thank you email tonight"
    ctx = Context(transcript_from_text(text).words, load_rules(), None)
    assert all(len(ctx.tokens(n)) <= 60 for n in range(len(ctx.sentences)))
    assert not found(text)["thanks"]


def test_thanks_passed_on_to_someone_else_stays_with_who_it_is_for():
    # "tell the porter | thanks for..." would make the message look like the candidate's thanks
    assert len(pieces("and could you tell the porter downstairs thanks for the umbrella")) == 1
    assert not found("i want this job and please tell the porter downstairs thanks for the brolly")[
        "thanks"
    ]
    # said to the interviewer it is thanks all the same
    assert found("i will tell my partner all about it thanks so much for seeing me")["thanks"]
    assert found("tell you what thanks for having me in i really want it")["thanks"]
