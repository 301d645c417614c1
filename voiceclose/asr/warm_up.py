"""Every stage of transcribing run once on made-up sound, for a server that stays warm.

The first time each stage runs in a process it builds what it keeps: the speech detector's model
for the compute thread, the kernels oneDNN makes for each shape of the encoder and the int8
vocabulary projection, the word timer's median filter. On the 56-s close that made the app's
first check 0.3-0.5 s slower than the rest (1.40-1.56 s against 1.02-1.15). Here those stages run
once, as a 56-s close runs them (two whole windows and a short piece decoded side by side, and
the words of one of them timed), on quiet noise in which nothing is said.
"""

from __future__ import annotations

import numpy as np

from voiceclose.asr import compute_thread
from voiceclose.asr.weights import LoadedModel
from voiceclose.audio.decode import SAMPLE_RATE

PIECES_S = (25.0, 22.0, 5.0)  # as the pieces of a minute's close: two whole windows, one short
NOISE_LEVEL = 0.01  # quiet: Whisper hears no words in it


def warm_up_transcribing(model: LoadedModel) -> None:
    """Run speech detection, the batched decode and word timing once (about a second)."""
    compute_thread.run(_warm_up, model)


def _warm_up(model: LoadedModel) -> None:
    import torch
    from whisper.timing import find_alignment
    from whisper.tokenizer import get_tokenizer

    from voiceclose.asr.long_audio import first_windows_in_a_batch
    from voiceclose.asr.transcribe import DECODE_OPTIONS
    from voiceclose.audio.voice_activity import detect_speech

    noise = np.random.default_rng(0).standard_normal(int(sum(PIECES_S) * SAMPLE_RATE))
    noise = (noise * NOISE_LEVEL).astype(np.float32)
    detect_speech(noise)
    whisper = model.whisper
    clips, start = [], 0
    for seconds in PIECES_S:
        clips.append(noise[start : start + int(seconds * SAMPLE_RATE)])
        start += len(clips[-1])
    tokenizer = get_tokenizer(
        whisper.is_multilingual,
        num_languages=whisper.num_languages,
        language=DECODE_OPTIONS["language"],
        task=DECODE_OPTIONS["task"],
    )
    with (
        torch.inference_mode(),
        first_windows_in_a_batch(whisper, clips, **DECODE_OPTIONS) as firsts,
    ):
        # a window's words, timed against it as a segment's words are (as many tokens as a
        # window of speech holds: the first filter and search of that size take longer)
        words = tokenizer.encode(" Thank you for your time today, I really enjoyed it.") * 7
        find_alignment(whisper, tokenizer, words, firsts[0].mel, firsts[0].frames)
