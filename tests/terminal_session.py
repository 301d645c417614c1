"""A person at a terminal, for tests and benchmarks: `voiceclose ARGS` run at a pty and read as
the screen shows it, and other programs keeping the CPU busy meanwhile."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def busy_cpu(processes: int = 2):
    """Other programs keeping both cores busy."""
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)
    ]
    try:
        yield
    finally:
        for p in spinners:
            p.kill()
            p.wait()


class Terminal:
    """`voiceclose ARGS` at a terminal (a pty), read as a person would read the screen."""

    def __init__(self, args: list[str], env: dict, cwd: Path = ROOT):
        self.leader, follower = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voiceclose", *args],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=follower,
            env=env,
            cwd=cwd,
            text=True,
        )
        os.close(follower)
        self.screen = ""

    def wait_for(self, needle: str, timeout: float = 120) -> float:
        """Read the screen until ``needle`` shows; returns the moment it did."""
        deadline = time.monotonic() + timeout
        while needle not in self.screen:
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {needle!r}: {self.screen[-600:]}")
            ready, _, _ = select.select([self.leader], [], [], 0.05)
            if ready:
                try:
                    self.screen += os.read(self.leader, 4096).decode(errors="replace")
                except OSError:
                    break
        return time.monotonic()

    def press_enter(self) -> float:
        os.write(self.leader, b"\n")
        return time.monotonic()

    def finish(self, timeout: float = 180) -> tuple[int, str]:
        out = self.proc.stdout.read()
        code = self.proc.wait(timeout=timeout)
        with contextlib.suppress(OSError):
            while select.select([self.leader], [], [], 0.1)[0]:
                self.screen += os.read(self.leader, 4096).decode(errors="replace")
        os.close(self.leader)
        return code, out

    def recording(self) -> Path:
        line = self.screen.split("Recording to ", 1)[1]
        return Path(line.split(" from ")[0])
