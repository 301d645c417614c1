"""The rule data's contract: phrases, tips and scenarios are checked as they are read, so a
misspelt key is an error naming the file, section and key, never a rule that quietly stops."""

import tomllib
from pathlib import Path

import pytest

from voiceclose.app import scenarios
from voiceclose.check import rules as rules_module
from voiceclose.check.engine import check
from voiceclose.check.feedback import load_tips
from voiceclose.check.patterns import PatternError
from voiceclose.check.rules import load_rules
from voiceclose.errors import ScenarioError
from voiceclose.paths import data_file, prompts_dir
from voiceclose.results import Word

PHRASES = data_file("check", "phrases.toml")
TIPS = data_file("check", "tips.toml")


def words(text: str) -> list[Word]:
    return [Word(t, None, None) for t in text.split()]


def test_a_renamed_blocker_is_an_error_naming_file_section_and_key(tmp_path):
    text = PHRASES.read_text()
    start = text.index("[thanks]")
    renamed = text[:start] + text[start:].replace("block_overlap", "block_overlapp", 1)
    custom = tmp_path / "phrases.toml"
    custom.write_text(renamed)
    with pytest.raises(
        PatternError, match=r"phrases.toml \[thanks\]: unknown key 'block_overlapp'"
    ):
        load_rules(custom)


def test_a_missing_required_key_and_a_wrong_kind_are_errors(tmp_path):
    whole = minimal_rules(tmp_path, "howdy").read_text()
    custom = tmp_path / "phrases.toml"
    custom.write_text(whole.replace('[thanks]\ncues = ["{greet}"]', "[thanks]"))
    with pytest.raises(PatternError, match=r"\[thanks\]: missing key 'cues'"):
        load_rules(custom)
    wrong_kind = tmp_path / "wrong_kind.toml"  # (rules are cached by path: one file each)
    wrong_kind.write_text('[sentences]\nquestion_openers = "is"\nlead_ins = ["so"]\n')
    with pytest.raises(PatternError, match=r"\[sentences\] question_openers: should be a list"):
        load_rules(wrong_kind)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[nonsense]\ncues = []\n")
    with pytest.raises(PatternError, match=r"unknown section \[nonsense\]"):
        load_rules(unknown)


def minimal_rules(tmp_path: Path, greeting: str) -> Path:
    """A whole, valid phrase file of its own, with its own vocabulary."""
    data = tomllib.loads(PHRASES.read_text())
    lines = [f'[vocabulary]\ngreet = ["{greeting}"]\n']
    for section in rules_module.SCHEMA:
        lines.append(f"[{section}]")
        for key in rules_module.REQUIRED.get(section, ()):
            value = data[section][key] if section == "sentences" else ["{greet}"]
            lines.append(f"{key} = {value!r}".replace("'", '"'))
    path = tmp_path / "mine.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_custom_rules_path_reads_only_that_path(tmp_path):
    custom = load_rules(minimal_rules(tmp_path, "howdy"))
    assert check(words("Howdy there."), rules=custom).elements["thanks"].found
    assert not check(words("Thank you for your time."), rules=custom).elements["thanks"].found
    # patterns compiled later (a scenario's needs) use the custom vocabulary, not the default
    assert custom.vocabulary == {"greet": ["howdy"]}
    assert custom.compile_extra(["{greet} partner"])


def test_the_bundled_data_has_no_repeated_entries():
    data = tomllib.loads(PHRASES.read_text())
    for section, table in data.items():
        for key, value in table.items():
            if isinstance(value, list):
                assert len(value) == len(set(value)), f"[{section}] {key} repeats an entry"


def test_a_misspelt_tip_key_is_an_error(tmp_path):
    custom = tmp_path / "tips.toml"
    custom.write_text(TIPS.read_text().replace("example_scenario", "example_scenaro", 1))
    with pytest.raises(
        PatternError, match=r"tips.toml \[interest\]: unknown key 'example_scenaro'"
    ):
        load_tips(custom)


def test_a_scenario_with_an_unknown_key_is_an_error(tmp_path):
    text = (prompts_dir() / "head-chef.toml").read_text()
    bad = tmp_path / "chef.toml"
    bad.write_text(text.replace("interviewer =", "interviwer =", 1))
    with pytest.raises(ScenarioError, match=r"chef.toml: (missing interviewer|unknown key)"):
        scenarios.load(bad)
    bad.write_text('colour = "blue"\n' + text)
    with pytest.raises(ScenarioError, match=r"chef.toml: unknown key 'colour'"):
        scenarios.load(bad)
    bad.write_text(text.replace("listen_for =", "listen_fro =", 1))
    with pytest.raises(
        ScenarioError, match=r"chef.toml: \[\[needs\]\] \d+: unknown key 'listen_fro'"
    ):
        scenarios.load(bad)
    bad.write_text(text + '\ntone = "stern"\n')  # inside the last [[concerns]]
    with pytest.raises(ScenarioError, match=r"chef.toml: \[\[concerns\]\] \d+: unknown key 'tone'"):
        scenarios.load(bad)
    bad.write_text(text.replace('kind = "gap"', 'kind = "gripe"', 1))
    with pytest.raises(ScenarioError, match=r"kind should be one of misunderstanding, gap"):
        scenarios.load(bad)


def test_every_bundled_scenario_has_two_to_four_concerns_of_known_kinds():
    for scenario in scenarios.available():
        assert 2 <= len(scenario.concerns) <= 4, scenario.name
        assert {c.kind for c in scenario.concerns} <= {
            "misunderstanding",
            "gap",
            "skills_gap",
            "none",
        }
