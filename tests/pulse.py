"""A private PulseAudio server for tests: a null sink whose monitor is the default source.

PortAudio reaches it through ALSA's pulse plugin, so it is a real microphone to sounddevice, and
``play`` (paplay into the sink) is a person speaking into it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

SINK = "voiceclose_mic"
TOOLS = ("pulseaudio", "pactl", "paplay")


def require_pulse() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(
                f"{', '.join(missing)} missing in CI; scripts/setup.sh --test installs PulseAudio"
            )
        pytest.skip(f"PulseAudio is not installed ({', '.join(missing)} missing)")


class PulseServer:
    def __init__(self, runtime: Path):
        runtime.mkdir(parents=True, exist_ok=True)
        runtime.chmod(0o700)
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
        self.env.pop("PULSE_SERVER", None)

    def __enter__(self) -> PulseServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        subprocess.run(
            [
                "pulseaudio",
                "--daemonize=yes",
                "--exit-idle-time=-1",
                "-n",
                "--load=module-native-protocol-unix",
                f"--load=module-null-sink sink_name={SINK}",
            ],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=30,
        )
        for _ in range(100):
            if self.running():
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("PulseAudio did not start")
        self._pactl("set-default-sink", SINK)
        self._pactl("set-default-source", f"{SINK}.monitor")

    def running(self) -> bool:
        return subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode == 0

    def stop(self) -> None:
        subprocess.run(["pulseaudio", "--kill"], env=self.env, capture_output=True)
        for _ in range(50):
            if not self.running():
                return
            time.sleep(0.1)

    def play(self, path: Path) -> subprocess.Popen:
        """Someone speaking into the microphone."""
        return subprocess.Popen(["paplay", f"--device={SINK}", str(path)], env=self.env)

    def _pactl(self, *args: str) -> None:
        subprocess.run(["pactl", *args], env=self.env, check=True, capture_output=True)
