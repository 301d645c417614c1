"""Transcribing while the person speaks: the real model on a real close, fed block by block as the
recorder feeds it, must hear the same words as the finished file."""

from __future__ import annotations

import time

import numpy as np
import pytest
from rapidfuzz import fuzz

from voiceclose.asr import live
from voiceclose.asr.live import LiveTranscriber
from voiceclose.asr.transcribe import transcribe
from voiceclose.audio.decode import SAMPLE_RATE, load_audio
from voiceclose.audio.levels import SpeechTracker
from voiceclose.check.engine import check
from voiceclose.results import Transcript, Word

from .conftest import SAMPLES

pytestmark = pytest.mark.slow  # the model, synthetic speech or PulseAudio

BLOCK = 1600  # 0.1 s, as the recorder's blocks


def fed_live(path, model) -> tuple[Transcript, list[tuple[float, float]]]:
    """``path`` fed block by block, with the recorder's own speech tracking; the pieces cut."""
    samples = load_audio(path).samples
    samples = np.concatenate([samples, np.zeros(2 * SAMPLE_RATE, np.float32)])  # the pause
    tracker = SpeechTracker(SAMPLE_RATE)
    transcriber = LiveTranscriber(lambda: model)
    pieces = []
    take = transcriber._take

    def noting(cut):
        audio = take(cut)
        if audio is not None:
            pieces.append((audio.offset_s, audio.offset_s + audio.duration_s))
        return audio

    transcriber._take = noting
    for start in range(0, len(samples), BLOCK):
        block = samples[start : start + BLOCK]
        level = tracker.feed(block, (start + len(block)) / SAMPLE_RATE)
        transcriber.feed(tracker.last_16k, level.speaking)
        # as in real time, where a piece is done long before the next is due
        deadline = time.monotonic() + 60
        while transcriber._total - transcriber._done >= live.MAX_PIECE_S * SAMPLE_RATE:
            assert time.monotonic() < deadline, "a piece was never transcribed"
            time.sleep(0.01)
    return transcriber.finish(), pieces


def test_live_pieces_hear_what_the_file_holds(model):
    path = SAMPLES / "complete_close_slt.flac"
    heard, pieces = fed_live(path, model)
    whole = transcribe(load_audio(path), model)
    assert len(pieces) >= 2  # it really was transcribed in pieces
    assert fuzz.ratio(heard.text.lower(), whole.text.lower()) >= 90, (heard.text, whole.text)
    result = check(heard.words)
    assert all(e.found for e in result.elements.values()), heard.text
    starts = [w.start_s for w in heard.words]
    assert starts == sorted(starts)  # pieces joined in order, nothing heard twice


def test_a_cut_where_nobody_paused_loses_no_words(model, monkeypatch):
    # no pause is long enough, so every piece is cut at the limit, mid-word
    monkeypatch.setattr(live, "PAUSE_S", 60.0)
    monkeypatch.setattr(live, "MAX_PIECE_S", 9.0)
    path = SAMPLES / "complete_close_slt.flac"
    heard, pieces = fed_live(path, model)
    whole = transcribe(load_audio(path), model)
    assert len(pieces) >= 3
    # each later piece starts again at the last whole sentence of the one before
    assert any(b[0] < a[1] for a, b in zip(pieces, pieces[1:], strict=False))
    assert fuzz.ratio(heard.text.lower(), whole.text.lower()) >= 90, (heard.text, whole.text)
    assert "gives you doubts" in heard.text


def test_last_sentence_end_is_between_words():
    words = [
        Word("I", 0.0, 0.2),
        Word("want", 0.3, 0.6),
        Word("it.", 0.7, 1.0),
        Word("Is", 1.4, 1.6),
        Word("there", 1.7, 2.0),
    ]
    assert live._last_sentence_end(words) == pytest.approx(1.2)
    assert live._last_sentence_end(words[:2]) is None


def test_a_preview_shows_the_newest_words_before_any_piece_is_cut(model):
    """Less audio than a piece needs is already shown to the live display (a preview), and a
    preview is never kept: the transcript is made of the pieces alone."""
    samples = load_audio(SAMPLES / "complete_close_slt.flac").samples
    shown: list[Transcript] = []
    transcriber = LiveTranscriber(lambda: model, on_piece=shown.append)
    tracker = SpeechTracker(SAMPLE_RATE)

    def feed_until(seconds: float, start: int) -> int:
        end = int(seconds * SAMPLE_RATE)
        for at in range(start, end, BLOCK):
            block = samples[at : min(at + BLOCK, end)]
            level = tracker.feed(block, (at + len(block)) / SAMPLE_RATE)
            transcriber.feed(tracker.last_16k, level.speaking)
        return end

    def wait_for(words: str) -> Transcript | None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if seen := [t for t in shown if words in t.text.lower()]:
                return seen[-1]
            time.sleep(0.05)
        return None

    try:
        fed = feed_until(live.MIN_PIECE_S - 0.5, 0)  # too little for a piece
        first = wait_for("before we wrap up")
        assert first is not None, [t.text for t in shown]
        assert transcriber._pieces == []  # shown, not kept
        feed_until(5.5, fed)  # interest is said by 4.6 s
        later = wait_for("really want this")
        assert later is not None, [t.text for t in shown]
        assert check(later.words).elements["interest"].found
    finally:
        heard = transcriber.finish()
    assert heard.text.lower().count("wrap up") == 1, heard.text  # nothing heard twice


def test_no_preview_without_someone_to_show_it_to(model):
    transcriber = LiveTranscriber(lambda: model)
    transcriber.feed(np.zeros(3 * SAMPLE_RATE, np.float32), True)
    assert not transcriber._preview_due()
    transcriber.cancel()
