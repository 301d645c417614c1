"""Where in a recording someone is actually speaking (Silero VAD, whose weights ship in its wheel).

Whisper invents words on silence and noise ("Thank you.", "Thanks for watching."), so voiceclose
only transcribes where speech was detected, and only credits words whose audio holds speech.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

from voiceclose.asr.compute_thread import on_one_thread
from voiceclose.audio.decode import SAMPLE_RATE
from voiceclose.results import SpeechRegion

SPEECH_THRESHOLD = 0.5  # Silero's probability above which a 32 ms frame counts as speech
FRAME = 512  # samples per Silero frame at 16 kHz (32 ms)
STREAMS = 32  # a recording is read as up to this many parallel streams, one call per frame step
WARM_UP_FRAMES = 16  # each stream first hears the half second before its part (then discarded)
MIN_FRAMES_PER_STREAM = 64  # short recordings use fewer streams (2 s each at least)
MIN_SPEECH_MS = 250  # shorter bursts (clicks, bumps) are not speech
MIN_SILENCE_MS = 300  # pauses shorter than this do not split a speech region
SPEECH_PAD_MS = 100  # widen each region so soft word edges stay inside it
MIN_TOTAL_SPEECH_S = 0.5  # less speech than this in a whole recording is "no speech heard"


@lru_cache(maxsize=1)
def _silero():
    """The silero_vad module. Importing it sets torch to one thread (for the calling thread, and
    for threads that start on torch afterwards), which halves Whisper's speed; the setting is put
    back, under compute_thread's lock."""
    with on_one_thread():
        import silero_vad
    return silero_vad


_per_thread = threading.local()


def _vad_model():
    """This thread's Silero model. The model keeps state between calls, so threads never share
    one: a recording's live follower and a transcription running beside it would corrupt each
    other (and the native memory under them)."""
    model = getattr(_per_thread, "vad", None)
    if model is None:
        model = _per_thread.vad = _silero().load_silero_vad()
    return model


def detect_speech(samples: np.ndarray) -> list[SpeechRegion]:
    """Regions of ``samples`` (16 kHz mono float32) that hold speech, in seconds."""
    if samples.size < SAMPLE_RATE // 10:
        return []
    stamps = _silero().get_speech_timestamps_from_probs(
        speech_probabilities(samples),
        sampling_rate=SAMPLE_RATE,
        threshold=SPEECH_THRESHOLD,
        min_speech_duration_ms=MIN_SPEECH_MS,
        min_silence_duration_ms=MIN_SILENCE_MS,
        speech_pad_ms=SPEECH_PAD_MS,
        audio_length_samples=len(samples),
    )
    return [SpeechRegion(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps]


def speech_probabilities(samples: np.ndarray) -> list[float]:
    """Silero's speech probability for every 32 ms frame of ``samples``.

    Silero is a recurrent model called once per frame, so a minute of audio is ~1,900 calls. The
    audio is cut into STREAMS parts run side by side as one batch (a few calls per part instead);
    each part first hears the half second before it, so its state has settled when its own frames
    begin. On a minute of speech this agrees with one long stream on all but a handful of
    borderline frames, and takes a fraction of the time (0.085 s for a 56-s close on 2 cores with
    27 streams; 0.12 s with 16, which agreed with one long stream no better on 15 long recordings).
    """
    import torch

    frames = -(-len(samples) // FRAME)
    padded = np.zeros(frames * FRAME, dtype=np.float32)
    padded[: len(samples)] = samples
    streams = max(1, min(STREAMS, frames // MIN_FRAMES_PER_STREAM))
    per = -(-frames // streams)
    warm = WARM_UP_FRAMES if streams > 1 else 0
    lead = np.concatenate([np.zeros(warm * FRAME, dtype=np.float32), padded])
    batch = np.zeros((streams, warm + per, FRAME), dtype=np.float32)
    for s in range(streams):
        part = lead[s * per * FRAME : (s * per + warm + per) * FRAME]
        batch[s, : len(part) // FRAME] = part[: len(part) // FRAME * FRAME].reshape(-1, FRAME)
    model = _vad_model()
    model.reset_states()
    with torch.inference_mode():
        probs = np.stack(
            [
                model(torch.from_numpy(batch[:, j]), SAMPLE_RATE).numpy()[:, 0]
                for j in range(warm + per)
            ],
            axis=1,
        )
    return probs[:, warm:].reshape(-1)[:frames].tolist()


def speech_heard(regions: list[SpeechRegion]) -> bool:
    return sum(r.duration_s for r in regions) >= MIN_TOTAL_SPEECH_S


class SpeechFollower:
    """Follows speech live, block by block, for a recording in progress (16 kHz input)."""

    FRAME = 512  # samples Silero takes at 16 kHz (32 ms)

    def __init__(self):
        import torch

        self._torch = torch
        with on_one_thread():  # beside a transcription: see compute_thread.py
            self._model = _silero().load_silero_vad()  # its own: its state follows this stream
        self._pending = np.zeros(0, dtype=np.float32)

    def feed(self, samples: np.ndarray) -> float:
        """Speech probability (0-1) of the latest audio; the highest over ``samples``."""
        self._pending = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        best = 0.0
        with on_one_thread(), self._torch.inference_mode():
            while len(self._pending) >= self.FRAME:
                frame, self._pending = self._pending[: self.FRAME], self._pending[self.FRAME :]
                prob = float(self._model(self._torch.from_numpy(frame.copy()), SAMPLE_RATE).item())
                best = max(best, prob)
        return best
