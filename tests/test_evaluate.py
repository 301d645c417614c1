"""The evaluation command: the text figures on the three corpora held as lower bounds, the audio
path on the dev corpus through synthetic voices and the real model, and real human speech that is
not a close."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from voiceclose.app.checking import Checker
from voiceclose.evaluate import speak
from voiceclose.evaluate.corpus import Scores
from voiceclose.evaluate.scoring import (
    AUDIO_VOICES,
    CACHE_FOLDER,
    close_table,
    format_errors,
    format_table,
    main,
    read_corpus,
    rendering_for,
    score_audio,
    score_text,
)
from voiceclose.paths import cache_dir

from .conftest import DATA, SHARED, require_path, require_tool

DEV = SHARED / "corpus" / "dev.jsonl"
CORPORA = {
    "dev": DEV,
    "heldout": DATA / "heldout.jsonl",
    "blind2": DATA / "blind2.jsonl",
    "blind3": DATA / "blind3.jsonl",
    "closeA": DATA / "closeA.jsonl",  # written from DOMAIN.md only, with each role's needs
    # three more written the same way; each was scored on first sight before use (README)
    "closeD": DATA / "closeD.jsonl",
    "closeE": DATA / "closeE.jsonl",
    "closeF": DATA / "closeF.jsonl",
}
# closes labelled with the needs their experience speaks to, each written from DOMAIN.md only
# (I was scored once, on first sight of the rule that names only the needs spoken to: README)
NEEDS_CORPORA = {name: DATA / f"needs{name}.jsonl" for name in ("G", "H", "I")}
MIN_NEEDS_PRECISION = 0.80  # of the needs a fit is praised for, typed text
MIN_NEEDS_RECALL = 0.75
MIN_TEXT_MACRO_F1 = 0.95
MIN_TEXT_ELEMENT_F1 = 0.90
MIN_PRECISION = 0.98  # every part, every corpus, punctuated or not
MAX_RUN_ON_LOSS = 0.02  # macro-F1 lost when a corpus is lower-cased with all punctuation removed
MIN_AUDIO_MACRO_F1 = 0.92  # Debian voices
MIN_NEURAL_AUDIO_MACRO_F1 = 0.95  # the neural piper voice
# Read-aloud English from Debian's pocketsphinx-testdata: a novel and playing cards, no close.
HUMAN_SPEECH = Path("/usr/share/pocketsphinx/test/data")
READ_ALOUD = (
    "librivox/sense_and_sensibility_01_austen_64kb-0870.wav",
    "librivox/sense_and_sensibility_01_austen_64kb-0890.wav",
    "librivox/sense_and_sensibility_01_austen_64kb-0920.wav",
    "cards/005.wav",
)


def corpus(name: str):
    path = CORPORA[name]
    require_path(path, "the shared corpus sits beside the repository, in ../shared/corpus")
    return read_corpus(path)


@functools.cache
def punctuated_scores(name: str):
    """A corpus checked as typed, by the rules: scored once for both tests that read it."""
    return score_text(corpus(name))


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_text_figures_hold(name):
    scores = punctuated_scores(name)
    table = format_table(name, scores) + "\n" + format_errors(scores)
    assert scores.macro_f1 >= MIN_TEXT_MACRO_F1, table
    for element, tally in scores.tallies.items():
        assert tally.precision >= MIN_PRECISION, f"{element}\n{table}"
        assert tally.f1 >= MIN_TEXT_ELEMENT_F1, f"{element}\n{table}"


def test_audio_renderings_mix_voices_paces_and_noise():
    plans = [rendering_for(i) for i in range(50)]
    assert plans == [rendering_for(i) for i in range(50)], "fixed by the item's place"
    assert len({voice for voice, _ in plans}) >= 3
    assert {voice.engine for voice, _ in plans} == {"espeak-ng", "flite", "festival"}
    speeds = [fx.speed for _, fx in plans if fx.speed is not None]
    assert 0.2 <= len(speeds) / len(plans) <= 0.6 and min(speeds) < 1 < max(speeds)
    assert 0.2 <= sum(fx.noise is not None for _, fx in plans) / len(plans) <= 0.5


def test_a_missing_tool_names_its_debian_package(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(speak.SpeakError, match="apt-get install .*festvox-us-slt-hts") as e:
        speak.require_tools(speak.tools_for(AUDIO_VOICES))
    assert "\n" not in str(e.value)
    with pytest.raises(speak.SpeakError, match="apt-get install flite$"):
        speak.run(["flite", "-voice", "kal", "-t", "hello"], "speaking")


@pytest.fixture(scope="module")
def dev_audio(shared_cache, tmp_path_factory):
    """The dev corpus spoken and checked through the real model, once for the module; the
    renderings are cached in the session's shared cache."""
    for tool in speak.tools_for(AUDIO_VOICES):
        require_tool(tool)
    items = corpus("dev")
    home = tmp_path_factory.mktemp("home")
    (home / "cache").symlink_to(shared_cache, target_is_directory=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VOICECLOSE_HOME", str(home))
        scores, run = score_audio(items, Checker())
    return items, scores, run


@pytest.fixture(scope="module")
def dev_neural_audio(shared_cache, tmp_path_factory):
    """The dev corpus spoken by the neural piper voice and checked through the real model."""
    pytest.importorskip("piper", reason="piper-tts (scripts/setup.sh --test installs it)")
    require_tool("sox")
    items = corpus("dev")
    home = tmp_path_factory.mktemp("home")
    (home / "cache").symlink_to(shared_cache, target_is_directory=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VOICECLOSE_HOME", str(home))
        scores, run = score_audio(items, Checker(), kind="neural")
    return items, scores, run


def test_neural_audio_figures_on_dev(dev_neural_audio):
    items, scores, run = dev_neural_audio
    assert run.voices == {"piper:joe"} and run.speed_changed and run.noisy
    report = format_table("neural audio", scores) + "\n" + format_errors(scores, score_text(items))
    assert scores.macro_f1 >= MIN_NEURAL_AUDIO_MACRO_F1, report
    for element, tally in scores.tallies.items():
        assert tally.precision >= MIN_PRECISION, f"{element}\n{report}"


def test_audio_figures_on_dev(dev_audio):
    items, scores, run = dev_audio
    assert len(run.voices) >= 3 and run.speed_changed and run.noisy
    report = format_table("audio", scores) + "\n" + format_errors(scores, score_text(items))
    assert scores.macro_f1 >= MIN_AUDIO_MACRO_F1, report


def test_audio_reruns_come_from_the_cache(dev_audio, monkeypatch):
    items, _, _ = dev_audio

    def no_tools(cmd, what):
        raise AssertionError(f"rendered again: {what}")

    monkeypatch.setattr(speak, "run", no_tools)
    for i, item in enumerate(items):
        voice, effects = rendering_for(i)
        path, made = speak.render_cached(item.text, voice, effects, cache_dir() / CACHE_FOLDER)
        assert not made and path.stat().st_size > 0


def test_evaluate_command_prints_text_and_audio_tables(dev_audio, tmp_path, capsys):
    """The first closes of dev (their renderings cached), one with a label turned wrong so that
    both paths list it as an error."""
    items = dev_audio[0][:3]
    lines = [{"id": it.id, "text": it.text, "labels": dict(it.labels)} for it in items]
    lines[0]["labels"]["reservations"] = not lines[0]["labels"]["reservations"]
    path = tmp_path / "three.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    capsys.readouterr()
    assert main([str(path), "--audio", "--show-errors"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert "text (3 closes)" in header and "audio (3 closes)" in header
    macro = next(line for line in out.splitlines() if line.startswith("macro-F1"))
    assert len(macro.split()) == 4, "a macro-F1 for each path on the one line"
    assert "audio: 3 closes in 3 voices" in out and "Whisper tiny.en" in out
    assert "wrong on the text:" in out and "wrong on the audio (debian):" in out
    assert f"{items[0].id} reservations:" in out.split("wrong on the audio (debian):")[1]
    assert "    heard: " in out


@pytest.mark.slow
def test_human_speech_that_is_not_a_close_gets_no_credit(cli):
    require_path(HUMAN_SPEECH, "Debian package pocketsphinx-testdata")
    paths = [HUMAN_SPEECH / name for name in READ_ALOUD]
    run = cli("check", *paths, "--json")
    assert run.code == 1, run.err
    reports = run.json()
    assert len(reports) == len(paths)
    for report in reports:
        assert report["ok"] and report["extras"]["speech_heard"] is True, report
        found = [name for name, e in report["elements"].items() if e["found"]]
        assert not found, (report["source"], found, report["transcript"])


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_run_on_forms_lose_little(name):
    items = corpus(name)
    punctuated, runon = punctuated_scores(name), score_text(items, runon=True)
    table = format_table(f"{name} run-on", runon) + "\n" + format_errors(runon)
    assert punctuated.macro_f1 - runon.macro_f1 <= MAX_RUN_ON_LOSS, table
    for element, tally in runon.tallies.items():
        assert tally.precision >= MIN_PRECISION, f"{element}\n{table}"


@pytest.fixture(scope="module")
def semantic_signal():
    from voiceclose.check import semantic

    found = semantic.get()
    if found is None:
        pytest.skip(semantic.note() or "semantic signal unavailable")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CORPORA))
def test_text_figures_with_the_semantic_signal(name, semantic_signal):
    items = corpus(name)
    for runon in (False, True):
        scores = score_text(items, semantic_signal, runon=runon)
        table = format_table(f"{name} run-on={runon}", scores) + "\n" + format_errors(scores)
        assert scores.macro_f1 >= MIN_TEXT_MACRO_F1, table
        for element, tally in scores.tallies.items():
            assert tally.precision >= MIN_PRECISION, f"{element}\n{table}"
            assert tally.f1 >= MIN_TEXT_ELEMENT_F1, f"{element}\n{table}"


def test_closes_with_needs_are_checked_against_them(tmp_path):
    line = {
        "id": "x",
        "text": "At my last company I owned our payments service.",
        "labels": {"interest": False, "fit": False, "reservations": False, "thanks": False},
        "needs": ["improving pick accuracy", "leading the night shift"],
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(line) + "\n")
    (item,) = read_corpus(path)
    assert item.needs == tuple(line["needs"])
    assert item.spoken_to is None
    scores = score_text([item])
    assert scores.tallies["fit"].fp == 0
    assert scores.needs_scored == 0  # not labelled: not scored


def test_a_close_for_a_practice_scenario_is_checked_against_its_needs_phrases_and_all(tmp_path):
    """A corpus line naming a scenario is checked as practice checks it: with that scenario's
    needs and the phrases it listens for ("the pass" is a kitchen's, not in the need's words)."""
    from voiceclose.app.scenarios import find

    line = {
        "scenario": "head-chef",
        "text": "I ran the pass at a busy brasserie for three years.",
        "labels": {"interest": False, "fit": True, "reservations": False, "thanks": False},
        "needs_spoken_to": ["keeping the food consistent on busy services"],
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(line) + "\n")
    (item,) = read_corpus(path)
    assert item.needs == find("head-chef").needs and item.needs[0].listen_for
    scores = score_text([item])
    assert scores.tallies["fit"].tp == 1 and scores.needs_exact == 1


def test_the_needs_a_fit_is_praised_for_are_scored_against_those_labelled(tmp_path):
    line = {
        "text": "At my last warehouse I ran the night shift and our pick accuracy hit 99.8%.",
        "labels": {"interest": False, "fit": True, "reservations": False, "thanks": False},
        "needs": ["improving pick accuracy", "leading the night shift", "training new starters"],
        "needs_spoken_to": ["improving pick accuracy"],
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(line) + "\n")
    (item,) = read_corpus(path)
    assert item.spoken_to == ("improving pick accuracy",)
    scores = Scores()
    scores.add_needs(item, {"improving pick accuracy", "leading the night shift"})
    t = scores.needs
    assert (t.tp, t.fp, t.fn, t.tn) == (1, 1, 0, 1)
    assert (scores.needs_scored, scores.needs_exact) == (1, 0)
    assert "needs named" in close_table("one", scores)
    assert "needs named" not in close_table("one", Scores())


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(NEEDS_CORPORA))
def test_a_fit_is_praised_for_the_needs_it_speaks_to(name, semantic_signal):
    """A scenario's needs that share a word ("food" in both of a head chef's) or sit near in
    meaning are not all praised when the experience answered one (your own scenario's needs
    are read just so)."""
    scores = score_text(read_corpus(NEEDS_CORPORA[name]), semantic_signal)
    table = close_table(name, scores)
    assert scores.needs_scored == 50, table
    assert scores.needs.precision >= MIN_NEEDS_PRECISION, table
    assert scores.needs.recall >= MIN_NEEDS_RECALL, table


def test_the_neural_voice_varies_pace_variation_and_noise():
    plans = [rendering_for(i, "neural") for i in range(30)]
    assert {str(voice) for voice, _ in plans} == {"piper:joe"}
    assert len({fx.variation for _, fx in plans}) == 3
    assert {fx.speed for _, fx in plans} == {None, 0.9, 1.15}
    assert 0.2 <= sum(fx.noise is not None for _, fx in plans) / len(plans) <= 0.5
