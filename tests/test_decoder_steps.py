"""Whisper's decoding steps as plain tensor operations (voiceclose/asr/decoder_steps.py): the
real model on the bundled samples (slow tier)."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz

from voiceclose.asr import acceleration, decoder_steps
from voiceclose.asr.transcribe import DECODE_OPTIONS
from voiceclose.audio.decode import load_audio

from .conftest import SAMPLES

pytestmark = pytest.mark.slow

CLOSES = ("complete_close_slt.flac", "no_thanks_en_us_m3.flac", "no_fit_en_gb_f3.flac")


def first_windows(w):
    import torch
    import whisper
    from whisper.audio import N_FRAMES

    return torch.stack(
        [
            whisper.pad_or_trim(
                whisper.log_mel_spectrogram(load_audio(SAMPLES / name).samples, w.dims.n_mels),
                N_FRAMES,
            )
            for name in CLOSES
        ]
    )


@pytest.fixture
def float32_decoder(model):
    """The model's decoder multiplying in float32 everywhere (as on a CPU without native
    bfloat16), put back afterwards."""
    import torch

    w = model.whisper
    patched = [
        layer
        for layer in w.decoder.modules()
        if isinstance(layer, torch.nn.Linear) and "forward" in vars(layer)
    ]
    forwards = {layer: layer.forward for layer in patched}
    for layer in patched:
        del layer.forward
    decoder_steps.install(w.decoder, torch.float32)
    try:
        yield w
    finally:
        for layer, forward in forwards.items():
            layer.forward = forward
        native = acceleration.native_bfloat16()
        decoder_steps.install(w.decoder, torch.bfloat16 if native else torch.float32)


def test_in_float32_the_steps_give_whisper_s_own_tokens(float32_decoder):
    import whisper

    w = float32_decoder
    mels = first_windows(w)
    options = whisper.DecodingOptions(**DECODE_OPTIONS, temperature=0.0)
    own = whisper.decoding.decode(w, mels, options)  # openai-whisper's PyTorchInference
    steps = decoder_steps.decode(w, mels, options)
    assert [r.tokens for r in steps] == [r.tokens for r in own]
    assert [r.avg_logprob for r in steps] == pytest.approx([r.avg_logprob for r in own], rel=1e-3)
    assert [r.no_speech_prob for r in steps] == pytest.approx(
        [r.no_speech_prob for r in own], abs=1e-4
    )


def test_the_model_decodes_with_the_steps_and_hears_what_whisper_hears(model):
    import whisper

    w = model.whisper
    assert decoder_steps.weights_of(w.decoder) is not None
    mels = first_windows(w)
    options = whisper.DecodingOptions(**DECODE_OPTIONS, temperature=0.0)
    own = whisper.decoding.decode(w, mels, options)
    steps = w.decode(mels, options)  # what whisper.transcribe calls
    for mine, theirs in zip(steps, own, strict=True):
        # in bfloat16 (where native) the cross-attention differs in the last bits: a word here
        # and there ("for that age group" against "for an age group"), never the gist
        assert fuzz.ratio(mine.text, theirs.text) >= 95, (mine.text, theirs.text)
        assert mine.avg_logprob > -0.5 and mine.compression_ratio < 2.4


def test_sampling_at_a_fallback_temperature_steps_several_candidates(model):
    """whisper.transcribe's fallback decodes best-of-n samples: n rows per window in one go."""
    import whisper

    w = model.whisper
    mel = first_windows(w)[0]
    options = whisper.DecodingOptions(**DECODE_OPTIONS, temperature=0.4, best_of=3)
    result = w.decode(mel, options)
    said = "Before we wrap up, I'd like to say that I really want this role."
    assert fuzz.partial_ratio(said.lower(), result.text.lower()) >= 90
