"""What a second thread using torch costs, and that voiceclose no longer pays it.

    .venv/bin/python benchmarks/threads.py [--runs N]

Prints `name value` lines (it asserts nothing):
  - torch alone: 3,000 linear layers of a decoding step's size (2 x 384 by 1,152 x 384) on a
    thread, then on a second thread once the first has used torch (libgomp gives each thread a
    team of OpenMP threads and, with more of them than cores, stops spinning at barriers), then
    on the first again;
  - voiceclose: the 56-s close of benchmarks/app.py transcribed (warm model) from the main
    thread, from a pool of threads (as the app's routes call it), and while a recording's speech
    follower runs in another thread (as practice does); median of N each. All three run on
    voiceclose's compute thread (voiceclose/asr/compute_thread.py), so they should agree.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLOSE_PARTS = ("complete_close_slt.flac", "no_thanks_en_us_m3.flac")


def small_layers(n: int = 3000) -> float:
    import torch

    x, weight = torch.randn(2, 1, 384), torch.randn(1152, 384)
    started = time.perf_counter()
    for _ in range(n):
        torch.nn.functional.linear(x, weight)
    return time.perf_counter() - started


def torch_alone() -> None:
    first = ThreadPoolExecutor(1)  # threads of their own: the compute thread stays out of it
    second = ThreadPoolExecutor(1)
    print(f"torch_small_layers_one_thread_s {first.submit(small_layers).result():.3f}")
    print(f"torch_small_layers_second_thread_s {second.submit(small_layers).result():.3f}")
    print(f"torch_small_layers_first_thread_again_s {first.submit(small_layers).result():.3f}")
    first.shutdown()
    second.shutdown()


def close_audio(lead: int = 0):
    """The 56-s close after ``lead`` samples of silence: a different lead each run, so that no
    window's encoding is remembered from the run before (acceleration.py keeps the last few)."""
    from voiceclose.audio.decode import Audio

    parts = [sf.read(ROOT / "samples" / name, dtype="float32")[0] for name in CLOSE_PARTS]
    gap = np.zeros(16000, dtype=np.float32)
    samples = np.concatenate([np.zeros(lead, dtype=np.float32), parts[0], gap, parts[1]])
    return Audio(
        samples=samples,
        offset_s=0.0,
        file_duration_s=len(samples) / 16000,
        source_rate=16000,
        source_channels=1,
    )


def voiceclose_threads(runs: int) -> None:
    from voiceclose.app.checking import Checker, Options
    from voiceclose.asr.transcribe import transcribe
    from voiceclose.audio.voice_activity import SpeechFollower

    model = Checker(Options()).get_model()
    leads = iter(range(1, 10_000, 37))

    def timed() -> float:
        audio = close_audio(next(leads))
        started = time.perf_counter()
        transcribe(audio, model)
        return time.perf_counter() - started

    timed()  # the first run's own costs
    main = [timed() for _ in range(runs)]
    with ThreadPoolExecutor(4) as pool:
        pooled = [pool.submit(timed).result() for _ in range(runs)]
    stop = threading.Event()

    def follow() -> None:
        follower = SpeechFollower()
        block = close_audio().samples[:1600]
        while not stop.is_set():
            follower.feed(block)
            time.sleep(0.1)

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    following = [timed() for _ in range(runs)]
    stop.set()
    follower.join()
    for name, times in (("main", main), ("pool", pooled), ("beside_a_follower", following)):
        print(
            f"transcribe_56s_from_{name}_s {statistics.median(times):.2f}  "
            f"({' '.join(f'{t:.2f}' for t in times)})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    torch_alone()
    voiceclose_threads(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
