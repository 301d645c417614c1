"""Seconds from the end of a 60-second practice recording to the report on screen.

    .venv/bin/python benchmarks/practice_latency.py [--runs N]

Plays a one-minute close into a private PulseAudio null sink (the same real audio path the tests
use), runs `voiceclose practice` on it, and prints, per run and as the median:
  stop_to_report_s    from the moment the recording stops to the report being printed
  speech_to_report_s  from the end of the speech (includes the pause that stops the recording)
Needs pulseaudio, pactl, paplay (scripts/setup.sh --test installs them). Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pulse import PulseServer  # noqa: E402

SILENCE_STOP_S = 2.0  # the pause that ends the recording
CLOSE_PARTS = ("complete_close_slt.flac", "next_steps_slt.flac")  # ~58 s of speech together


def one_minute_close(folder: Path) -> Path:
    parts = [sf.read(ROOT / "samples" / name, dtype="float32")[0] for name in CLOSE_PARTS]
    gap = np.zeros(16000, dtype=np.float32)
    audio = np.concatenate([parts[0], gap, parts[1]])
    path = folder / "close_60s.wav"
    sf.write(path, audio, 16000)
    return path


def run_once(server: PulseServer, close: Path, out: Path, env: dict) -> tuple[float, float]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voiceclose",
            "practice",
            "--prompt",
            "emergency-nurse",
            "--json",
            "--out",
            str(out),
            "--stop-after-silence",
            str(SILENCE_STOP_S),
            "--max-seconds",
            "120",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    marks: dict[str, float] = {}
    started = threading.Event()

    def watch() -> None:
        for line in proc.stderr:
            if line.startswith("Recording to"):
                started.set()
            elif "Checking..." in line:
                marks["stopped"] = time.monotonic()

    threading.Thread(target=watch, daemon=True).start()
    if not started.wait(120):
        proc.kill()
        raise SystemExit("recording never started")
    server.play(close).wait()
    marks["speech_end"] = time.monotonic()
    proc.stdout.read()
    proc.wait()
    marks["report"] = time.monotonic()
    return marks["report"] - marks["stopped"], marks["report"] - marks["speech_end"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        server = PulseServer(tmp / "pulse")
        server.start()
        env = {**os.environ, "XDG_RUNTIME_DIR": server.env["XDG_RUNTIME_DIR"]}
        close = one_minute_close(tmp)
        print(f"close_audio_s {sf.info(close).duration:.1f}")
        try:
            stop, speech = [], []
            for n in range(args.runs):
                s, p = run_once(server, close, tmp / f"rec{n}", env)
                stop.append(s)
                speech.append(p)
                print(
                    f"run {n + 1}: stop_to_report_s {s:.2f}  speech_to_report_s {p:.2f}", flush=True
                )
        finally:
            server.stop()
    print(f"stop_to_report_s_median {statistics.median(stop):.2f}")
    print(f"speech_to_report_s_median {statistics.median(speech):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
