"""Field knowledge: experience that speaks to a kind of need without the need's own words."""

from __future__ import annotations

import pytest

from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.check.engine import check
from voiceclose.check.fields import kinds_of, load_fields
from voiceclose.check.patterns import PatternError
from voiceclose.check.rules import load_rules


def fit(text: str, needs: list[str]) -> tuple[bool, list[str]]:
    e = check(transcript_from_text(text).words, needs=needs).elements["fit"]
    return e.found, e.needs


def test_a_need_is_a_kind_by_its_own_words_and_stems():
    assert [f.kind for f in kinds_of("keeping calm with irate callers")] == [
        "difficult or angry people"
    ]
    assert "working alone" in [f.kind for f in kinds_of("lone working on remote sites")]
    assert kinds_of("writing blog posts") == []
    # a stem that only begins like a kind's word is not that kind
    assert kinds_of("being friendly with regulars") == []
    assert kinds_of("getting through 120 drops a day") == [
        f for f in kinds_of("getting through 120 drops a day") if f.kind == "speed and volume"
    ]


@pytest.mark.parametrize(
    "text, needs",
    [
        (
            "I spent four years on a council housing repairs line, tenants yelling at me most days.",
            ["staying calm with upset tenants", "booking jobs"],
        ),
        (
            "I worked as a mobile vet nurse for three years with nobody to call on most visits.",
            ["working independently", "exotic animals"],
        ),
        (
            "At my last practice I coached four junior dental nurses through their first year.",
            ["mentoring new starters", "radiography"],
        ),
        (
            "I managed a nursery that went from requires improvement to outstanding in a year.",
            ["Ofsted inspections", "staff rotas"],
        ),
        (
            "I've done eleven years on a motorway recovery truck, twelve hour nights mostly.",
            ["staying alert on long shifts", "towing"],
        ),
        (
            "I was a postie on these streets for six years, I grew up round here.",
            ["knowing the area", "parcel scanning"],
        ),
        (
            "In nine years at the depot I never once missed a shift.",
            ["punctuality", "forklift licence"],
        ),
        (
            "I spent five years as a window cleaner on high rise blocks in Leeds.",
            ["working at heights", "customer service"],
        ),
        (
            "I've been a roofer for twelve years, slate and tile mostly.",
            ["comfortable on ladders", "invoicing"],
        ),
        (
            "I did three years labouring for a bricklayer, lugging bricks up and down all day.",
            ["physical stamina", "driving licence"],
        ),
        (
            "My last site went eighteen months with zero accidents and I ran the toolbox talks.",
            ["site safety", "pricing jobs"],
        ),
        (
            "I led the fit-out of a forty-room hotel and we handed it over a week early.",
            ["hitting deadlines", "supplier management"],
        ),
        (
            "I've got my forklift licence and I drove a telehandler on farms for four years.",
            ["operating machinery", "stock counts"],
        ),
        (
            "I currently handle about ninety files at any one time, mostly remortgages.",
            ["a heavy caseload", "client care"],
        ),
        (
            "I planned the routes for twenty vans at a parcel depot for three years.",
            ["route planning", "customer complaints"],
        ),
        (
            "I ran the toddler group and the holiday club at our community centre for four years.",
            ["running children's activities", "bookkeeping"],
        ),
        (
            "At my last school our maths pass rate went from 52 to 74 percent in two years.",
            ["raising exam results", "pastoral care"],
        ),
        (
            "I beat my sales target every quarter for three years and grew my patch by a third.",
            ["growing sales in the territory", "CRM hygiene"],
        ),
        (
            "I cook about eighty covers in one service at a busy gastropub.",
            ["working at speed", "menu costing"],
        ),
    ],
)
def test_experience_told_in_field_terms_speaks_to_the_need(text, needs):
    found, covered = fit(text, needs)
    assert found and covered == [needs[0]]


@pytest.mark.parametrize(
    "text, needs",
    [
        # the field words alone, with no experience of the candidate's own
        ("Customers shouting at staff must be hard to deal with.", ["calm with angry customers"]),
        # experience, but of something this kind of need does not cover
        ("I spent five years running a wine bar's social media.", ["working autonomously"]),
        # doing one task single-handed is not working without supervision
        ("Last spring I did three hundred flu jabs single-handed.", ["working unsupervised"]),
        # climbing as a hobby is not experience; a safety course is not a safety record
        ("I love climbing on the wall at my gym at weekends.", ["working at height"]),
        ("I've been meaning to do a forklift course for ages.", ["operating machinery"]),
    ],
)
def test_field_words_without_matching_experience_are_not_fit(text, needs):
    assert fit(text, needs) == (False, [])


def test_every_fields_heard_patterns_compile():
    rules = load_rules()
    for field in load_fields():
        for pattern in field.heard:
            assert rules.compile_extra([pattern]).patterns[0].regex, (field.kind, pattern)


def test_the_field_data_is_checked_against_its_contract(tmp_path):
    assert len(load_fields()) >= 10
    bad = tmp_path / "fields.toml"
    bad.write_text('[[field]]\nkind = "x"\nneeds = ["a"]\nheard = ["b"]\nlisten = ["c"]\n')
    with pytest.raises(PatternError, match="unknown key 'listen'"):
        load_fields(bad)
    bad.write_text('[[field]]\nkind = "x"\nneeds = "a"\nheard = ["b"]\n')
    with pytest.raises(PatternError, match="'needs'"):
        load_fields(bad)
