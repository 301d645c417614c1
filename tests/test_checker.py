"""What counts as each part of a close, and what only looks like it (../shared/DOMAIN.md)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.check.engine import check
from voiceclose.check.needs import RoleNeed
from voiceclose.check.normalise import MAX_SENTENCE_TOKENS, sentences
from voiceclose.results import ELEMENTS, SpeechRegion, Word


def found(text: str) -> dict[str, bool]:
    result = check(transcript_from_text(text).words)
    return {name: e.found for name, e in result.elements.items()}


CASES = [
    # interest: wanting the job, not curiosity about a topic, not doubtful
    ("I'd honestly love to be part of your design team.", "interest", True),
    ("This is the job I've been hoping to find for years.", "interest", True),
    ("I'm thrilled about this opportunity.", "interest", True),
    ("I'm interested in how your team plans its sprints.", "interest", False),
    ("In my free time my interests include chess and cycling.", "interest", False),
    ("I'm not sure I'm that interested any more.", "interest", False),
    ("I'd like to know more about the parking.", "interest", False),
    # fit: own experience tied to what they need; what they wonder about is not a need
    (
        "I'm keen to learn how you handle orders at this volume, that's something I've always "
        "wanted to see. I also did a season at a bakery in Lyon.",
        "fit",
        False,
    ),
    (
        "im keen to learn how you handle orders at this volume thats something ive always wanted "
        "to see i also did a season at a bakery in lyon",
        "fit",
        False,
    ),
    (
        "You mentioned the clinic needs someone for wound care, and I've spent six years on a surgical ward doing exactly that.",
        "fit",
        True,
    ),
    (
        "I ran payroll for three hundred staff at my last company, which is what you said the new finance hub needs.",
        "fit",
        True,
    ),
    ("I'd be brilliant at this job.", "fit", False),
    ("I keep fit by swimming most mornings.", "fit", False),
    ("I've managed teams for ten years.", "fit", False),  # no tie to their needs
    # a request of the interviewer names no need of theirs, heard with or without its "?"
    (
        "I also trained every new starter, and we had no injuries in two years, could you also "
        "tell me what the next steps are.",
        "fit",
        False,
    ),
    ("I ran the stockroom for three years. Can you walk me through the rota?", "fit", False),
    ("You said you need SAP experience, but honestly I haven't used SAP before.", "fit", False),
    # reservations: put to the interviewer, about hiring the candidate
    ("Do you have any reservations about hiring me?", "reservations", True),
    ("Is there anything about my CV that makes you hesitate?", "reservations", True),
    ("If anything about my background gives you pause, I'd like to hear it.", "reservations", True),
    ("What would make you pick someone else over me?", "reservations", True),
    ("I have no reservations about relocating.", "reservations", False),
    ("My only concern is the travel.", "reservations", False),
    ("Are there any other questions for me?", "reservations", False),
    ("Is there any concern about the budget for next year?", "reservations", False),
    # thanks: gratitude to the interviewer
    ("Thanks so much for having me in today.", "thanks", True),
    ("I really appreciate you taking the time.", "thanks", True),
    ("Cheers for the chat.", "thanks", True),
    ("Thanks to my team we cut costs by a fifth.", "thanks", False),
    ("I'll send you a thank-you note tonight.", "thanks", False),
    ("I'd appreciate it if you could send the contract.", "thanks", False),
    ("My kids always say thank you to the bus driver.", "thanks", False),
    # praise says what was heard: grudging or sarcastic thanks is not thanks
    ("Thanks, I guess.", "thanks", False),
    ("Thank you for nothing.", "thanks", False),
    ("Well, thanks for keeping me waiting an hour.", "thanks", False),
    ("Please pass my thanks on to the receptionist.", "thanks", False),
    ("Thanks, that was a really useful conversation.", "thanks", True),
    # a bare claim of fit is not fit; a question about gaps is the reservations question
    ("My experience is exactly what you need.", "fit", False),
    ("I'm exactly who you're looking for.", "fit", False),
    ("Do you see any gaps between my experience and what you need?", "fit", False),
    ("Do you see any gaps between my experience and what you need?", "reservations", True),
    # the idioms the issue names
    ("Honestly, I'd bite your hand off for this job.", "interest", True),
    ("Put me down as a yes.", "interest", True),
    ("This is the one I've had my eye on.", "interest", True),
    ("What would stop you from picking me?", "reservations", True),
    ("Anything you'd want to push back on about me?", "reservations", True),
    # interest given up in the same breath, curiosity about their work, a denial
    ("I guess I'm interested, though I've had another offer.", "interest", False),
    ("I'm keen, but I'd totally understand if you pick someone stronger.", "interest", False),
    ("I'd be lying if I said I wanted to stay in retail forever.", "interest", False),
    ("I'm really interested in your research on river pollution.", "interest", False),
    ("I'm very interested in the clinic's funding model.", "interest", False),
    ("I'm really interested in the role, and I'd love to join.", "interest", True),
    # declining the offer of questions, a grudging or hedged thanks, thanks for a cause
    ("Nope, I'm all good, thanks.", "thanks", False),
    ("Cheers anyway.", "thanks", False),
    ("Thanks for the feedback, I think.", "thanks", False),
    ("Thanks to you lot I'm now craving a coffee.", "thanks", False),
    ("No, I'm good, thank you so much for your time.", "thanks", True),
    # thanks for someone else to hear, gratitude to someone in the past, dismissive thanks,
    # thanks for an ordeal; thanks to the listener for listening, a hedge on what follows
    ("And tell the chap at security thanks for the parking pass.", "thanks", False),
    ("Please thank the receptionist for the tea.", "thanks", False),
    ("I'm grateful to my first manager for believing in me.", "thanks", False),
    ("I'm grateful to you both for the time today.", "thanks", True),
    ("Thanks, whatever.", "thanks", False),
    ("Yeah, whatever, cheers.", "thanks", False),
    ("yeah thanks whatever i suppose", "thanks", False),
    # a thanks on its own after a grudging or sarcastic line is heard as grudging too
    ("I only applied because my mum made me. No offence. Ta.", "thanks", False),
    ("Oh great, another panel interview, what fun. Cheers.", "thanks", False),
    ("Yeah, whatever. Thanks.", "thanks", False),
    ("No offence, but the car park is tiny. Thanks for seeing me though.", "thanks", True),
    ("Whatever you decide, I'd love the job. Thanks.", "thanks", True),
    ("is a degree a problem or whatever thanks for seeing me", "thanks", True),
    ("anything bothering you about me just tell me thank you", "thanks", True),
    ("Thanks for the ambush with that case study.", "thanks", False),
    ("Cheers for putting me on the spot like that.", "thanks", False),
    ("Thanks for listening to me go on about spreadsheets.", "thanks", True),
    ("Thank you, I guess I'm just a bit nervous today.", "thanks", True),
    # wanting the job in plain or regional words; doubts asked of a panel
    ("I'm keen to come across to you lot.", "interest", True),
    ("I'd be glad to come over and join you.", "interest", True),
    ("Yeah, I do want it.", "interest", True),
    ("I'm keen as, honestly.", "interest", True),
    ("I'm very interested in joining the unit.", "interest", True),
    ("I'm very interested in this, genuinely.", "interest", True),
    ("I'm very interested in this and how you plan the rota.", "interest", False),
    ("I do want it to be said that I tried.", "interest", False),
    (
        "I'd be interested to hear whether anything gives the panel cause for concern.",
        "reservations",
        True,
    ),
    ("I'd be interested to hear how the panel feels about the budget.", "reservations", False),
    ("Thanks for your time, I think it went well.", "thanks", True),
    # interest said without the "I", or in regional idiom; a temporary post made permanent
    ("so yeah would really love the role to be honest", "interest", True),
    ("ten years on the tools now honestly want this one thanks", "interest", True),
    ("you would like the job if you liked travel", "interest", False),
    ("mate im keen as been driving hgvs since i left school", "interest", True),
    ("I'm as keen as anyone to hear how the rota works.", "interest", False),
    ("I'd be delighted to make this role permanent.", "interest", True),
    ("I'm not. I want this job.", "interest", True),
    ("I'm not saying I want this job.", "interest", False),
    ("I'd maybe be up for working here, I suppose.", "interest", False),
    # wanting it in other registers; a chance to ask something is not the job
    ("Honestly I'd welcome the opportunity.", "interest", True),
    ("I'd love to do the apprenticeship, it's all I think about.", "interest", True),
    ("cheers for that i need the start to be honest", "interest", True),
    ("I like very much to work for your company.", "interest", True),
    ("I'd really value being part of the crew.", "interest", True),
    ("keen as to crack on, mate", "interest", True),
    ("I'd really like the chance to ask about the pension.", "interest", False),
    ("I like to work with my hands at the weekend.", "interest", False),
    # a kind of work some day, or taken back over the money, is not wanting this job now
    ("I'd love a role like this one day.", "interest", False),
    ("I'm keen on the job, but not at that salary, sorry.", "interest", False),
    ("I'd want it only if the pay goes up a fair bit.", "interest", False),
    ("I'd maybe like the job, depending on the hours.", "interest", False),
    # curiosity about work the interviewer described; interest taken back in the same breath
    ("I'm interested in the data project you described, it sounds clever.", "interest", False),
    ("I'm interested in the post, although I'd have to think it over at home.", "interest", False),
    # the reservations question in other words: what they might raise, hold against, or why
    # they might not move the candidate on; a bare "any doubts?"
    ("Is there anything you'd like to raise about me before we finish?", "reservations", True),
    ("Would you hold any of today against me?", "reservations", True),
    ("Is there a reason you might not shortlist me?", "reservations", True),
    ("I'm sure I'd be good at this. Any doubts?", "reservations", True),
    ("Any worries about the timetable?", "reservations", False),
    # Scots and casual wordings of the same question; a question ended on a preposition
    ("Is there owt ye're no sure aboot wi' me?", "reservations", True),
    ("Are ye no convinced aboot me for this?", "reservations", True),
    ("so is there anything youre iffy on with me", "reservations", True),
    (
        "is there anything about me youre unsure of thanks so much for your time",
        "reservations",
        True,
    ),
    ("is there anything about me youre unsure of thanks so much for your time", "thanks", True),
    ("I'm no sure aboot the parking here.", "reservations", False),
    ("Honestly I'd love tae join the crew.", "interest", True),
    ("i havent got any concerns i think were aligned", "reservations", False),
    ("Do you want to raise the budget with the board?", "reservations", False),
    # interest by halves or put off for a decision; wanting to thank them is not wanting the job
    ("I'm sort of interested in the post, I think.", "interest", False),
    ("Honestly I'm kinda keen on the job, yeah.", "interest", False),
    ("I'm interested in the role, I'd just need to go home and mull it over.", "interest", False),
    ("I'd love the job, but let me sleep on it first.", "interest", False),
    ("I'd love this job, I don't need to think about it.", "interest", True),
    ("I'd like to, erm, thank you both for your time.", "interest", False),
    ("I want to, like, thank you for seeing me.", "interest", False),
    ("I'd like to thank you, and I'd love to join the team.", "interest", True),
    # "take this job at ..." (a stranger's close said it so): this job, not only the job
    ("I'd love to take this job at Acme Bank.", "interest", True),
    ("I'd really like to take up this role with Calder Foods.", "interest", True),
    ("I'd love to take this opportunity to thank you.", "interest", False),
    # thanks with a jab at the interviewer is grudging; with sympathy for their day it is not
    ("Well, thanks for your time, even if you were half an hour late.", "thanks", False),
    ("Cheers for the chat, even though you kept me waiting an hour.", "thanks", False),
    ("Thanks, I suppose, even though you barely looked up from your phone.", "thanks", False),
    ("Thanks for seeing me, even though I know you're running behind today.", "thanks", True),
    # a groan at what the day brought, then "thanks a lot", is sarcastic; after praise it is not
    ("Great, another form to fill in, thanks a lot.", "thanks", False),
    ("Oh brilliant, more paperwork. Cheers.", "thanks", False),
    ("Great, thanks a lot for your time today.", "thanks", True),
    # someone else's wish, or a wish from the past taken back, is not the candidate's interest
    ("My sister would love this job, she's a real people person.", "interest", False),
    ("My mates are all really keen on the job too.", "interest", False),
    ("I wanted this job last year, but now I'm not so sure.", "interest", False),
    ("I always wanted this job, ever since I was little.", "interest", True),
    ("My colleagues say I'm calm under pressure, and I'd love this job.", "interest", True),
    # wanting it only on other terms; a grudging tag a long way after the thanks; a sarcastic
    # "thanks a bunch" for a hard question
    ("If the salary was higher I'd take it in a heartbeat.", "interest", False),
    (
        "Unless the commute got shorter, I'd say no, honestly. I do like the team.",
        "interest",
        False,
    ),
    ("Thanks for the heads up about the parking fines, I guess.", "thanks", False),
    ("Oh, thanks a bunch for that curveball question.", "thanks", False),
    ("Thanks a lot for your time this morning.", "thanks", True),
    # ...and in unpunctuated text, a thanks ending the grudging or sarcastic run it was said in
    ("oh great a group exercise how exciting can not wait cheers", "thanks", False),
    ("im only here cause the agency sent me no offence ta", "thanks", False),
    ("no offence but the bus here was awful thanks so much for seeing me", "thanks", True),
]


@pytest.mark.parametrize("text, element, expected", CASES)
def test_what_counts(text, element, expected):
    assert found(text)[element] is expected


def test_a_complete_close_finds_all_four_with_evidence():
    text = (
        "Thank you for seeing me today. I really want this role. You said the warehouse needs "
        "better pick accuracy, and I cut mispicks by a third at my last site. Is there anything "
        "that gives you doubts about hiring me?"
    )
    result = check(transcript_from_text(text).words)
    assert result.missed == []
    assert result.elements["reservations"].evidence.startswith("Is there anything")
    assert all(result.elements[e].score >= 85 for e in ELEMENTS)


def test_evidence_has_the_times_the_words_were_said():
    said = ["Thank", "you", "for", "the", "interview", "today."]
    words = [Word(w, 1.0 + i * 0.4, 1.3 + i * 0.4) for i, w in enumerate(said)]
    result = check(words)
    thanks = result.elements["thanks"]
    assert thanks.found and thanks.start_s == 1.0 and thanks.end_s == pytest.approx(3.3)


def test_no_credit_for_words_over_no_speech():
    words = [Word(w, 10.0 + i * 0.3, 10.2 + i * 0.3) for i, w in enumerate(["Thank", "you."])]
    heard_elsewhere = [SpeechRegion(0.0, 9.0)]
    result = check(words, speech_regions=heard_elsewhere)
    assert not result.elements["thanks"].found
    assert any("no speech" in c.reason for c in result.candidates)


def test_extras_fillers_next_steps_and_overconfidence():
    text = "Um, so, you know, I, uh, really want this job. What are the next steps? So when do I start?"
    extras = check(transcript_from_text(text).words).extras
    assert extras.fillers >= 3 and extras.filler_words["um/uh"] == 2
    assert extras.next_steps and extras.overconfident
    assert "when do I start" in extras.overconfident_line
    assert not check(
        transcript_from_text("I'll wait to hear from your recruiter.").words
    ).extras.next_steps


@pytest.mark.parametrize(
    "text, asked",
    [
        # Whisper often runs a question into the statement before it, with no "?"
        ("I'd be glad to answer it now, could you also tell me what the next steps are.", True),
        ("Thanks again, and when will you be making a decision.", True),
        ("I know the next steps are with the panel, so I'll wait.", False),
        ("I'm ready for the next stage, whenever it comes.", False),
    ],
)
def test_next_steps_asked_in_a_clause_of_a_run_on_sentence(text, asked):
    assert check(transcript_from_text(text).words).extras.next_steps is asked


def test_scenario_needs_count_as_what_the_employer_needs():
    text = "I have spent four years on night shifts in a busy emergency department."
    assert not check(transcript_from_text(text).words).elements["fit"].found
    needs = [RoleNeed(p, (p,)) for p in ("emergency department", "night shifts")]  # patterns
    assert check(transcript_from_text(text).words, needs=needs).elements["fit"].found


def test_a_scenario_fit_quote_holds_the_words_that_speak_to_the_need():
    """A run-on sentence is quoted by its clauses; the quote reached only the experience's
    clause ("I have led triage improvements", a stranger's close) and not the words about the
    need it was credited for, later in the sentence."""
    text = (
        "I have led triage improvements in my department and I also mentor the newly qualified "
        "nurses on the ward through their first year which is honestly the part of the job "
        "that I enjoy the most these days"
    )
    fit = check(
        transcript_from_text(text).words, needs=["supporting newly qualified nurses"]
    ).elements["fit"]
    assert fit.found and fit.needs == ["supporting newly qualified nurses"]
    assert "I have led triage" in fit.evidence and "newly qualified nurses" in fit.evidence


# --- arbitrary text: never crashes, and work stays bounded however long the input ---------------


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_arbitrary_text_never_crashes(text):
    result = check(transcript_from_text(text).words)
    assert set(result.elements) == set(ELEMENTS)
    for element in result.elements.values():
        assert 0.0 <= element.score <= 100.0


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "thank",
                "you",
                "not",
                "concerns",
                "me?",
                "I",
                "want",
                "this",
                "job,",
                "um",
                "the",
                ".",
                "fit",
            ]
        ),
        min_size=1,
        max_size=60,
    ),
    st.integers(min_value=50, max_value=150),
)
def test_long_input_is_matched_in_bounded_pieces(phrase, repeats):
    words = phrase * repeats
    # Matching cost grows with the number of pieces, not with their length squared: no piece is
    # longer than MAX_SENTENCE_TOKENS, whatever the punctuation (or lack of it).
    assert all(len(s.tokens) <= MAX_SENTENCE_TOKENS for s in sentences(words))
    check(transcript_from_text(" ".join(words)).words)


def test_praise_matches_the_thanks_heard():
    from voiceclose.check.feedback import feedback_for

    def praise(text: str) -> list[str]:
        return feedback_for(check(transcript_from_text(text).words)).praise

    assert praise("Thanks for the coffee.") == ["You thanked them."]
    assert praise("Thank you for your time today.") == ["You thanked them for their time."]


def test_a_run_on_window_still_finds_next_steps_and_quotes_a_clause():
    text = (
        "Thank you for seeing me today. I really want this role. and what are the next steps "
        "from here i am free any day next week so just let me know"
    )
    result = check(transcript_from_text(text).words)
    assert result.extras.next_steps
    assert result.extras.next_steps_line.startswith("and what are the next steps")
    assert len(result.extras.next_steps_line.split()) < 12


def test_matches_are_never_taken_from_a_pattern_list_that_was_freed():
    # A list made for one call (a scenario's needs) and then freed could pass its id, and with
    # it its cached matches, to the next list made: thanks went missing depending on the seed.
    from voiceclose.check.context import Context
    from voiceclose.check.rules import PatternList, load_rules

    rules = load_rules()
    ctx = Context(transcript_from_text("Thanks so much for your time.").words, rules, None)
    thanks = rules.compile_extra(["thanks so much"]).patterns
    for _ in range(20):
        made = PatternList(thanks)
        found = len(ctx.matches(made, 0))
        del made  # freed: the next list made is often put at the same address
        assert found == 1
        assert ctx.matches(PatternList(()), 0) == []


def test_a_missed_fit_quotes_the_experience_that_was_told_untied():
    """Experience told with no need of theirs (a stranger's backend close, without a scenario)
    was reported only as "not tied to what the employer needs": what was heard is quoted, as
    DOMAIN's feedback tone asks (what was observed, with the evidence)."""
    from voiceclose.check.feedback import feedback_for

    def fit_line(text: str) -> str:
        missed = feedback_for(check(transcript_from_text(text).words)).tips
        return next(t.observed for t in missed if t.element == "fit")

    told = fit_line(
        "I'd love this job. At my last company I kept our payments API at 99.99 percent uptime "
        "for two years while traffic tripled. Thanks for your time."
    )
    assert told.startswith("You told them about your experience (“At my last company I kept")
    assert "…”), but not which of their needs it answers." in told  # a long passage is cut
    assert fit_line("I'd love this job. Thanks for your time.") == (
        "Your experience was not tied to what the employer needs."
    )
    # the reservations question names "my experience" but tells none (a stranger's tip quoted
    # it as experience told), with a scenario or without
    asked = "I am very keen on this role. Is there anything about my experience that makes you "
    asked += "hesitate to hire me?"
    assert fit_line(asked) == "Your experience was not tied to what the employer needs."
    from voiceclose.app.scenarios import find

    nurse = find("emergency-nurse").needs
    result = check(transcript_from_text(asked).words, needs=nurse)
    assert [c.reason for c in result.candidates if c.element == "fit"] == [
        "a question to the interviewer, not the candidate's experience"
    ]
