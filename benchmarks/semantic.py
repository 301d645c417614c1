"""What the semantic signal adds to the time of checking a 60-second close.

    .venv/bin/python benchmarks/semantic.py [--runs 3]

Each run is a fresh process that checks the same one-minute close (two bundled samples joined by
a second of silence) the way `voiceclose check` does: the Whisper model and, when on, the
semantic signal start loading in the background, then the audio is decoded, transcribed and
checked. Runs alternate with the signal on and off, each with an empty transcript cache (the
converted Whisper weights and the unpacked MiniLM are shared, as after a first run). Prints the
median wall-clock time of the check with and without the signal, the difference, and the time
the semantic scoring itself takes on the transcript. Figures, not asserts: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
CLOSE_PARTS = ("complete_close_slt.flac", "no_reservations_awb.flac")
GAP_S = 1.0


def one_minute_close(folder: Path) -> Path:
    parts = [sf.read(ROOT / "samples" / name, dtype="float32")[0] for name in CLOSE_PARTS]
    gap = np.zeros(int(16000 * GAP_S), dtype=np.float32)
    path = folder / "close_60s.wav"
    sf.write(path, np.concatenate([parts[0], gap, parts[1]]), 16000)
    return path


def one_check(close: Path, semantic: bool) -> dict:
    """In this process: check ``close`` as the CLI does; the times, in seconds."""
    started = time.perf_counter()
    from voiceclose.app.checking import Checker, Options

    checker = Checker(Options(semantic=semantic))
    checker.prefetch()
    report = checker.check_audio_file(str(close), close)
    total = time.perf_counter() - started
    scoring = None
    if semantic:
        from voiceclose.check import semantic as signal
        from voiceclose.check.context import Context
        from voiceclose.check.rules import load_rules

        ctx = Context(report.words, load_rules(), None)
        model = signal.get()
        t = time.perf_counter()
        model.score(ctx)
        scoring = time.perf_counter() - t
    return {"total": total, "scoring": scoring, "duration": report.duration_s}


def run(close: Path, semantic: bool, cache: Path) -> dict:
    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "cache").mkdir()
        for shared in cache.iterdir():  # weights and MiniLM, not the transcripts
            if shared.name != "transcripts":
                (Path(home) / "cache" / shared.name).symlink_to(shared)
        env = {**os.environ, "VOICECLOSE_HOME": home, "PYTHONPATH": str(ROOT)}
        args = [sys.executable, __file__, "--one", str(close)] + (
            ["--semantic"] if semantic else []
        )
        out = subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--semantic", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_check(args.one, args.semantic)))
        return 0
    from voiceclose.paths import cache_dir

    with tempfile.TemporaryDirectory() as folder:
        close = one_minute_close(Path(folder))
        run(close, True, cache_dir())  # warm: weights converted, MiniLM unpacked
        on, off = [], []
        for _ in range(args.runs):
            off.append(run(close, False, cache_dir()))
            on.append(run(close, True, cache_dir()))
    with_signal = statistics.median(r["total"] for r in on)
    without = statistics.median(r["total"] for r in off)
    print(f"close: {on[0]['duration']:.1f} s of audio; {args.runs} runs each, medians")
    print(f"check without the semantic signal  {without:.2f} s")
    print(f"check with the semantic signal     {with_signal:.2f} s")
    print(f"added                              {with_signal - without:+.2f} s")
    print(f"semantic scoring of the transcript {statistics.median(r['scoring'] for r in on):.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
