"""What the command line does to the terminal: a live level meter, and PortAudio's own noise
kept off the screen."""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def native_stderr_silenced():
    """PortAudio, ALSA and PulseAudio write their own diagnostics straight to file descriptor 2;
    keep those out of voiceclose's one-line messages, which still reach the terminal."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    ours = sys.stderr
    sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, errors="replace")
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr.close()
        os.dup2(saved, 2)
        os.close(saved)
        sys.stderr = ours


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
