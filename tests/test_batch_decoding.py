"""Windows decoded side by side: a window whose text has ended leaves the batch, and a short
piece among long ones is encoded over less than a whole window (the real model: slow tier)."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz

from voiceclose.asr import batch_decoding, decoder_steps, long_audio
from voiceclose.asr.transcribe import DECODE_OPTIONS
from voiceclose.audio.decode import SAMPLE_RATE, load_audio

from .conftest import SAMPLES

pytestmark = pytest.mark.slow


def mel_window(model, samples):
    import whisper
    from whisper.audio import N_FRAMES

    return whisper.pad_or_trim(whisper.log_mel_spectrogram(samples, model.dims.n_mels), N_FRAMES)


@pytest.fixture(scope="module")
def long_and_short():
    """A 23-s close and the first 3.5 s of another (its first sentence and a little more)."""
    long = load_audio(SAMPLES / "no_thanks_en_us_m3.flac").samples
    short = load_audio(SAMPLES / "complete_close_slt.flac").samples[: int(3.5 * SAMPLE_RATE)]
    return long, short


def test_an_ended_window_leaves_the_batch_and_the_words_stay_the_same(model, long_and_short):
    import torch
    import whisper

    w = model.whisper
    mels = torch.stack([mel_window(w, clip) for clip in long_and_short])
    options = whisper.DecodingOptions(**DECODE_OPTIONS, temperature=0.0)
    # every window kept in the batch to the end, as whisper's own loop does
    plain = decoder_steps.decoding_task(w, options).run(mels)
    rows = []
    step = decoder_steps.DecoderSteps._step

    def counted(self, tokens):
        rows.append(tokens.shape[0])
        return step(self, tokens)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(decoder_steps.DecoderSteps, "_step", counted)
        shrinking = batch_decoding.decode_batch(w, mels, options)
    assert [r.text for r in shrinking] == [r.text for r in plain]
    # a smaller batch is multiplied in other blocks (bfloat16 here): the same tokens, their
    # log-probabilities within a few per cent
    logprobs = [r.avg_logprob for r in plain]
    assert [r.avg_logprob for r in shrinking] == pytest.approx(logprobs, rel=0.05)
    # the short window ended after a sentence; the long one went on alone
    assert rows[0] == 2 and rows[-1] == 1 and rows.count(1) > len(rows) // 2


def test_a_short_piece_is_encoded_over_its_first_ten_seconds_and_heard(model, long_and_short):
    w = model.whisper
    long, short = long_and_short
    with long_audio.first_windows_in_a_batch(w, [long, short], **DECODE_OPTIONS) as firsts:
        encoded = w.encoder(firsts[1].mel.unsqueeze(0))
        full = w.encoder(firsts[0].mel.unsqueeze(0))
    assert encoded.shape[1] == batch_decoding.SHORT_INPUT_FRAMES // 2
    assert full.shape[1] == w.dims.n_audio_ctx  # a long piece keeps the whole window
    said = "Before we wrap up, I'd like to say"
    assert fuzz.partial_ratio(said.lower(), firsts[1].result.text.lower()) >= 90
    assert "thank" not in firsts[1].result.text.lower()  # nothing invented in the padding


def test_a_short_piece_is_decoded_beside_the_long_ones_as_it_is_alone(model, long_and_short):
    """Its cross-attention attends to its own 500 frames, in the long windows' batch: the same
    tokens as decoded on its own (a batch of its own before: 17 steps more for the 56-s
    close's 5-s piece)."""
    import whisper

    w = model.whisper
    batches = []
    decode = batch_decoding.decode_batch

    def recorded(model_, mel, options, frames=None):
        batches.append((mel.shape[0], frames))
        return decode(model_, mel, options, frames=frames)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(batch_decoding, "decode_batch", recorded)
        with long_audio.first_windows_in_a_batch(w, list(long_and_short), **DECODE_OPTIONS) as got:
            together = [first.result for first in got]
    assert batches == [(2, [w.dims.n_audio_ctx, batch_decoding.SHORT_INPUT_FRAMES // 2])]
    options = whisper.DecodingOptions(**DECODE_OPTIONS, prompt=[], temperature=0.0)
    alone = [batch_decoding.decode_batch(w, first.mel.unsqueeze(0), options)[0] for first in got]
    assert [r.tokens for r in together] == [r.tokens for r in alone]
    assert "thank" not in together[1].text.lower() and together[1].text == alone[1].text
    # the vocabulary's int8 scale is the batch's: log-probabilities within a few per cent
    logprobs = [r.avg_logprob for r in alone]
    assert [r.avg_logprob for r in together] == pytest.approx(logprobs, rel=0.05)


def test_warming_up_leaves_no_decode_behind_and_the_words_the_same(model):
    """The app's warm-up runs each stage once on quiet noise: it hears no words, and what it
    decoded is not kept as anyone's answer (a recording checked after it hears what it did
    before)."""
    from voiceclose.asr.transcribe import transcribe
    from voiceclose.asr.warm_up import warm_up_transcribing

    audio = load_audio(SAMPLES / "complete_close_slt.flac")
    before = transcribe(audio, model)
    warm_up_transcribing(model)
    assert long_audio._answers_of(model.whisper)._waiting == []
    after = transcribe(audio, model)
    assert [w.text for w in after.words] == [w.text for w in before.words]
    assert len(after.words) > 40
