"""The answer to the interviewer's concern: the three parts, the data's contract, the corpus,
and `voiceclose check --concern`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voiceclose.app.answering import guess_kind
from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.check.answer import check_answer, load_answer_rules
from voiceclose.check.answer_feedback import answer_feedback, load_answer_tips
from voiceclose.check.patterns import PatternError
from voiceclose.evaluate.answers import read_answers, score_text
from voiceclose.paths import data_file
from voiceclose.results import Concern

DEV = Path(__file__).parent / "data" / "answers_dev.jsonl"
CONCERN = "You haven't used Salesforce, have you?"
GOOD = (
    "That's a fair concern. I haven't used Salesforce, but I've booked the admin course for "
    "next month and I'll have the certificate before I start. I'm confident I'd be up to speed "
    "quickly, and I'd really love to join the team."
)


def parts(text: str, kind: str) -> dict[str, bool]:
    result = check_answer(transcript_from_text(text).words, kind)
    return {part: e.found for part, e in result.elements.items()}


def test_a_good_answer_to_a_skills_gap_has_all_three_parts():
    assert parts(GOOD, "skills_gap") == {"acknowledge": True, "address": True, "high_note": True}


def test_vague_reassurance_is_not_an_answer_and_an_apology_is_not_a_high_note():
    found = parts("I understand. I'm a fast learner, I'd pick it up quickly. Sorry.", "skills_gap")
    assert found == {"acknowledge": True, "address": False, "high_note": False}


def test_a_defensive_answer_does_not_acknowledge():
    text = (
        "You clearly misread my CV. I was caring for my mother during that year. I'd love this job."
    )
    assert parts(text, "gap") == {"acknowledge": False, "address": True, "high_note": True}


def test_a_plan_without_a_when_is_vague():
    text = "Fair enough. I'll probably do a course at some point when I've got time."
    assert parts(text, "skills_gap")["address"] is False


def test_interest_said_with_the_closing_thanks_is_the_high_note():
    # the last sentence thanks them, and says they want the job with it: it is the ending,
    # not a bare closing "Thanks." to look past
    text = "Great. Well, I really want this job, thanks."
    assert parts(text, "none")["high_note"] is True
    assert parts("Great. Thanks for your time today, I really appreciate it.", "none") == {
        "acknowledge": True,
        "address": False,
        "high_note": False,  # thanks alone closes politely, not on a high note
    }


def test_no_concern_is_answered_by_something_concrete():
    assert parts("Great, thank you. Just to confirm, I can start in four weeks.", "none")["address"]
    assert not parts("Oh good, thank you, that's lovely to hear.", "none")["address"]


def test_with_no_concerns_an_answer_that_raises_one_answers_nothing():
    """A stranger's off-topic answer to "No, I think you've answered everything" got all three
    parts: granting a concern nobody voiced is not acknowledging good news, and owning a gap
    then is not confirming anything."""
    raised = (
        "You're right that I haven't worked on a paediatric ward, and I understand the concern. "
        "I'm starting a paediatric course next month, and I'd really love to join the team."
    )
    assert parts(raised, "none") == {"acknowledge": False, "address": False, "high_note": True}
    result = check_answer(transcript_from_text(raised).words, "none")
    tips = answer_feedback(result, Concern("none", "No, you've answered everything.")).tips
    assert [t.element for t in tips] == ["acknowledge", "address"]
    assert "raised one" in tips[1].observed
    # the same plan, raised as an answer to a real gap, is one
    assert parts(raised, "skills_gap") == {"acknowledge": True, "address": True, "high_note": True}
    # raised with nothing concrete beside it, the tip still says a doubt was raised (a
    # stranger's "my lack of a forklift licence ... sorry" was told thanks alone was not enough)
    sorry = "Oh. Well, I was worried about my lack of a forklift licence. I don't have one, sorry."
    result = check_answer(transcript_from_text(sorry).words, "none")
    tips = answer_feedback(result, Concern("none", "No, you've covered everything.")).tips
    observed = {t.element: t.observed for t in tips}
    assert "raised one" in observed["address"] and "thanks" not in observed["high_note"]
    # good news taken graciously, with "no concerns" said back, raises nothing
    glad = "Great to hear you have no concerns, thank you. I can start in a month, and I'd love to join."
    assert parts(glad, "none") == {"acknowledge": True, "address": True, "high_note": True}
    result = check_answer(transcript_from_text(glad).words, "none")
    praise = answer_feedback(result, Concern("none", "No, you've covered everything.")).praise
    assert praise[0] == "You took the good news graciously."  # not "the concern seriously"


def test_the_dev_corpus_scores_at_least_the_target():
    scores = score_text(read_answers(DEV))
    assert scores.macro_f1 >= 0.95
    assert scores.micro_precision >= 0.95
    assert all(t.f1 >= 0.90 for t in scores.tallies.values())


def test_a_misspelt_key_in_the_answer_data_is_an_error_naming_it(tmp_path):
    text = data_file("check", "answers.toml").read_text()
    custom = tmp_path / "answers.toml"
    custom.write_text(text.replace("\nlow = [", "\nlowe = [", 1))
    with pytest.raises(PatternError, match=r"answers.toml \[high_note\]: unknown key 'lowe'"):
        load_answer_rules(custom)


def test_the_answer_tips_have_every_key():
    tips = load_answer_tips()
    assert set(tips) == {"acknowledge", "address", "high_note"}
    assert "example_skills_gap" in tips["address"]


def test_address_examples_for_a_gap_leave_the_specifics_to_the_candidate():
    """The same line follows a nurse's career break and a team leader's first team: one that
    named a subject ("a part-time bookkeeping course", "I haven't used it yet") read wrong for
    most roles (a stranger's trial); each leaves a [slot] for the candidate's own."""
    tips = load_answer_tips()["address"]
    for key in ("example_gap", "example_break", "example_skills_gap"):
        assert re.search(r"\[[^\]]+\]", tips[key]), key


def address_example(concern: str, kind: str = "gap") -> str:
    """The line to try that the feedback gives an answer missing the address part."""
    result = check_answer(
        transcript_from_text("That's a fair question. I'd love this job.").words, kind
    )
    [tip] = [
        t for t in answer_feedback(result, Concern(kind, concern)).tips if t.element == "address"
    ]
    return tip.example


@pytest.mark.parametrize(
    ("concern", "during"),
    [
        ("There's an 18-month gap on your CV.", "During those 18 months I was"),
        ("You were out of work for 18 months. Why was that?", "During those 18 months I was"),
        ("There are two years missing from your CV.", "During those two years I was"),
        ("There's a year and a half where you weren't working.", "During that year and a half I"),
        ("I see a six-month break in 2021.", "During those six months I was"),
        ("There's an Eighteen-month break on your CV.", "During those eighteen months I"),
        ("You took a year out after university?", "During that year I was"),
        ("Nearly two and a half years off. What happened?", "During those two and a half years"),
        ("Twenty-four months is a long time out.", "During those twenty-four months I"),
        ("You spent half a year travelling?", "During that half year I was"),
        ("A couple of years between jobs?", "During those couple of years I was"),
        ("There's a gap on your CV.", "During that time I was"),
        ("Why is there a break after 2019?", "During that time I was"),
        ("Five years as a manager, then a gap of eight months?", "During those eight months"),
        ("An 18-month break after two years at Zenco. Why?", "During those 18 months I was"),
    ],
)
def test_the_gap_example_names_the_length_the_concern_names_or_none(concern, during):
    example = address_example(concern)
    assert example.startswith(during), example
    assert "{" not in example


@pytest.mark.parametrize(
    "concern",
    [
        "You left Zenco after eight months.",
        "You had 3 jobs in 2019. What happened?",
        "You've moved kitchens three times in four years. Why should I expect you to stay?",
        "Your last role was mostly retail. I'm not sure I've heard much marketing experience.",
    ],
)
def test_a_doubt_that_is_not_a_break_gets_the_shape_of_an_explanation_not_a_break_s(concern):
    example = address_example(concern)
    assert example == load_answer_tips()["address"]["example_gap"]
    assert "During" not in example and "caring" not in example


def test_with_no_concerns_the_tips_take_the_good_news_and_close():
    """ "No, I think you've covered everything": nothing is fair to acknowledge and there is no
    weakness to end above; an answer that said nothing gets tips for good news."""
    result = check_answer(transcript_from_text("Okay.").words, "none")
    concern = Concern("none", "No, I think you've covered everything.")
    tips = {t.element: t for t in answer_feedback(result, concern).tips}
    assert set(tips) == {"acknowledge", "address", "high_note"}
    words = " ".join(f"{t.observed} {t.tip} {t.example}" for t in tips.values()).lower()
    assert "fair concern" not in words and "weakness" not in words and "apolog" not in words
    assert "thank" in tips["acknowledge"].example.lower()
    assert "thank" in tips["high_note"].example.lower()
    # a concern still gets the concern's words
    other = answer_feedback(result, Concern("gap", "There's a gap on your CV."))
    assert "fair concern" in {t.element: t for t in other.tips}["acknowledge"].example


def test_only_the_gap_example_changes_with_the_concern():
    assert (
        address_example("You haven't used SAP in 18 months.", "skills_gap")
        == (load_answer_tips()["address"]["example_skills_gap"])
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("No, I think you've covered everything.", "none"),
        ("none", "none"),  # --concern none: what the interviewer said, said alone
        ("Not really, no.", "none"),
        ("You said you left after six months. Why?", "misunderstanding"),
        ("You haven't used SAP, have you?", "skills_gap"),
        ("There's an eighteen-month break on your CV.", "gap"),
    ],
)
def test_the_kind_is_read_from_the_concern(text, kind):
    assert guess_kind(text) == kind


def test_check_concern_json_rows(cli, tmp_path):
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text(GOOD)
    bad.write_text("I'm a fast learner. Sorry.")
    run = cli("check", "--text", good, "--concern", CONCERN, "--json")
    assert run.code == 0, run.err
    [row] = run.json()
    assert row["check"] == "answer" and row["ok"] is True
    assert row["concern"] == {"kind": "skills_gap", "text": CONCERN}
    assert set(row["elements"]) == {"acknowledge", "address", "high_note"}
    assert row["missed"] == []
    run = cli("check", "--text", good, bad, "--concern", CONCERN, "--concern-kind", "gap", "--json")
    assert run.code == 1
    rows = run.json()
    assert rows[1]["concern"]["kind"] == "gap" and "address" in rows[1]["missed"]
    run = cli("check", "--text", tmp_path / "missing.txt", "--concern", CONCERN)
    assert run.code == 3
    assert cli("check", "--text", good, "--concern", "  ").code == 2


def test_check_concern_text_report(cli, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("I'm a fast learner. Sorry.")
    run = cli("check", "--text", path, "--concern", CONCERN)
    assert run.code == 1
    assert f'"{CONCERN}"' in run.out and "✗ Address" in run.out and "Try:" in run.out


@pytest.mark.parametrize(
    "text, kind, part, expected",
    [
        # owning a confusion, or a point never covered, acknowledges it
        (
            "No, that one's on me, I rushed past it. I've led the payroll audit twice.",
            "misunderstanding",
            "acknowledge",
            True,
        ),
        (
            "Good that you asked, we never got to that. I hold a full forklift licence.",
            "gap",
            "acknowledge",
            True,
        ),
        (
            "Correct, and I know it matters here. I've booked the exam for the 12th.",
            "skills_gap",
            "acknowledge",
            True,
        ),
        (
            "I think I confused you there: I meant the night rota, not the weekend one.",
            "misunderstanding",
            "acknowledge",
            True,
        ),
        # a misunderstanding set straight calmly, not with a jab or a shrug
        (
            "No, it was the other site, the one in town. I ran it for two years.",
            "misunderstanding",
            "acknowledge",
            True,
        ),
        (
            "No, I'm qualified, if you'd bothered to look it's on the form.",
            "misunderstanding",
            "acknowledge",
            False,
        ),
        ("I don't think I said that, no. Whatever.", "misunderstanding", "acknowledge", False),
        ("No, it's on my CV, page two.", "gap", "acknowledge", False),
        # owning a poor explanation, or naming a mix-up without blame
        (
            "Ah, I don't think I put that very well. I ran the late shift for three years.",
            "misunderstanding",
            "acknowledge",
            True,
        ),
        (
            "We had a bit of a mix-up there: the weekend rota was my old job.",
            "misunderstanding",
            "acknowledge",
            True,
        ),
        # owning a gap plainly in the first words, being candid, sharing the worry
        (
            "No, I haven't yet, but the assessor course starts on the 3rd.",
            "skills_gap",
            "acknowledge",
            True,
        ),
        ("Correct. The exam is booked for June.", "skills_gap", "acknowledge", True),
        ("I'm not going to lie, my spreadsheets are basic.", "skills_gap", "acknowledge", True),
        (
            "I'm not pleased with my Spanish either, so I take lessons.",
            "skills_gap",
            "acknowledge",
            True,
        ),
        ("Nah, that's a fair shout, I should have said.", "gap", "acknowledge", True),
        ("It does look patchy on paper, I know.", "gap", "acknowledge", True),
        ("Honestly, that's a blind spot of mine.", "skills_gap", "acknowledge", True),
        ("I realise I haven't run a site on my own yet.", "gap", "acknowledge", True),
        # ...but not when the same answer waves the need away
        ("No, I haven't, and I can't see why it would matter.", "skills_gap", "acknowledge", False),
        ("No, I haven't. How hard can it be, really?", "skills_gap", "acknowledge", False),
        ("True, though that ticket is a bit overrated.", "skills_gap", "acknowledge", False),
        (
            "It's not exactly a fair question, the whole region missed.",
            "misunderstanding",
            "acknowledge",
            False,
        ),
        # correcting the record with what was meant, or where it is written down
        (
            "Sorry, I meant I ran the team, not that I joined it late.",
            "misunderstanding",
            "address",
            True,
        ),
        (
            "It's on the second page of my CV, you can check it with the registry.",
            "misunderstanding",
            "address",
            True,
        ),
        (
            "My licence never lapsed, I kept paying the fee through my leave.",
            "misunderstanding",
            "address",
            True,
        ),
        # how many, how often, how big: a quantity makes the claim specific
        (
            "The depot I run ships about four thousand orders a day.",
            "misunderstanding",
            "address",
            True,
        ),
        ("I've chaired the safeguarding panel twice.", "gap", "address", True),
        ("At the guest house I looked after forty beds on my own.", "gap", "address", True),
        # what happened: the employer's fate, the reason, the date, where to check it
        ("The agency shut down in the spring, so that contract ended.", "gap", "address", True),
        ("I stepped back for a while because of my dad's illness.", "gap", "address", True),
        ("The points come off in the new year and it's clean otherwise.", "gap", "address", True),
        ("My old supervisor is happy to talk, you can ring her any time.", "gap", "address", True),
        # closing a skills gap alongside their people, against a target date, part done
        (
            "I'd spend my first fortnight working alongside one of your senior fitters.",
            "skills_gap",
            "address",
            True,
        ),
        ("I'm about halfway through the online module already.", "skills_gap", "address", True),
        # a hedge spoils what is near it, not a plan said well after it in a run-on answer
        (
            "ive done it a bit at home with my brother on his van and next month I'll shadow "
            "one of your senior engineers for two weeks",
            "skills_gap",
            "address",
            True,
        ),
        # with no concern, the strength restated as everyday work
        ("Lovely, thanks. Rota planning is my bread and butter.", "none", "address", True),
        # ...but a number alone, off the work, is not one
        ("I swim four times a week to keep fit.", "gap", "address", False),
        ("I'd be looking for about forty thousand.", "gap", "address", False),
        # a bare claim, a shrug of a correction, a non-answer
        ("I said I'd be okay with that.", "misunderstanding", "address", False),
        ("I've managed people, it's just not on the form.", "gap", "address", False),
        (
            "I'm not sure what to say, the first place closed and the second didn't suit me.",
            "gap",
            "address",
            False,
        ),
        # a plan with a date, even without the word "course"
        (
            "I enrolled with a local provider in March and I'm halfway through.",
            "skills_gap",
            "address",
            True,
        ),
        # experience for a skills gap counts only when argued to carry over, and not taken back
        (
            "I've spent four years on another booking system. It's much the same thing.",
            "skills_gap",
            "address",
            True,
        ),
        ("I've spent four years on another booking system.", "skills_gap", "address", False),
        (
            "I've spent four years on another system. It's similar, I think? I don't know.",
            "skills_gap",
            "address",
            False,
        ),
        # a figure of speech, or a skill barely touched, is not an answer
        ("I'm a hundred percent ready to give this everything.", "gap", "address", False),
        ("I've seen it a little on placement but never used it much.", "gap", "address", False),
        # ending on confidence in what they will do, or on the role as the next step
        ("I'll do a cracking job for you.", "gap", "high_note", True),
        ("Give me the chance and you won't regret it.", "gap", "high_note", True),
        ("For me this team is the natural next step.", "gap", "high_note", True),
        (
            "I ran the night desk for years, and that's what draws me to this job.",
            "gap",
            "high_note",
            True,
        ),
        ("I honestly can't wait to hear back.", "none", "high_note", True),
        # owning how it came across, then what was meant: calm, not defensive (a stranger's
        # "I'm sorry if it came across that way. That's not what I meant." was refused)
        (
            "I'm sorry if it came across that way. That's not what I meant.",
            "misunderstanding",
            "acknowledge",
            True,
        ),
        ("That's not what I said, you misheard me.", "misunderstanding", "acknowledge", False),
        (
            "I'd be looking at staying for years, not months, and I'd love to grow here.",
            "gap",
            "high_note",
            True,
        ),
        ("I'd really love this one, so thanks for seeing me.", "none", "high_note", True),
        # glad to take it on, at their best there, the role as the right place, ready
        ("I'd be more than glad to take the early rota on.", "gap", "high_note", True),
        ("Busy wards are where I'm happiest, honestly.", "misunderstanding", "high_note", True),
        ("So that side of the job really appeals.", "gap", "high_note", True),
        ("After all that, this place feels like the right home for me.", "gap", "high_note", True),
        ("Those years at sea set me up well for this.", "gap", "high_note", True),
        ("So I'm licensed again and ready to drive.", "gap", "high_note", True),
        ("I'd be dead keen to give it a go.", "skills_gap", "high_note", True),
        ("I'm itching to get back on the wards.", "gap", "high_note", True),
        ("I'd be fully up to speed by Christmas.", "skills_gap", "high_note", True),
        # ending on vague reassurance, a concession or a comparison that undercuts it
        ("I'll get it, I'm a quick learner.", "skills_gap", "high_note", False),
        ("You're right, I'm sure it is. I'll try my best.", "gap", "high_note", False),
        ("Still, the paperwork is what I'm more comfortable with.", "gap", "high_note", False),
        ("I'm not sure I'd do a great job, to be honest.", "gap", "high_note", False),
        ("I guess I'll wait to hear from you.", "none", "high_note", False),
    ],
)
def test_what_answers_a_concern(text, kind, part, expected):
    assert parts(text, kind)[part] is expected
