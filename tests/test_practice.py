"""`voiceclose practice` through a real audio path: PulseAudio's null-sink monitor as the microphone,
paplay into the sink as the person speaking, sounddevice/PortAudio recording it."""

from __future__ import annotations

import json
import os
import queue
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from voiceclose.audio.capture import PRE_ROLL_S
from voiceclose.cli.practice import UNATTENDED_PRE_ROLL_S

from .conftest import ROOT, SAMPLES, voiceclose_in_a_process
from .pulse import PulseServer, require_pulse
from .terminal_session import Terminal

pytestmark = pytest.mark.slow  # the model, synthetic speech or PulseAudio

COMPLETE = SAMPLES / "complete_close_slt.flac"  # a nurse's close with all four parts
PROMPT = "emergency-nurse"


class Practice:
    """`voiceclose practice` in a subprocess with no terminal on stdin."""

    def __init__(self, args, env, preexec=None, followup=False):
        extra = [] if followup else ["--no-followup"]  # the round has tests of its own
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "voiceclose",
                "practice",
                "--prompt",
                PROMPT,
                *extra,
                *map(str, args),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
            preexec_fn=preexec,
        )
        self._err: queue.Queue[str] = queue.Queue()
        self.err_lines: list[str] = []
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self._err.put(line)

    def recording_path(self, timeout: float = 120) -> Path:
        """Wait until recording has started; the file it is going to."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._err.get(timeout=1)
            except queue.Empty:
                assert self.proc.poll() is None, f"practice exited early: {self.err_lines}"
                continue
            self.err_lines.append(line)
            if "Recording to " in line:  # after the "speak now" cue
                return Path(line.split("Recording to ", 1)[1].split(" from ")[0])
        raise AssertionError(f"recording never started: {self.err_lines}")

    def finish(self, timeout: float = 240) -> tuple[int, str, str]:
        out = self.proc.stdout.read()
        code = self.proc.wait(timeout=timeout)
        time.sleep(0.2)
        while not self._err.empty():
            self.err_lines.append(self._err.get_nowait())
        return code, out, "".join(self.err_lines)


@pytest.fixture
def env(mic):
    return {**os.environ, "XDG_RUNTIME_DIR": mic.env["XDG_RUNTIME_DIR"]}


def test_practice_records_checks_and_saves_the_report(mic, env, cli, tmp_path):
    run = Practice(["--out", tmp_path, "--json", "--max-seconds", 90], env)
    recording = run.recording_path()
    mic.play(COMPLETE).wait(timeout=60)
    code, out, err = run.finish()
    assert code == 0, err
    report = json.loads(out)
    assert report["recording"] == str(recording) and report["prompt"] == PROMPT
    assert recording.is_file() and report["duration_s"] > 25
    assert report["missed"] == [], report["transcript"]
    assert any("after a pause" in note for note in report["notes"])
    saved = json.loads(recording.with_suffix(".json").read_text())
    assert saved["elements"] == report["elements"]
    # checking the saved recording later gives the same result, scenario included
    [later] = cli("check", recording, "--json").json()
    assert {k: v["found"] for k, v in later["elements"].items()} == {
        k: v["found"] for k, v in report["elements"].items()
    }
    assert later["prompt"] == PROMPT
    assert "Traceback" not in err and "Expression '" not in err  # no native library chatter


# A recorder opened, then started seconds later, as practice does without a terminal (speech
# detection loads between the two): prints the seconds kept from before the start, then the file.
OPEN_THEN_RUN = """
import sys, time
from pathlib import Path
from voiceclose.audio.recorder import Recorder, RecordOptions
kept = float(sys.argv[2])
options = RecordOptions(Path(sys.argv[1]), "late", stop_after_silence_s=3.0, pre_roll_s=kept)
recorder = Recorder(options)
recorder.open()
print("open", flush=True)
time.sleep(4)
done = recorder.run()
print(done.kept_before_start_s, done.path, flush=True)
"""


@pytest.mark.parametrize("pre_roll_s", [UNATTENDED_PRE_ROLL_S, PRE_ROLL_S])
def test_without_a_terminal_what_is_said_once_the_microphone_opens_is_kept(
    mic, env, cli, tmp_path, pre_roll_s
):
    """Practice with no terminal keeps all that is heard from the moment the microphone opens
    (UNATTENDED_PRE_ROLL_S), so a script that speaks before the "speak now" cue loses nothing;
    the short pre-roll kept at a terminal would lose the first seconds here."""
    run = subprocess.Popen(
        [sys.executable, "-c", OPEN_THEN_RUN, str(tmp_path), str(pre_roll_s)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert run.stdout.readline().strip() == "open", run.stderr.read()
    mic.play(COMPLETE).wait(timeout=60)  # "Before we wrap up, I'd like to say that I really..."
    kept, path = run.stdout.readline().split(maxsplit=1)
    assert run.wait(timeout=60) == 0, run.stderr.read()
    [report] = cli("check", path.strip(), "--json").json()
    opening = " ".join(report["transcript"].lower().split()[:6])
    if pre_roll_s == UNATTENDED_PRE_ROLL_S:
        assert float(kept) > 3.5 and "before we wrap up" in opening, report["transcript"]
    else:  # the test can tell: without the long pre-roll the opening is lost
        assert float(kept) <= PRE_ROLL_S and "before we wrap up" not in opening


def test_kill_minus_nine_leaves_a_checkable_recording(mic, env, cli, tmp_path):
    run = Practice(["--out", tmp_path, "--max-seconds", 120, "--stop-after-silence", 60], env)
    recording = run.recording_path()
    speaker = mic.play(COMPLETE)
    time.sleep(12)  # the close opens with "I really want this role"
    run.proc.kill()
    run.proc.wait(timeout=30)
    speaker.kill()
    assert recording.is_file() and recording.stat().st_size > 100_000
    [report] = cli("check", recording, "--json").json()
    assert report["ok"] and report["extras"]["speech_heard"]
    assert report["elements"]["interest"]["found"], report["transcript"]


def test_ctrl_c_keeps_the_recording_and_reports(mic, env, tmp_path):
    run = Practice(["--out", tmp_path, "--json", "--stop-after-silence", 60], env)
    recording = run.recording_path()
    mic.play(COMPLETE).wait(timeout=60)
    run.proc.send_signal(signal.SIGINT)
    code, out, err = run.finish()
    assert code == 130, err  # reported, then the session ends as for any Ctrl-C
    report = json.loads(out)
    assert report["recording"] == str(recording) and recording.is_file()
    assert any("Ctrl-C" in note for note in report["notes"])
    assert report["missed"] == []


def test_a_second_practice_never_overwrites_the_first(mic, env, tmp_path):
    # two at once, so both start within the same second and want the same name
    runs = [Practice(["--out", tmp_path, "--json", "--max-seconds", 12], env) for _ in range(2)]
    paths = [r.recording_path() for r in runs]
    mic.play(SAMPLES / "no_fit_en_gb_f3.flac").wait(timeout=60)
    results = [r.finish() for r in runs]
    assert all(code in (0, 1) for code, _, _ in results), results
    assert len(set(paths)) == 2 and all(p.is_file() and p.stat().st_size > 100_000 for p in paths)
    first = paths[0].read_bytes()
    run = Practice(["--out", tmp_path, "--json", "--max-seconds", 3], env)
    third = run.recording_path()
    run.finish()
    assert third not in paths and paths[0].read_bytes() == first
    assert len(list(tmp_path.glob("*.wav"))) == 3


def test_no_input_device_is_one_clear_line(tmp_path):
    require_pulse()
    nowhere = tmp_path / "no-sound-server"
    nowhere.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(nowhere)}
    done = voiceclose_in_a_process(env, "practice", "--prompt", PROMPT, "--out", tmp_path / "rec")
    assert done.returncode == 3
    errors = [line for line in done.stderr.splitlines() if line.startswith("voiceclose:")]
    assert errors == [errors[0]] and "no microphone found" in errors[0]
    assert "Traceback" not in done.stderr and "Expression '" not in done.stderr
    assert not list((tmp_path / "rec").glob("*.wav")) if (tmp_path / "rec").exists() else True


@pytest.mark.parametrize(
    "device, words",
    [("no-such-microphone", "no input device matches"), ("99", "no input device number 99")],
)
def test_unknown_device(mic, env, tmp_path, device, words):
    done = voiceclose_in_a_process(
        env, "practice", "--prompt", PROMPT, "--device", device, "--out", tmp_path
    )
    assert done.returncode == 3 and words in done.stderr and "Traceback" not in done.stderr
    assert "voiceclose devices" in done.stderr  # what to do next


def test_devices_lists_the_microphone(mic, env):
    done = voiceclose_in_a_process(env, "devices", "--json", timeout=60)
    assert done.returncode == 0
    devices = [json.loads(line) for line in done.stdout.splitlines()]
    assert devices and any(d["is_default"] for d in devices)


def test_device_that_disappears_mid_recording(tmp_path, env):
    require_pulse()
    own = PulseServer(
        tmp_path / "pulse-runtime"
    )  # a server of this test's own, to pull the plug on
    own.start()
    try:
        run = Practice(
            ["--out", tmp_path / "rec", "--json", "--stop-after-silence", 60], {**env, **own.env}
        )
        recording = run.recording_path()
        own.play(COMPLETE)
        time.sleep(10)
        own.stop()
        code, out, err = run.finish()
    finally:
        own.stop()
    assert code == 3
    assert "microphone stopped sending audio" in err and "Traceback" not in err
    report = json.loads(out)
    assert report["ok"] and report["extras"]["speech_heard"] and recording.is_file()


def test_disk_that_refuses_writes_stops_and_keeps_what_was_saved(mic, env, cli, tmp_path):
    limit = 200_000  # bytes: about six seconds of 16 kHz audio

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    run = Practice(
        ["--out", tmp_path, "--json", "--stop-after-silence", 60], env, preexec=small_disk
    )
    recording = run.recording_path()
    speaker = mic.play(COMPLETE)
    code, out, err = run.finish()
    speaker.kill()
    assert code == 3
    assert "could not write" in err and "what was saved is kept" in err
    assert recording.stat().st_size == limit
    report = json.loads(out)
    assert report["ok"] and report["extras"]["speech_heard"]


def test_at_a_terminal_the_live_line_ticks_parts_while_they_are_said(mic, env, tmp_path):
    """Enter starts and stops; while the close is spoken, the live line shows the timer, the
    level and the four parts, and ticks a part before the speaker has finished (a 31-s close,
    interest said in its first five seconds)."""
    run = Terminal(["practice", "--prompt", PROMPT, "--no-followup", "--out", str(tmp_path)], env)
    try:
        run.wait_for("Press Enter")
        run.press_enter()
        run.wait_for("Recording to")
        speaking = mic.play(SAMPLES / "complete_close_slt.flac")
        run.wait_for("✓ ", timeout=60)
        still_speaking = speaking.poll() is None
        speaking.wait(timeout=60)
        run.wait_for("✓ res", timeout=60)
        run.press_enter()
        run.wait_for("Enter to try again")  # the report is out; q quits
        os.write(run.leader, b"q\n")
        code, out = run.finish()
    finally:
        run.proc.kill()
    assert code in (0, 1)
    assert still_speaking, "nothing was ticked until the close had been spoken"
    assert " / 1:00" in run.screen and " dB" in run.screen
    assert "Done well" in out and "Interest" in out
    assert len(list(tmp_path.glob("*.wav"))) == 1
