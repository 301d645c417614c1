"""Where in a recording someone is actually speaking (Silero VAD, whose weights ship in its wheel).

Whisper invents words on silence and noise ("Thank you.", "Thanks for watching."), so voiceclose
only transcribes where speech was detected, and only credits words whose audio holds speech.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from voiceclose.audio import SAMPLE_RATE

SPEECH_THRESHOLD = 0.5  # Silero's probability above which a 32 ms frame counts as speech
MIN_SPEECH_MS = 250  # shorter bursts (clicks, bumps) are not speech
MIN_SILENCE_MS = 300  # pauses shorter than this do not split a speech region
SPEECH_PAD_MS = 100  # widen each region so soft word edges stay inside it
MIN_TOTAL_SPEECH_S = 0.5  # less speech than this in a whole recording is "no speech heard"


@dataclass(frozen=True)
class SpeechRegion:
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@lru_cache(maxsize=1)
def _vad_model():
    from silero_vad import load_silero_vad

    return load_silero_vad()


def detect_speech(samples: np.ndarray) -> list[SpeechRegion]:
    """Regions of ``samples`` (16 kHz mono float32) that hold speech, in seconds."""
    import torch
    from silero_vad import get_speech_timestamps

    if samples.size < SAMPLE_RATE // 10:
        return []
    with torch.inference_mode():
        stamps = get_speech_timestamps(
            torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)),
            _vad_model(),
            threshold=SPEECH_THRESHOLD,
            sampling_rate=SAMPLE_RATE,
            min_speech_duration_ms=MIN_SPEECH_MS,
            min_silence_duration_ms=MIN_SILENCE_MS,
            speech_pad_ms=SPEECH_PAD_MS,
        )
    return [SpeechRegion(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps]


def speech_heard(regions: list[SpeechRegion]) -> bool:
    return sum(r.duration_s for r in regions) >= MIN_TOTAL_SPEECH_S


def speech_fraction(regions: list[SpeechRegion], start_s: float, end_s: float) -> float:
    """How much of [start_s, end_s] lies inside speech regions, from 0 to 1."""
    if end_s <= start_s:
        # a zero-length span (a word Whisper squeezed to a point) counts if it sits in speech
        return float(any(r.start_s <= start_s <= r.end_s for r in regions))
    covered = sum(max(0.0, min(end_s, r.end_s) - max(start_s, r.start_s)) for r in regions)
    return min(1.0, covered / (end_s - start_s))


class SpeechFollower:
    """Follows speech live, block by block, for a recording in progress (16 kHz input)."""

    FRAME = 512  # samples Silero takes at 16 kHz (32 ms)

    def __init__(self):
        import torch

        self._torch = torch
        self._model = _vad_model()
        self._model.reset_states()
        self._pending = np.zeros(0, dtype=np.float32)

    def feed(self, samples: np.ndarray) -> float:
        """Speech probability (0-1) of the latest audio; the highest over ``samples``."""
        self._pending = np.concatenate([self._pending, samples.astype(np.float32, copy=False)])
        best = 0.0
        with self._torch.inference_mode():
            while len(self._pending) >= self.FRAME:
                frame, self._pending = self._pending[: self.FRAME], self._pending[self.FRAME :]
                prob = float(self._model(self._torch.from_numpy(frame.copy()), SAMPLE_RATE).item())
                best = max(best, prob)
        return best
