"""Long recordings cut at pauses, first windows decoded as a batch: where the cuts go (logic, on
made-up audio: quick), and that the real model hears the same words as plain Whisper on a real
close (the ``model`` and ``long_close`` fixtures put those in the slow tier)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
from rapidfuzz import fuzz

from voiceclose.asr import long_audio
from voiceclose.asr.transcribe import DECODE_OPTIONS, TRANSCRIBE_OPTIONS, transcribe
from voiceclose.audio.decode import SAMPLE_RATE, load_audio

from .conftest import SAMPLES


def speech_like(seconds: float, quiet: list[tuple[float, float]] = ()) -> np.ndarray:
    """Loud noise standing in for speech, silent over the ``quiet`` (start, end) stretches."""
    rng = np.random.default_rng(0)
    samples = (rng.standard_normal(int(seconds * SAMPLE_RATE)) * 0.2).astype(np.float32)
    for start, end in quiet:
        samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)] = 0
    return samples


def assert_tiling(pieces, end_s):
    assert pieces[0][0] == 0 and pieces[-1][1] == pytest.approx(end_s)
    for (_, end), (start, _) in zip(pieces, pieces[1:], strict=False):
        assert end == start
    assert all(end - start <= long_audio.WINDOW_S + 1e-6 for start, end in pieces)


def test_a_recording_shorter_than_a_window_is_one_piece():
    assert long_audio.pieces_at_pauses(speech_like(20), [(0.5, 19.5)]) == [(0.0, 20.0)]


def test_cuts_go_in_pauses_between_speech_regions():
    regions = [(0.5, 12.0), (12.8, 27.0), (27.6, 41.0), (41.6, 55.0)]
    samples = speech_like(56)
    pieces = long_audio.pieces_at_pauses(samples, regions)
    assert_tiling(pieces, 56)
    assert len(pieces) == 2  # as few as will hold 56 s
    assert pieces[0][1] == pytest.approx((27.0 + 27.6) / 2)


def test_a_cut_that_no_pause_allows_goes_in_a_quiet_gap_between_words():
    # Pauses at 26.5 and 31.5 s: cutting at 26.5 would leave 31.5 s, more than a window, so one
    # more piece; the silent 0.25 s at 29.0 s (a short pause between words) keeps it to two.
    regions = [(0.2, 26.3), (26.7, 31.3), (31.7, 58.0)]
    samples = speech_like(58.2, quiet=[(26.3, 26.7), (29.0, 29.25), (31.3, 31.7)])
    pieces = long_audio.pieces_at_pauses(samples, regions)
    assert_tiling(pieces, 58.2)
    assert len(pieces) == 2
    assert 29.0 <= pieces[0][1] <= 29.25


def test_a_long_pause_is_cut_at_when_the_recording_needs_several_pieces():
    # Two closes joined: 1.8 s of silence at 31 s, where Whisper would end its text and leave
    # the second close unheard. Two pieces could hold the 56 s only with that pause inside the
    # second; three are decoded side by side instead, one of them ending at the long pause.
    regions = [(0.4, 26.4), (26.6, 30.5), (32.3, 55.7)]
    samples = speech_like(56, quiet=[(26.4, 26.6), (30.5, 32.3)])
    pieces = long_audio.pieces_at_pauses(samples, regions)
    assert_tiling(pieces, 56)
    assert len(pieces) == 3
    assert any(end == pytest.approx((30.5 + 32.3) / 2) for _, end in pieces)
    # shorter pauses are not cut at for their own sake: still as few pieces as will do
    regions = [(0.4, 27.0), (27.7, 40.0), (40.6, 55.7)]
    samples = speech_like(56, quiet=[(27.0, 27.7), (40.0, 40.6)])
    assert len(long_audio.pieces_at_pauses(samples, regions)) == 2


def test_long_pauses_are_not_cut_at_when_that_takes_a_second_batch():
    # a hesitant minute: a 1.5-s pause every 8 s would make eight pieces, two batches
    regions = [(t + 0.2, t + 6.5) for t in range(0, 64, 8)]
    samples = speech_like(64, quiet=[(t + 6.5, t + 8.2) for t in range(0, 64, 8)])
    pieces = long_audio.pieces_at_pauses(samples, regions)
    assert_tiling(pieces, 64)
    assert len(pieces) == 3 <= long_audio.MAX_BATCH


def test_a_long_pause_in_a_recording_of_one_window_is_not_cut():
    samples = speech_like(25, quiet=[(10.0, 13.0)])
    assert long_audio.pieces_at_pauses(samples, [(0.2, 10.0), (13.0, 24.8)]) == [(0.0, 25.0)]


def test_speech_without_any_quiet_moment_still_fits_the_windows():
    samples = speech_like(75)
    pieces = long_audio.pieces_at_pauses(samples, [(0.0, 75.0)])
    assert_tiling(pieces, 75)
    assert len(pieces) == 3


@pytest.fixture(scope="module")
def long_close() -> np.ndarray:
    """A real close of a minute: two spoken samples with a second of silence between them."""
    parts = [
        load_audio(SAMPLES / n).samples for n in ("complete_close_slt.flac", "next_steps_slt.flac")
    ]
    return np.concatenate([parts[0], np.zeros(SAMPLE_RATE, np.float32), parts[1]])


def count_decodes(monkeypatch) -> list[int]:
    """Batch sizes of every decode the model runs from now on."""
    import whisper.decoding

    sizes = []
    run = whisper.decoding.DecodingTask.run

    def counting(self, mel):
        sizes.append(mel.shape[0])
        return run(self, mel)

    monkeypatch.setattr(whisper.decoding.DecodingTask, "run", counting)
    return sizes


def test_a_long_close_is_heard_as_plain_whisper_hears_it(model, long_close, monkeypatch, tmp_path):
    plain = model.whisper.transcribe(long_close, **TRANSCRIBE_OPTIONS)
    path = tmp_path / "close.wav"
    soundfile.write(path, long_close, SAMPLE_RATE)
    audio = load_audio(path)
    sizes = count_decodes(monkeypatch)
    heard = transcribe(audio, model)
    assert 2 <= sizes[0] <= long_audio.MAX_BATCH  # the windows decoded side by side
    assert fuzz.ratio(heard.text.lower(), plain["text"].strip().lower()) >= 97
    starts = [w.start_s for w in heard.words]
    assert starts == sorted(starts) and starts[0] >= 0 and heard.words[-1].end_s <= 60
    plain_words = [w for s in plain["segments"] for w in s["words"]]
    # the same words at the same moments (the last one, past the cut, within a fifth of a second)
    assert heard.words[-1].text.strip(".") == plain_words[-1]["word"].strip(" .")
    assert heard.words[-1].start_s == pytest.approx(plain_words[-1]["start"], abs=0.2)


def test_transcribe_reuses_a_first_window_decoded_in_the_batch(model, long_close, monkeypatch):
    import torch
    import whisper.decoding

    first_half = long_close[: 25 * SAMPLE_RATE]
    mels = []
    run = whisper.decoding.DecodingTask.run

    def recording(self, mel):
        mels.append(mel.clone())
        return run(self, mel)

    monkeypatch.setattr(whisper.decoding.DecodingTask, "run", recording)
    plain = model.whisper.transcribe(first_half, **TRANSCRIBE_OPTIONS)
    first_window = mels[0]
    mels.clear()
    with long_audio.first_windows_in_a_batch(
        model.whisper, [first_half, long_close[-20 * SAMPLE_RATE :]], **DECODE_OPTIONS
    ):
        again = model.whisper.transcribe(first_half, **TRANSCRIBE_OPTIONS)
    assert mels[0].shape[0] == 2  # the batch, then only what transcribe seeks past it (a CPU
    # whose numerics end the window without a timestamp re-decodes the tail): never the first
    # window on its own again
    assert not any(m.shape == first_window.shape and torch.equal(m, first_window) for m in mels)
    assert fuzz.ratio(again["text"], plain["text"]) >= 97
    assert model.whisper.voiceclose_answers._waiting == []  # the unused answer is gone too
