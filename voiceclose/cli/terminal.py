"""What the command line does to the terminal: a live level meter, and PortAudio's own noise
kept off the screen."""

from __future__ import annotations

import sys

# PortAudio, ALSA and PulseAudio write their own diagnostics straight to file descriptor 2; the
# core's helper keeps those out of voiceclose's one-line messages (practice and devices use it).
from voiceclose.audio.native import native_stderr_silenced  # noqa: F401 - for the commands


class Meter:
    """A one-line level meter and timer on the terminal."""

    WIDTH = 24

    def __init__(self, suggested_s: float):
        self.suggested_s = suggested_s

    def show(self, level) -> None:
        filled = max(0, min(self.WIDTH, int((level.level_dbfs + 60) / 60 * self.WIDTH)))
        bar = "█" * filled + "·" * (self.WIDTH - filled)
        elapsed = f"{int(level.elapsed_s) // 60}:{int(level.elapsed_s) % 60:02d}"
        target = f"{int(self.suggested_s) // 60}:{int(self.suggested_s) % 60:02d}"
        over = "  (past the suggested length)" if level.elapsed_s > self.suggested_s else ""
        note = f"  {level.warning}" if level.warning else over
        print(
            f"\r\033[K● {elapsed} / {target}  [{bar}] {level.level_dbfs:6.1f} dB{note}",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def clear(self) -> None:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
