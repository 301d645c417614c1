"""Regular regex_cache compiled once per machine: what the cache builds behaves as re.compile's
pattern, a later process builds from the cache without parsing, and a damaged cache is ignored."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest

from voiceclose.check import regex_cache, rules

from .conftest import ROOT

EXAMPLES = [
    r"(?<= )(?:i )(?:(?:really |truly )*)(?:want |would love )(?:this |the )(?:role |job )",
    r"(?P<amount>\d+) (?:years?|months?) (?!ago )",
    r"(?<! not )(?:thank you |thanks )(?:(?:, |\. |\? |! )|$)",
]
TEXTS = [" i really want this role ", " 5 years of work ", " thanks . ", " i would love the job "]


@pytest.fixture
def empty_memory(monkeypatch):
    """This process forgets what it has read from the cache (each test's cache is its own)."""
    monkeypatch.setattr(regex_cache, "_known", None)
    monkeypatch.setattr(regex_cache, "_file", None)
    monkeypatch.setattr(regex_cache, "_new", 0)


def same(built: re.Pattern, regex: str) -> None:
    plain = re.compile(regex)
    assert (built.pattern, built.flags, built.groups, built.groupindex) == (
        plain.pattern,
        plain.flags,
        plain.groups,
        plain.groupindex,
    )
    for text in TEXTS:
        assert [m.span() for m in built.finditer(text)] == [m.span() for m in plain.finditer(text)]


@pytest.mark.parametrize("regex", EXAMPLES)
def test_compiled_here_and_rebuilt_from_the_cache_behave_as_re_compile(regex, empty_memory):
    same(regex_cache.compile(regex), regex)
    regex_cache.save()
    regex_cache._known = None  # as a new process: read the file back
    same(regex_cache.compile(regex), regex)


def test_a_bad_expression_is_refused_as_re_refuses_it(empty_memory):
    with pytest.raises(re.error):
        regex_cache.compile("(?:unclosed")


@pytest.mark.slow
def test_a_later_process_builds_the_phrase_rules_without_parsing(empty_memory, user_home):
    rules._compile.cache_clear()  # phrase rules this process compiled earlier hold their patterns
    assert rules.load_rules().validate() > 500  # every expression compiled
    regex_cache.save()
    [cached] = (user_home / "cache" / regex_cache.FOLDER).iterdir()
    script = textwrap.dedent(
        """
        import types
        from voiceclose.check import regex_cache
        from voiceclose.check.rules import load_rules
        def refuse(*args, **kwargs):
            raise AssertionError("parsed an expression the cache holds")
        regex_cache._parser = types.SimpleNamespace(parse=refuse)
        print(load_rules().validate())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 500
    assert cached.stat().st_size > 0


def test_a_damaged_cache_is_compiled_past(empty_memory, user_home):
    regex = EXAMPLES[0]
    regex_cache.compile(regex)
    regex_cache.save()
    [cached] = (user_home / "cache" / regex_cache.FOLDER).iterdir()
    cached.write_bytes(cached.read_bytes()[: len(cached.read_bytes()) // 2])
    regex_cache._known = None
    same(regex_cache.compile(regex), regex)
