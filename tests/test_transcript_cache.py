"""Remembered transcripts: read back as stored, and the folder kept to MAX_TRANSCRIPTS, forgetting
the least recently used first."""

from __future__ import annotations

import os

import pytest

from voiceclose.asr import transcript_cache
from voiceclose.paths import cache_dir
from voiceclose.results import SpeechRegion, Transcript, Word


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A cache directory of this test's own (the tests otherwise share one)."""
    monkeypatch.setenv("VOICECLOSE_HOME", str(tmp_path / "own"))


def transcript(n: int) -> Transcript:
    return Transcript(
        words=(Word(f"word{n}", 0.5, 0.9),),
        speech_heard=True,
        speech_regions=(SpeechRegion(0.4, 1.0),),
    )


def test_a_transcript_is_read_back_as_it_was_stored(own_cache):
    transcript_cache.save("k", transcript(1))
    assert transcript_cache.load("k") == transcript(1)
    assert transcript_cache.load("missing") is None


def test_the_least_recently_used_are_forgotten_beyond_the_limit(own_cache, monkeypatch):
    monkeypatch.setattr(transcript_cache, "MAX_TRANSCRIPTS", 3)
    folder = cache_dir() / transcript_cache.FOLDER
    for n in range(3):
        transcript_cache.save(f"k{n}", transcript(n))
        os.utime(folder / f"k{n}.json", (1000 + n, 1000 + n))  # k0 oldest, k2 newest
    assert transcript_cache.load("k0") == transcript(0)  # used now: the most recent
    transcript_cache.save("k3", transcript(3))
    assert sorted(p.stem for p in folder.glob("*.json")) == ["k0", "k2", "k3"]
