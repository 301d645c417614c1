"""voiceclose scenario new / remove: the user's own interview as a practice scenario. At a
terminal, whatever the flags left out is asked for; without one, missing values are an error."""

from __future__ import annotations

import argparse
import sys

from voiceclose.cli.status import EXIT_COMPLETE
from voiceclose.cli.terminal import fitted
from voiceclose.errors import UsageError

QUESTIONS = (  # (field, question) asked at a terminal for what the flags left out
    ("name", "A short name for this scenario (letters, digits, - and _)"),
    ("role", "The role you applied for"),
    ("organisation", "The organisation"),
    ("interviewer", "The interviewer's name"),
    ("pronoun", "Refer to them as she, he or they"),
)


def new(args: argparse.Namespace) -> int:
    from voiceclose.app.own_scenarios import NewScenario, create, heard_by

    values = {key: getattr(args, key) for key, _ in QUESTIONS}
    needs, concerns = list(args.need or []), list(args.concern or [])
    if sys.stdin.isatty():
        _ask_missing(values, needs, concerns, replace=args.replace)
    missing = [f"--{key}" for key, value in values.items() if key != "pronoun" and not value]
    if missing or not needs:
        missing += [] if needs else ["--need"]
        raise UsageError(f"scenario new needs {', '.join(missing)}")
    scenario = create(
        NewScenario(
            name=values["name"],
            role=values["role"],
            organisation=values["organisation"],
            interviewer=values["interviewer"],
            pronoun=values["pronoun"] or "they",  # create() checks and normalises it
            needs=needs,
            concerns=concerns,
        ),
        replace=args.replace,
    )
    print(f"Saved your scenario {scenario.name!r}: {scenario.role} at {scenario.organisation}.")
    for need in scenario.needs:
        words = ", ".join(heard_by(need.what))
        print(f"  listening for “{need.what}”: {words}, and what they mean")
    print(f"Practise it: voiceclose practice --scenario {scenario.name}")
    return EXIT_COMPLETE


def remove(args: argparse.Namespace) -> int:
    from voiceclose.app.own_scenarios import remove as remove_scenario

    path = remove_scenario(args.name)
    print(f"Removed your scenario {args.name!r} ({path}).")
    return EXIT_COMPLETE


def _ask_missing(values: dict, needs: list[str], concerns: list[str], replace: bool) -> None:
    """Ask at the terminal for what the flags left out; each answer is checked as it is given
    (a bad one is said in one line and asked again), so nothing typed is lost at the end."""
    from voiceclose.app.own_scenarios import (
        CONCERN_KINDS,
        MAX_NEEDS,
        check_need,
        check_new_name,
        check_pronoun,
        parse_concern,
    )

    checks = {"name": lambda name: check_new_name(name, replace), "pronoun": check_pronoun}
    for key, question in QUESTIONS:
        while not values[key]:
            answer = _ask(question + ("" if key != "pronoun" else " [they]"))
            if answer or key == "pronoun":  # no pronoun given: they
                values[key] = _checked(checks.get(key, str.strip), answer)
    if not needs:
        print(
            fitted(
                "What did the interviewer say the role needs most? One per line, empty to finish."
            )
        )
        while len(needs) < MAX_NEEDS:
            need = _ask(f"  need {len(needs) + 1}")
            if not need:
                if needs:
                    break
                continue
            if _checked(check_need, need):
                needs.append(need)
    if not concerns:
        print(
            fitted(
                "Any concern you expect them to raise, as they would say it? (KIND:TEXT, KIND one "
                f"of {', '.join(CONCERN_KINDS)}; empty to finish)"
            )
        )
        while True:
            concern = _ask(f"  concern {len(concerns) + 1}")
            if not concern:
                break
            if _checked(parse_concern, concern):
                concerns.append(concern)


def _checked(check, answer: str):
    """``check(answer)``, or None after saying in one line why the answer cannot be used."""
    try:
        return check(answer)
    except UsageError as e:
        print(fitted(f"  {e}; try again.", sys.stderr), file=sys.stderr, flush=True)
        return None


def _ask(question: str) -> str:
    try:
        return input(f"{question}: ").strip()
    except EOFError:
        raise UsageError("scenario new: stopped before every value was given") from None
