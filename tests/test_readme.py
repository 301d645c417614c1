"""The README's two commands are what CI runs and what a new user runs."""

from .conftest import ROOT

RUN_SAMPLES = "bash scripts/setup.sh && .venv/bin/voiceclose check samples/"
RUN_TESTS = "bash scripts/setup.sh --test && .venv/bin/python -m pytest"


def test_readme_gives_both_commands():
    readme = (ROOT / "README.md").read_text()
    assert RUN_SAMPLES in readme
    assert RUN_TESTS in readme


def test_ci_runs_the_readme_test_command():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    assert commands[-1] == RUN_TESTS
