"""How a recording in progress sounds, block by block: its level, whether someone is speaking,
and a warning when the input is silent, too quiet or clipping (for a live display)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voiceclose.audio.decode import SAMPLE_RATE

NO_SOUND = "no sound from the microphone: is it muted, or the wrong one?"
DEVICES_HINT = " (see devices)"  # where to look at the terminal; the app says its own
SILENT_DBFS = -65.0  # below this the input is silent (muted, or the wrong device)
QUIET_DBFS = -35.0  # speech peaking below this is too quiet to transcribe well
CLIP_LEVEL = 0.99  # a sample this close to full scale is at the top of the input's range
CLIP_FRACTION = 0.01  # a block is clipping when this share of its samples is there: a loud
# syllable's few peaks at full scale are not (4-12 in a whole close told a normal speaker "too loud
# for 7 s"); an overdriven input flattens runs of them
WARN_AFTER_S = 2.0  # how long a condition lasts before it is worth a warning
# Once speech has been heard the microphone evidently works, and a pause to think is not a muted
# microphone: a headset with noise suppression, or a virtual source, gives exact digital silence
# between phrases (a stranger saw "no sound: muted mic?" 1-2 s after every sentence). Silence then
# has to last this long to be worth the warning (a microphone muted in the middle of a close).
SILENT_AFTER_SPEECH_S = 8.0
SPEECH_PROB = 0.5  # Silero probability above which a block holds speech


@dataclass(frozen=True)
class Level:
    """How the recording is going, for a live display."""

    elapsed_s: float
    level_dbfs: float  # peak of the latest block
    speaking: bool
    warning: str | None  # silent, too quiet, clipping


class SpeechTracker:
    """Live level, speech and warnings for the blocks of a recording in progress."""

    def __init__(self, rate: int):
        import soxr

        from voiceclose.audio.voice_activity import SpeechFollower

        self._speech = SpeechFollower()
        self._rate = rate
        self._resampler = None
        if rate != SAMPLE_RATE:
            self._resampler = soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float32")
        self.heard = False
        self.warned: dict[str, float] = {}  # each warning shown, and for how long (seconds)
        self._last_speech_s = 0.0
        self._since: dict[str, float] = {}  # condition -> when it began

    def feed(self, block: np.ndarray, elapsed: float) -> Level:
        mono = block[:, 0] if block.ndim == 2 else block
        magnitude = np.abs(mono)
        peak = float(magnitude.max()) if mono.size else 0.0
        level = float(20 * np.log10(max(peak, 1e-6)))
        at_16k = self._resampler.resample_chunk(mono) if self._resampler else mono
        self.last_16k = at_16k
        speaking = self._speech.feed(at_16k) >= SPEECH_PROB
        if speaking:
            self.heard = True
            self._last_speech_s = elapsed
        self._track("silent", level < SILENT_DBFS, elapsed)
        self._track("quiet", speaking and level < QUIET_DBFS, elapsed)
        at_top = int(np.count_nonzero(magnitude >= CLIP_LEVEL)) if peak >= CLIP_LEVEL else 0
        self._track("clipping", at_top >= CLIP_FRACTION * len(mono), elapsed, hold=1.0)
        warning = self._warning(elapsed)
        if warning:  # remembered for the report: the live line is gone once it ends
            key = warning.split(":")[0]
            self.warned[key] = self.warned.get(key, 0.0) + len(mono) / self._rate
        return Level(elapsed, round(level, 1), speaking, warning)

    def silent_for(self, elapsed: float) -> float:
        return elapsed - self._last_speech_s

    def _track(self, condition: str, now_true: bool, elapsed: float, hold: float = 0.0) -> None:
        if now_true:
            self._since.setdefault(condition, elapsed)
            self._since[f"{condition}-last"] = elapsed
        elif elapsed - self._since.get(f"{condition}-last", -1e9) > hold:
            self._since.pop(condition, None)

    def _lasting(self, condition: str, elapsed: float, for_s: float) -> bool:
        return condition in self._since and elapsed - self._since[condition] >= for_s

    def _warning(self, elapsed: float) -> str | None:
        if self._lasting("clipping", elapsed, 0.0):
            return "clipping: move back a little or turn the input volume down"
        if self._lasting("silent", elapsed, SILENT_AFTER_SPEECH_S if self.heard else WARN_AFTER_S):
            return NO_SOUND + DEVICES_HINT
        if self._lasting("quiet", elapsed, WARN_AFTER_S):
            return "very quiet: speak up or move closer to the microphone"
        return None
