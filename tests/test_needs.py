"""A role's needs, from their own words: what the fit check listens for with a scenario."""

from __future__ import annotations

import pytest

from voiceclose.app import scenarios
from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.check.engine import check
from voiceclose.check.feedback import feedback_for
from voiceclose.check.needs import RoleNeed, need_terms, role_needs, same_stem, shared_terms, stem
from voiceclose.check.rules import load_rules

WAREHOUSE = ["improving pick accuracy", "leading the night shift"]


def fit(text: str, needs) -> tuple[bool, list[str]]:
    e = check(transcript_from_text(text).words, needs=needs).elements["fit"]
    return e.found, e.needs


def test_stems_meet_across_word_forms():
    assert stem("picking") == stem("picks") == "pick"
    assert stem("running") == "run" and stem("process") == "process"
    assert same_stem(stem("accuracy"), stem("accurate"))
    assert same_stem(stem("clienteling"), stem("clients"))
    assert not same_stem(stem("part"), stem("particular"))


def test_a_need_is_listened_for_in_its_content_words():
    ignore = frozenset(load_rules().words("needs", "ignore"))
    assert need_terms(RoleNeed("improving pick accuracy"), ignore) == ("pick", stem("accuracy"))
    assert need_terms(RoleNeed("leading the night shift"), ignore) == ("night", "shift")
    assert need_terms(RoleNeed("troubleshooting Office 365"), ignore)[-1] == "365"
    assert shared_terms(
        ("pick", "accuracy"), ["we", "got", "mispicks", "down", "and", "accuracy", "up"]
    )


def test_fit_with_a_scenario_is_experience_tied_to_its_needs():
    said = "On pick accuracy, at my last depot I took us from 96 to 99 percent in a year."
    assert fit(said, WAREHOUSE) == (True, ["improving pick accuracy"])
    said = "I've run the night shift at an Amazon site for three years."
    assert fit(said, WAREHOUSE) == (True, ["leading the night shift"])


def test_experience_tied_to_something_the_role_does_not_need_is_not_fit():
    said = (
        "You said the payments API has to stay reliable; at my last company I owned our "
        "payments service."
    )
    assert check(transcript_from_text(said).words).elements["fit"].found  # no scenario: fit
    assert fit(said, WAREHOUSE) == (False, [])


def test_a_miss_gets_a_tip_naming_the_roles_needs():
    leader = scenarios.find("warehouse-team-leader")
    said = "At my last company I owned our payments service. Thanks for your time."
    result = check(transcript_from_text(said).words, needs=leader.needs)
    tip = next(t for t in feedback_for(result, leader).tips if t.element == "fit")
    assert "improving pick accuracy" in tip.tip and "leading the night shift" in tip.tip


def test_needs_without_listen_for_work_and_scenario_needs_convert():
    assert role_needs(["speed"]) == (RoleNeed("speed"),)
    leader = scenarios.find("warehouse-team-leader")
    converted = role_needs(leader.needs)
    assert [n.what for n in converted] == WAREHOUSE and converted[0].listen_for
    bare = [RoleNeed(n.what) for n in converted]
    assert fit("I led a night shift team of forty pickers for two years.", bare)[0]


def test_praise_names_the_needs_covered():
    said = "I've run the night shift at an Amazon site for three years."
    result = check(transcript_from_text(said).words, needs=WAREHOUSE)
    assert "leading the night shift" in feedback_for(result).praise[0]


def test_doubt_and_a_bare_claim_cancel_fit_with_a_scenario_too():
    assert not fit(
        "I'm not sure my night shift experience is enough, I've only done a few.", WAREHOUSE
    )[0]
    assert not fit("My experience covers everything you need on pick accuracy.", WAREHOUSE)[0]


@pytest.mark.parametrize(
    "text, needs, expected",
    [
        # home life and plans told as experience; a skill only met in class
        (
            "I've got two rescue dogs of my own, so I know nervous dogs.",
            ["handling nervous dogs"],
            False,
        ),
        ("I've already planned my first budget for you.", ["budget planning"], False),
        ("I've only worked on budget planning at college.", ["budget planning"], False),
        (
            "I would like to thank the volunteers I met in the garden.",
            ["working with volunteers"],
            False,
        ),
        # experience in non-standard or non-native grammar; a yearly habit is not experience
        ("I been fitting kitchens nine year, all over the county.", ["fitting kitchens"], True),
        ("I'm plastering twelve years, ceilings and all.", ["plastering ceilings"], True),
        ("I work in a hotel laundry, early mornings, four years.", ["early mornings"], True),
        ("I hope to be managing the team in five years.", ["managing the team"], False),
        ("I've got three godchildren and I mind them most weekends.", ["childcare"], False),
        (
            "I have got a lot on my mind right now, the main thing is the commute.",
            ["the commute"],
            False,
        ),
        (
            "I spent three years at a rescue centre handling nervous dogs.",
            ["handling nervous dogs"],
            True,
        ),
        # experience told as a trade learnt young, a post held now, or a daily amount
        ("I been on the grill at a diner for four years, weekends too.", ["grill cooking"], True),
        ("I serve sixty tables in one shift at a seaside café.", ["serving tables"], True),
        (
            "Client onboarding? That's exactly what I did at the bank for three years.",
            ["client onboarding", "fraud checks"],
            True,
        ),
        (
            "I noticed the client onboarding pack in reception this morning while waiting. "
            "I've done retail for three years.",
            ["client onboarding", "fraud checks"],
            False,
        ),
        ("I've been thatching roofs since I was fifteen.", ["thatching roofs"], True),
        ("I am head of maths at a comprehensive in Hull.", ["teaching maths"], True),
        ("I clean about twenty holiday lets a week.", ["cleaning holiday lets"], True),
        # what the candidate does now, with how much or how often, in plain or non-native words
        ("I oversee about thirty deliveries a shift at the depot.", ["managing deliveries"], True),
        ("I cover single-handed most weekends at a village pharmacy.", ["working alone"], True),
        ("I am clean twelve cabins a day on the ferry.", ["speed"], True),
        ("I'm a roofer so I'm carrying slates up ladders all day.", ["physical fitness"], True),
        ("I'm dying to be answering phones all day, can't wait.", ["answering phones"], False),
        # kinds of need told in the work's own terms
        ("I've held about eighty open cases at the council for years.", ["heavy caseload"], True),
        (
            "At my last coffee shop we did three hundred coffees before nine most days.",
            ["speed during the rush"],
            True,
        ),
        (
            "Last year I got most of my Year 6 class to a level five or above.",
            ["raising results"],
            True,
        ),
        (
            "I've run the COPD and diabetes reviews at my surgery for years.",
            ["chronic disease"],
            True,
        ),
        (
            "I've done plumbing and tiling for a letting agent for five years.",
            ["maintenance"],
            True,
        ),
        (
            "I was keyholder at a supermarket, locking up every night for two years.",
            ["building security"],
            True,
        ),
        (
            "I've worked the door at a nightclub for four years and broken up plenty of fights.",
            ["dealing with conflict"],
            True,
        ),
        ("I've run the diabetes clinics at my surgery for years.", ["building security"], False),
        # a result that was someone else's doing is not the candidate's experience
        (
            "I was on the team that cut waste by a third, but it was mostly my boss's idea.",
            ["cutting waste"],
            False,
        ),
        ("I only shadowed the audits really, I just took notes.", ["running audits"], False),
        (
            "I worked on the launch that doubled our sign-ups, though honestly it was mainly "
            "the director's idea.",
            ["doubling sign-ups"],
            False,
        ),
        # a plan, a course to come or learning just begun is not experience
        ("I'm hoping to take a forklift course in the spring.", ["forklift driving"], False),
        ("I plan to study bookkeeping at night school this year.", ["bookkeeping"], False),
        ("I have enrolled on a first aid course for next month.", ["first aid"], False),
        ("I've been learning Python online in the evenings.", ["Python"], False),
        ("I will finish the food hygiene certificate before I start.", ["food hygiene"], False),
        ("I've run Python pipelines at my current job for three years.", ["Python"], True),
        # a fan of their products, a hobby or a favour for friends is not experience of the work
        (
            "I'm a huge gamer and I've spent hundreds of hours in your racing games.",
            ["racing games"],
            False,
        ),
        (
            "I've used everything you've made, I've been using your accounting apps for years.",
            ["accounting apps"],
            False,
        ),
        (
            "I've designed racing games at a studio in Leeds for six years.",
            ["designing racing games"],
            True,
        ),
        ("I've been fixing my mates' bikes at weekends for years.", ["fixing bikes"], False),
        (
            "I've been a customer of yours for years, so I know the products.",
            ["product knowledge"],
            False,
        ),
        ("I've shopped here every week since I was small.", ["knowing the store layout"], False),
        (
            "I've been a customer service adviser at a bank for five years.",
            ["customer service"],
            True,
        ),
        # pets and children of one's own told as experience of the work
        (
            "We've got three anxious rescue greyhounds at home, so I'm used to nervous dogs.",
            ["handling nervous dogs"],
            False,
        ),
        ("My own kids are toddlers, so I'm used to tantrums.", ["toddler tantrums"], False),
        ("I had two ponies of my own growing up, so I know horses.", ["caring for horses"], False),
        (
            "I've handled nervous dogs at a grooming salon for four years.",
            ["handling nervous dogs"],
            True,
        ),
        # a hypothetical or a promise; someone else's years; a hobby or a sport
        (
            "If I got the job I would set up a proper stock rotation system for you.",
            ["stock rotation"],
            False,
        ),
        ("When I get the role I'll run the rota the way you want.", ["running the rota"], False),
        (
            "My brother has run a forklift for ten years, so it's in the family.",
            ["forklift experience"],
            False,
        ),
        ("My mum was a district nurse for twenty years.", ["district nursing"], False),
        (
            "Once I got my HGV licence I drove multi-drop routes for six years.",
            ["route planning"],
            True,
        ),
        (
            "For my partner's business I did all the payroll for three years, twenty staff.",
            ["payroll"],
            True,
        ),
        ("I've been fixing up old bikes in my shed for years as a hobby.", ["bike repairs"], False),
        ("I've played five-a-side every week for years, so I'm pretty fit.", ["fitness"], False),
        (
            "I've repaired bikes at a shop for five years, it started as a hobby.",
            ["bike repairs"],
            True,
        ),
        # a customer's habit just before is not the need named; a fragment naming it is
        (
            "I'm in here every morning. I've done the stock ordering at a pub for a year.",
            ["the morning rush"],
            False,
        ),
        (
            "The morning rush? I've done six years of those at a station kiosk.",
            ["the morning rush"],
            True,
        ),
        # watching others do it, or a taster session, is not experience of the work
        (
            "My team at the bank did all the onboarding; I mainly sat in on the calls.",
            ["client onboarding"],
            False,
        ),
        ("I did a one-day taster on forklifts at college years ago.", ["forklift driving"], False),
        ("I had a go on the welding demo at the open day last year.", ["welding"], False),
        ("I took one Excel class at school.", ["Excel"], False),
        ("I sat a couple of bookkeeping lessons at college.", ["bookkeeping"], False),
        # where the work began is not something done
        ("My old science teacher is the reason I got into lab work.", ["lab work"], False),
        ("Watching my grandad is how I first got into carpentry.", ["carpentry"], False),
        (
            "That's how I got started in bookkeeping, and I've done the books for a builder's "
            "firm for six years.",
            ["bookkeeping"],
            True,
        ),
        ("I've been fixing customers' bikes at a shop for six years.", ["fixing bikes"], True),
        # where a skill was learnt, named inside "thanks to": not something the candidate did
        (
            "Thanks to my first supervisor I learnt how to do stock takes properly.",
            ["stock takes"],
            False,
        ),
        ("My own maths results were not great at school, to be fair.", ["maths results"], False),
        (
            "My maths results at the academy went up every year I taught there.",
            ["maths results"],
            True,
        ),
        ("Thanks to my apprenticeship I know the basics of wiring.", ["wiring"], False),
        ("Owing to my degree I understand statistics well.", ["statistics"], False),
        (
            "Thanks to my team at the depot we cut late deliveries by half, and I led that.",
            ["cutting late deliveries"],
            True,
        ),
    ],
)
def test_what_is_not_experience_of_the_need(text, needs, expected):
    assert check(transcript_from_text(text).words, needs=needs).elements["fit"].found is expected


def test_by_the_rules_alone_one_of_a_need_s_own_words_ties_it(monkeypatch):
    """The live checklist (and a machine without the model) reads no meaning: one word of a need
    that no other need holds ties it; a word the checker ignores ("working") or one both needs
    hold ("food") does not."""
    care = ["caring for residents with dementia", "working night shifts at short notice"]
    assert fit("I did four years of nights at a 24-hour Tesco.", care) == (
        True,
        ["working night shifts at short notice"],
    )
    assert fit("I've been working in a call centre for three years.", care) == (False, [])
    chef = ["keeping the food consistent on busy services", "bringing food costs down"]
    said = "At my last restaurant I cut our food costs by a fifth."
    assert fit(said, chef) == (True, ["bringing food costs down"])


def test_explain_says_how_the_experience_was_tied_to_each_need():
    """--explain names the need and how it was heard: its phrase, its words (and meaning, with
    the semantic signal), or in the sentence beside the experience."""
    said = "You said the night shift is short of people. I've run a team of forty for years."
    result = check(transcript_from_text(said).words, needs=WAREHOUSE)
    reasons = [c.reason for c in result.candidates if c.element == "fit" and c.accepted]
    assert reasons, result.candidates
    for r in reasons:
        assert 'tied to the need: leading the night shift (its phrase "night (shift' in r, r
        assert r.endswith(", in the sentence before)"), r


def test_names_written_with_symbols_are_needs_and_heard_written_or_said():
    """ "C#" and "C++" were no word at all ("c" is too short to say anything), so a developer's
    "C#" need was refused and "C++ and Python" was heard as "python" alone."""
    from voiceclose.app.own_scenarios import heard_by
    from voiceclose.check.normalise import sentences

    ignore = frozenset(load_rules().words("needs", "ignore"))
    assert need_terms(RoleNeed("C#"), ignore) == ("csharp",)
    assert need_terms(RoleNeed("C++ and Python"), ignore)[0] == "cplusplus"
    assert heard_by("reliable .NET services") == ("reliable", ".NET", "services")
    said = "I wrote C# and C plus plus, then .NET services; asp.net too. She sang C sharp."
    assert [s.text for s in sentences(said.split())] == [
        "i wrote csharp and cplusplus , then dotnet services , asp net too .",
        "she sang csharp .",
    ]
    assert [s.text for s in sentences(["C-grade,", "C."])] == ["c grade , c ."]
    dev = ["C++ and Python", "C#"]
    said = "I've written C# for six years and shipped a payments service in it."
    assert fit(said, dev) == (True, ["C#"])
    said = "I've been writing C++ for trading systems since 2019."
    assert fit(said, dev) == (True, ["C++ and Python"])
