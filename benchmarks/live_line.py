"""How the live line of `voiceclose practice` keeps up with the speaker, at a real terminal.

    .venv/bin/python benchmarks/live_line.py [--runs N] [--idle]

A bundled close (31.6 s, all four parts) is played into a private PulseAudio microphone 0.2 s
after Enter, at a pty, with two processes spinning on the CPU unless --idle. Every refresh of the
live line is read off the screen with the moment it arrived. Prints `name value` lines (it
asserts nothing):
  - refreshes_per_s: how often the line was redrawn while the close was spoken;
  - timer_lag_s: wall time since Enter minus the timer shown, median and worst;
  - silent_while_speaking: refreshes during speech whose level was under -65 dB (the pauses
    between sentences are digital silence in a null sink; many more means the meter is behind);
  - no_sound_warning_while_speaking: refreshes during speech that warned of no sound;
  - level_db_speaking: median level shown during speech;
  - tick_latency_s.PART: from the end of the sentence holding the part (as the report times it)
    to the line's first ✓ for it; "never" if it never ticked before the stop.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pulse import PulseServer  # noqa: E402
from tests.terminal_session import Terminal, busy_cpu  # noqa: E402

SPEECH = ROOT / "samples" / "complete_close_slt.flac"
SCENARIO = "emergency-nurse"
PARTS = {"interest": "int", "fit": "fit", "reservations": "res", "thanks": "tha"}
LINE = re.compile(r"● (\d+):(\d\d) / ")
DB = re.compile(r"(-?\d+\.\d) dB")


def part_ends(env: dict) -> dict[str, float]:
    """When each part's sentence ends in the recording, as the report says."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "voiceclose",
            "check",
            str(SPEECH),
            "--json",
            "--scenario",
            SCENARIO,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    elements = json.loads(out)["elements"]
    return {p: e["end_s"] for p, e in elements.items() if e["found"]}


def ticked(line: str, part: str) -> bool:
    short = PARTS[part]
    return bool(re.search(rf"✓ {short}", line))


def one_run(env: dict, mic: PulseServer, out: Path, ends: dict[str, float]) -> dict:
    run = Terminal(
        ["practice", "--no-followup", "--prompt", SCENARIO, "--out", str(out), "--json"], env
    )
    run.wait_for("Press Enter")
    time.sleep(1.0)
    enter = run.press_enter()
    time.sleep(0.2)
    play_at = time.monotonic()
    player = mic.play(SPEECH)
    seen: list[tuple[float, str]] = []
    buffer = ""
    deadline = play_at + 31.6 + 3.0
    while time.monotonic() < deadline:
        ready, _, _ = select.select([run.leader], [], [], 0.05)
        if not ready:
            continue
        chunk = os.read(run.leader, 4096).decode(errors="replace")
        now = time.monotonic()
        run.screen += chunk
        buffer += chunk
        *done, buffer = buffer.split("\r")
        seen.extend((now, line) for line in done if LINE.search(line))
    player.wait()
    run.press_enter()
    run.finish()
    return measure(seen, enter, play_at, ends)


def measure(seen, enter: float, play_at: float, ends: dict[str, float]) -> dict:
    lags, silent, warned, levels = [], 0, 0, []
    speaking_until = play_at + 29.0
    for at, line in seen:
        m = LINE.search(line)
        shown = int(m.group(1)) * 60 + int(m.group(2))
        lags.append((at - enter) - shown)
        if play_at + 1.0 < at < speaking_until:
            db = DB.search(line)
            if db:
                levels.append(float(db.group(1)))
            if db and float(db.group(1)) < -65:
                silent += 1
            if "no sound" in line:
                warned += 1
    latency = {}
    for part, end_s in ends.items():
        first = next((at for at, line in seen if ticked(line, part)), None)
        latency[part] = None if first is None else first - (play_at + end_s)
    during = [at for at, _ in seen if play_at < at < speaking_until]
    return {
        "refreshes_per_s": len(during) / 29.0,
        "lags": lags,
        "silent": silent,
        "warned": warned,
        "levels": levels,
        "latency": latency,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", action="store_true", help="no spinning processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with PulseServer(tmp / "pulse") as mic:
            env = {**mic.env, "VOICECLOSE_HOME": str(tmp / "home")}
            ends = part_ends(env)
            results = []
            for n in range(args.runs):
                with contextlib.nullcontext() if args.idle else busy_cpu():
                    results.append(one_run(env, mic, tmp / f"r{n}", ends))
    print(f"load {'idle' if args.idle else 'two spinning processes'}, runs {args.runs}")
    print("refreshes_per_s", " ".join(f"{r['refreshes_per_s']:.1f}" for r in results))
    lags = [lag for r in results for lag in r["lags"]]
    print(f"timer_lag_s median {statistics.median(lags):.2f} worst {max(lags):.2f}")
    print("silent_while_speaking", " ".join(str(r["silent"]) for r in results))
    print("no_sound_warning_while_speaking", " ".join(str(r["warned"]) for r in results))
    levels = [v for r in results for v in r["levels"]]
    print(f"level_db_speaking median {statistics.median(levels) if levels else float('nan'):.1f}")
    for part in PARTS:
        values = [r["latency"].get(part) for r in results]
        shown = " ".join("never" if v is None else f"{v:.1f}" for v in values)
        print(f"tick_latency_s.{part} {shown}")


if __name__ == "__main__":
    main()
