"""Practice scenarios: enough of them, well formed, and used by the checker and the tips."""

from __future__ import annotations

import random
import re

import pytest

from voiceclose.app import scenarios
from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.check.engine import check
from voiceclose.check.feedback import feedback_for
from voiceclose.errors import ScenarioError, UsageError


def test_at_least_ten_scenarios_across_fields_and_seniorities():
    found = scenarios.available()
    assert len(found) >= 10
    assert len({s.field for s in found}) >= 8 and len({s.seniority for s in found}) >= 5
    for s in found:
        assert s.role and s.organisation and s.interviewer and s.moment
        assert 2 <= len(s.needs) <= 3 and all(n.what and n.listen_for for n in s.needs)


def test_every_scenario_compiles_into_checker_patterns():
    for s in scenarios.available():
        check(
            transcript_from_text("I ran the night shift for four years.").words,
            needs=s.needs,
        )


def test_fit_looks_for_this_scenarios_needs():
    nurse = scenarios.find("emergency-nurse")
    said = transcript_from_text(
        "I have spent five years running triage in a busy department."
    ).words
    assert not check(said).elements["fit"].found
    assert check(said, needs=nurse.needs).elements["fit"].found


def test_no_phrase_listened_for_is_only_the_roles_own_name():
    """A phrase that is only a word of the role's name hears every candidate saying what the job
    is: "junior nurses|staff" ticked "supporting newly qualified nurses" for "six years as a
    staff nurse" (a stranger's live line, six seconds in); likewise "commercial" for a commercial
    electrician, "team" for a team leader."""
    from voiceclose.check.needs import stem

    for s in scenarios.available():
        named = {stem(w) for w in re.findall(r"[a-z]+", f"{s.role} {s.field}".lower())}
        for need in s.needs:
            for phrase in (p for listen in need.listen_for for p in listen.split("|")):
                words = {stem(w) for w in re.findall(r"[a-z]+", phrase.lower())}
                assert not words <= named, (s.name, need.what, phrase)


def test_tips_use_the_interviewer_and_the_role():
    chef = scenarios.find("head-chef")
    result = check(transcript_from_text("Thanks for the trial shift.").words, needs=chef.needs)
    tips = feedback_for(result, chef).tips
    assert {t.element for t in tips} == {"interest", "fit", "reservations"}
    text = " ".join(t.tip + " " + t.example for t in tips)
    assert "Marco" in text and "head chef" in text and "food costs" in text


def test_one_is_chosen_when_none_is_given():
    assert scenarios.choose(random.Random(1)).name in {s.name for s in scenarios.available()}


def test_unknown_and_malformed_scenarios(tmp_path, cli):
    with pytest.raises(UsageError, match="there are"):
        scenarios.find("astronaut")
    (tmp_path / "broken.toml").write_text('role = "x"\n')
    with pytest.raises(ScenarioError, match="missing"):
        scenarios.available(tmp_path)
    assert cli("practice", "--scenario", "astronaut").code == 2
    assert cli("practice", "--prompt", "astronaut").code == 2  # the flag's first name


def test_scenarios_lists_them(cli):
    run = cli("scenarios")
    assert run.code == 0 and len(run.lines) >= 10 and "emergency-nurse" in run.out
    assert all("role" in row and "needs" in row for row in cli("scenarios", "--json").json())
    assert cli("prompts").out == run.out  # the command's first name
    # a long name of your own keeps the columns aligned (a stranger's ran into its text)
    new = ("--role", "picker", "--organisation", "Acme", "--interviewer", "Dana", "--need", "picks")
    assert cli("scenario", "new", "--name", "warehouse-picker-acme-logistics", *new).code == 0
    lines = cli("scenarios").lines
    columns = {len(line) - len(line[2:].split(" ", 1)[1].lstrip()) for line in lines[:-1]}
    assert len(columns) == 1, lines


def test_your_own_needs_are_heard_by_their_words_and_meaning_not_any_one_word(cli, tmp_path):
    """A need of your own is read as the checker reads any need: "working" in a call centre is
    not "working night shifts", a story of food costs is not "keeping the food consistent" for
    the word "food" both needs hold, "a large number of refunds" grows no loyalty customers."""
    run = cli(
        "scenario", "new", "--name", "till-supervisor", "--role", "checkout supervisor",
        "--organisation", "Greens", "--interviewer", "Sam",
        "--need", "keeping customers happy at the tills",
        "--need", "growing the number of loyalty customers",
        "--need", "working night shifts",
    )  # fmt: skip
    assert run.code == 0, run.err
    assert "“working night shifts”: night, shifts, and what they mean" in run.out
    own = scenarios.find("till-supervisor")
    assert [n.listen_for for n in own.needs] == [(), (), ()]

    def needs_of(said: str) -> list[str] | None:  # as the report has it
        close = tmp_path / "said.txt"
        close.write_text(f"I really want this job. {said}")
        run = cli("check", close, "--scenario", "till-supervisor", "--json", "--no-history")
        fit = run.json()[0]["elements"]["fit"]
        return fit["needs"] if fit["found"] else None

    assert needs_of("I've been working in a call centre for three years.") is None
    assert needs_of("I handled a large number of refunds every week for five years.") is None
    assert needs_of("I did four years of night shifts at a 24-hour Tesco.") == [
        "working night shifts"
    ]
    run = cli(
        "scenario", "new", "--name", "bell-chef", "--role", "head chef", "--organisation",
        "The Bell", "--interviewer", "Sam", "--need", "keeping the food consistent on busy services",
        "--need", "bringing food costs down",
    )  # fmt: skip
    assert run.code == 0, run.err
    close = tmp_path / "close.txt"
    close.write_text(
        "At my last restaurant I rebuilt the ordering with our suppliers and cut our food "
        "costs by a fifth in six months."
    )
    run = cli("check", close, "--scenario", "bell-chef", "--json", "--no-history")
    assert run.json()[0]["elements"]["fit"]["needs"] == ["bringing food costs down"]


def test_scenario_new_saves_your_own_and_the_checker_uses_it(cli):
    import stat

    from voiceclose.paths import own_scenarios_dir

    run = cli(
        "scenario", "new", "--name", "acme-picker", "--role", "warehouse picker",
        "--organisation", "Acme Logistics", "--interviewer", "Dana", "--pronoun", "she",
        "--need", "pick accuracy", "--concern", "skills_gap:no forklift licence",
        "--concern", "a gap in my CV",
    )  # fmt: skip
    assert run.code == 0, run.err
    path = own_scenarios_dir() / "acme-picker.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert 'kind = "skills_gap"' in path.read_text() and 'kind = "gap"' in path.read_text()
    own = scenarios.find("acme-picker")
    assert own.own and own.pronoun == "she" and "Dana" in own.moment
    said = transcript_from_text("I kept my pick accuracy at 99 percent for three years.").words
    assert not check(said).elements["fit"].found
    assert check(said, needs=own.needs).elements["fit"].found
    listing = cli("prompts")
    assert "* acme-picker" in listing.out
    assert cli("scenario", "remove", "acme-picker").code == 0 and not path.exists()


def test_scenario_new_refuses_bad_values_in_one_line(cli):
    base = ["scenario", "new", "--role", "r", "--organisation", "o", "--interviewer", "i"]
    for extra, said in [
        (["--name", "emergency-nurse", "--need", "x"], "bundled"),
        (["--name", "../x", "--need", "x"], "letters, digits"),
        (["--name", "a.b", "--need", "x"], "letters, digits"),
        (["--name", "ok"], "--need"),
        (["--name", "ok", "--need", "stock", "--pronoun", "it"], "she, he, they"),
        (["--name", "ok", "--need", "the"], "has no word to listen for"),
        (["--name", "ok", "--need", "stock", "--concern", "oops:thing"], "unknown kind"),
    ]:
        run = cli(*base, *extra)
        assert run.code == 2 and said in run.err and len(run.err.strip().splitlines()) == 1
    assert cli("scenario", "remove", "emergency-nurse").code == 2
    assert cli("scenario", "remove", "nosuch").code == 2


def test_tips_are_lines_a_person_could_say_with_the_interviewers_pronoun():
    nurse = scenarios.find("emergency-nurse")
    tips = feedback_for(check(transcript_from_text("Hello.").words), nurse).tips
    text = " ".join(t.tip + " " + t.example for t in tips)
    assert "Thank Priya for her time" in text and "gives her pause" in text
    assert "needs getting" not in text and "here's the result it had" not in text
    assert "You talked about getting patients triaged faster;" in text
    plain = " ".join(t.example for t in feedback_for(check(transcript_from_text("Hi.").words)).tips)
    assert "clinic" not in plain


def test_a_need_put_as_a_verb_is_said_as_ing():
    from voiceclose.check.feedback import as_said

    assert as_said("cut waiting times") == "cutting waiting times"
    assert as_said("manage the rota") == "managing the rota"
    assert as_said("pick accuracy") == "pick accuracy"


def test_scenario_new_at_a_terminal_checks_each_answer_as_it_is_given(monkeypatch, capsys):
    """A bad name, pronoun, need or concern is said at once and asked again: nothing typed
    before it is lost."""
    from voiceclose.cli import scenario as command

    typed = iter(
        ["Cafe Barista!", "cafe-barista", "barista", "Bean Co", "Tom", "Tom", "he",
         "the", "latte art", "", "oops:thing", "skills_gap:you have not used a La Marzocco", ""]
    )  # fmt: skip
    monkeypatch.setattr("builtins.input", lambda prompt: next(typed))
    values = dict.fromkeys(("name", "role", "organisation", "interviewer", "pronoun"))
    needs, concerns = [], []
    command._ask_missing(values, needs, concerns, replace=False)
    assert values == {
        "name": "cafe-barista",
        "role": "barista",
        "organisation": "Bean Co",
        "interviewer": "Tom",
        "pronoun": "he",
    }
    assert needs == ["latte art"] and concerns == ["skills_gap:you have not used a La Marzocco"]
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 4 and all(line.endswith("try again.") for line in said)


def test_scenario_new_at_a_terminal_refuses_a_name_in_use_before_asking_more(
    cli, user_home, monkeypatch, capsys
):
    from voiceclose.cli import scenario as command

    made = cli("scenario", "new", "--name", "mine", "--role", "r", "--organisation", "o",
               "--interviewer", "Ann", "--need", "pick accuracy")  # fmt: skip
    assert made.code == 0, made.err
    typed = iter(["mine", "mine-2", ""])  # no concerns
    monkeypatch.setattr("builtins.input", lambda prompt: next(typed))
    values = {"name": None, "role": "r", "organisation": "o", "interviewer": "A", "pronoun": "she"}
    command._ask_missing(values, ["pick accuracy"], [], replace=False)
    assert values["name"] == "mine-2"
    said = capsys.readouterr().err
    assert "you already have a scenario called 'mine'" in said


def test_scenario_new_says_every_problem_at_once(cli):
    """A stranger's form was refused one problem at a time (a bad name; then, on the next try,
    the concern's kind; the sixth need never)."""
    needs = [a for n in range(6) for a in ("--need", f"need number {n + 1}")]
    run = cli(
        "scenario", "new", "--name", "../evil", "--role", "r", "--organisation", "o",
        "--interviewer", "Ann", *needs, "--concern", "oops:you have not done it",
    )  # fmt: skip
    assert run.code == 2
    line = run.err.strip()
    assert "\n" not in line, line  # one line
    assert "not '../evil'" in line and "at most 5 needs" in line, line
    assert "unknown kind of concern 'oops'" in line, line


def test_scenario_names_are_one_name_whatever_the_capitals(cli, tmp_path):
    """On a case-blind disk (macOS, Windows) Shop-Sup and shop-sup are one file; typed in other
    capitals, a name still finds its one scenario; a need given twice is said to be."""
    new = ("--role", "supervisor", "--organisation", "Greens", "--interviewer", "Sam")
    run = cli("scenario", "new", "--name", "Store-Manager", *new, "--need", "stock accuracy")
    assert run.code == 2 and "'store-manager' is a bundled scenario's name" in run.err
    assert cli("scenario", "new", "--name", "shop-sup", *new, "--need", "stock accuracy").code == 0
    for replace in ((), ("--replace",)):
        run = cli("scenario", "new", "--name", "Shop-Sup", *replace, *new, "--need", "stock")
        assert run.code == 2 and "you already have a scenario called 'shop-sup'" in run.err
    run = cli(
        "scenario", "new", "--name", "tills", *new, "--need", "stock accuracy",
        "--need", "Stock  accuracy",
    )  # fmt: skip
    assert run.code == 2 and "the need 'Stock accuracy' is given twice" in run.err
    run = cli("scenario", "new", "--name", "caps", *new, "--need", "ACCURATE DATA ENTRY")
    assert run.code == 0 and "“accurate data entry”" in run.out, run.err
    close = tmp_path / "close.txt"
    close.write_text("I really want this job. Thanks for your time.")
    for name in ("SHOP-SUP", "Head-Chef"):
        run = cli("check", close, "--scenario", name, "--json", "--no-history")
        assert run.code == 1 and run.json()[0]["ok"], run.err
