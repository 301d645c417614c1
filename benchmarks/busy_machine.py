"""How long transcribing a one-minute close takes on an idle and on a busy machine.

    .venv/bin/python benchmarks/busy_machine.py [--runs N]

The 56-s close (two samples joined, as benchmarks/app.py uses) is transcribed N times (default 4)
in a fresh process per setting, first on an idle machine, then with two processes spinning on the
CPU (a busy desk: a browser, a build). Settings: torch's OpenMP threads as voiceclose sets them
(GOMP_SPINCOUNT=10000) and as libgomp's default (300,000). Prints one line per setting and load
with every run's seconds (it asserts nothing); the first run includes warming up. The model is
loaded as the CLI and the app load it, in a thread that ends: loaded in the main thread, torch's
threads there and on the compute thread would be more than the cores (see compute_thread.py),
and every transcription twice as slow as any user's (2.4 s instead of 1.2 idle).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.terminal_session import busy_cpu  # noqa: E402

SETTINGS = {"voiceclose (spin 10000)": "10000", "libgomp default (spin 300000)": "300000"}
ONE_PROCESS = """
import sys, time, numpy as np, soundfile as sf
sys.path.insert(0, {root!r})
from voiceclose.asr.weights import ModelLoader
from voiceclose.asr.transcribe import transcribe
from voiceclose.audio.decode import Audio
parts = [sf.read({root!r} + "/samples/" + n, dtype="float32")[0]
         for n in ("complete_close_slt.flac", "no_thanks_en_us_m3.flac")]
model = ModelLoader().get()  # loaded in a thread of its own, as the CLI and the app load it
for i in range({runs}):
    lead = np.zeros(1 + 37 * i, dtype=np.float32)  # new audio each time: no remembered transcript
    a = np.concatenate([lead, parts[0], np.zeros(16000, dtype=np.float32), parts[1]])
    audio = Audio(samples=a, offset_s=0.0, file_duration_s=len(a) / 16000, source_rate=16000,
                  source_channels=1)
    t = time.perf_counter()
    transcribe(audio, model)
    print(f"{{time.perf_counter() - t:.2f}}", end=" ", flush=True)
"""


def runs_with(spin: str, runs: int) -> str:
    env = {**os.environ, "GOMP_SPINCOUNT": spin}
    code = ONE_PROCESS.format(root=str(ROOT), runs=runs)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=1800
    )
    return done.stdout.strip() or f"failed: {done.stderr.strip().splitlines()[-1:]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    print(f"cpus {os.cpu_count()}  load_average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for name, spin in SETTINGS.items():
        print(f"idle  {name}: {runs_with(spin, args.runs)}")
    with busy_cpu():
        for name, spin in SETTINGS.items():
            print(f"busy  {name}: {runs_with(spin, args.runs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
