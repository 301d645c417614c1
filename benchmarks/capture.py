"""How quickly practice starts recording, and how much a kill -9 loses, on a busy machine.

    .venv/bin/python benchmarks/capture.py [--kills N] [--idle]

Through a private PulseAudio null sink (as the tests use), with two processes spinning on the CPU
unless --idle. Prints `name value` lines (it asserts nothing):
  - enter_to_first_sample_s: from the moment recording starts (Enter) to the first sample in the
    file, in-process with the same Practice the CLI uses (negative: the pre-roll holds audio
    from before Enter), median and worst of five;
  - enter_to_cue_s: from Enter pressed at a terminal (a pty) to "Speak now" on the screen;
  - kill9_loss_s: audio captured but missing from the file after `kill -9`, at random moments
    in a spoken close, median and worst of N (default 10).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pulse import PulseServer  # noqa: E402
from tests.terminal_session import Terminal, busy_cpu  # noqa: E402
from tests.test_capture import PROMPT, kill_after  # noqa: E402

SPEECH = ROOT / "samples" / "complete_close_slt.flac"


def enter_to_first_sample(env: dict, out: Path, runs: int = 5) -> list[float]:
    from voiceclose.app import scenarios
    from voiceclose.app.practise import Practice, record_options

    os.environ.update(env)
    scenario = scenarios.find(PROMPT)
    found = []
    for n in range(runs):
        options = record_options(scenario, out / str(n), None, 2.0, None)
        with Practice(scenario, options, "tiny.en") as practice:
            practice.prepare()
            time.sleep(1.0)  # a person reads the prompt
            done = practice.record()
        found.append(done.recording.first_sample_after_start_s)
    return found


def enter_to_cue(env: dict, out: Path, runs: int = 3) -> list[float]:
    found = []
    for n in range(runs):
        run = Terminal(["practice", "--prompt", PROMPT, "--out", str(out / f"cue{n}")], env)
        run.wait_for("Press Enter")
        time.sleep(1.0)
        pressed = run.press_enter()
        found.append(run.wait_for("● Speak now") - pressed)
        run.proc.kill()
        run.proc.wait()
        os.close(run.leader)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--idle", action="store_true", help="no CPU load")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        load = contextlib.nullcontext() if args.idle else busy_cpu()
        with PulseServer(tmp / "pulse") as mic, load:
            env = {**mic.env, "VOICECLOSE_HOME": str(tmp / "home")}
            firsts = enter_to_first_sample(env, tmp / "first")
            cues = enter_to_cue(env, tmp)
            rng = random.Random(1)
            losses = [
                kill_after(env, tmp / f"kill{n}", SPEECH, mic, rng.uniform(3, 20))
                for n in range(args.kills)
            ]
    print(f"cpu_load {'none' if args.idle else '2 spinning processes'}")
    _line("enter_to_first_sample_s", firsts)
    _line("enter_to_cue_s", cues)
    _line("kill9_loss_s", losses)
    return 0


def _line(name: str, values: list[float]) -> None:
    worst = max(values, key=abs) if name != "kill9_loss_s" else max(values)
    print(
        f"{name} median {statistics.median(values):.3f} worst {worst:.3f} "
        f"(n={len(values)}: {' '.join(f'{v:.2f}' for v in values)})"
    )


if __name__ == "__main__":
    sys.exit(main())
