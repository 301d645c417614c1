"""The follow-up round through the real audio path: the interviewer's concern is spoken by the
offline voice into the PulseAudio sink whose monitor is the microphone (so the microphone hears
the interviewer), the answer is played into the sink after it, and the answer's recording must
hold the answer and none of the interviewer's line."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
import soundfile as sf

from voiceclose.evaluate.speak import Effects, Voice, render

from .conftest import voiceclose_in_a_process
from .test_practice import COMPLETE, Practice, env  # noqa: F401 - env is a fixture

pytestmark = pytest.mark.slow

# Words of the concern that the answer never says: any of them in the answer's transcript would be
# the interviewer's voice leaking into the candidate's recording.
CONCERN = (
    "My worry is that you have never been in charge of a night shift, "
    "and here you would be running the floor some nights."
)
CONCERN_ONLY = {"worry", "charge", "night", "nights", "floor", "running", "never"}
ANSWER = (
    "That's a fair concern. I've booked the shift leadership course for next month, "
    "and I'll shadow your senior sister until then. I'm confident I'd do it well, "
    "and I'd really love to join your team."
)


@pytest.fixture
def prompts(tmp_path) -> Path:
    """The nurse scenario with one known concern, as a user's own scenario."""
    from voiceclose.paths import prompts_dir

    folder = tmp_path / "prompts"
    folder.mkdir()
    text = (prompts_dir() / "emergency-nurse.toml").read_text()
    text = text[: text.index("[[concerns]]")]
    text += f'[[concerns]]\nkind = "skills_gap"\ntext = "{CONCERN}"\n'
    (folder / "emergency-nurse.toml").write_text(text)
    return folder


def test_the_concern_is_spoken_and_the_answer_recorded_without_it(mic, env, prompts, tmp_path):  # noqa: F811
    answer = tmp_path / "answer.wav"
    render(ANSWER, Voice.parse("flite:slt"), Effects(pad=(0.2, 0.5)), answer)
    env = {**env, "VOICECLOSE_PROMPTS": str(prompts)}
    page = tmp_path / "page.html"
    args = ["--out", tmp_path / "rec", "--json", "--max-seconds", 60, "--html", page]
    run = Practice(args, env, followup=True)
    close = run.recording_path()
    mic.play(COMPLETE).wait(timeout=60)
    answer_path = run.recording_path(timeout=180)  # the second "Recording to": the answer
    assert answer_path != close
    mic.play(answer).wait(timeout=60)
    code, out, err = run.finish()
    assert code == 0, err
    report = json.loads(out)
    assert report["missed"] == [], report["transcript"]
    followup = report["followup"]
    assert followup["concern"] == {"kind": "skills_gap", "text": CONCERN}
    assert followup["recording"] == str(answer_path) and answer_path.is_file()
    heard = set(re.findall(r"[a-z]+", followup["transcript"].lower()))
    assert not heard & CONCERN_ONLY, followup["transcript"]  # no interviewer in the answer
    assert {"course", "month", "team"} <= heard, followup["transcript"]
    assert set(followup["elements"]) == {"acknowledge", "address", "high_note"}
    assert followup["missed"] == [], followup
    assert any("after the interviewer finished speaking" in n for n in followup["notes"]), followup
    assert CONCERN in err  # printed as well as spoken
    saved = json.loads(close.with_suffix(".json").read_text())
    assert saved["followup"]["transcript"] == followup["transcript"]
    html = page.read_text()  # the answer has its own section, waveform and player
    assert 'id="input-1-answer"' in html and html.count("<audio") == 2
    assert html.count('<svg class="wave"') == 2 and CONCERN in html
    # the history keeps it: review plays a part of the answer from the answer's recording
    done = voiceclose_in_a_process(env, "review", "--play", "address")
    assert done.returncode == 0, done.stderr
    assert "Playing address" in done.stderr and "course" in done.stderr
    listing = voiceclose_in_a_process(env, "history")
    assert "answers to the interviewer's concern: acknowledge 1 of 1" in listing.stdout


def test_no_output_device_prints_the_concern_and_runs_the_round(mic, env, prompts, tmp_path):  # noqa: F811
    """PulseAudio told to play into a sink that does not exist: the output cannot be opened, so
    the concern is printed only (with why), and the answer is still recorded and checked."""
    answer = tmp_path / "answer.wav"
    render(ANSWER, Voice.parse("flite:slt"), Effects(pad=(0.2, 0.5)), answer)
    env = {**env, "VOICECLOSE_PROMPTS": str(prompts), "PULSE_SINK": "no_such_sink"}
    run = Practice(["--out", tmp_path / "rec", "--json", "--max-seconds", 60], env, followup=True)
    run.recording_path()
    mic.play(COMPLETE).wait(timeout=60)
    answer_path = run.recording_path(timeout=180)
    mic.play(answer).wait(timeout=60)
    code, out, err = run.finish()
    assert code == 0, err
    followup = json.loads(out)["followup"]
    assert CONCERN in err and "not spoken aloud: cannot play through" in err
    assert any(n.startswith("the concern was printed, not spoken") for n in followup["notes"])
    assert followup["recording"] == str(answer_path) and followup["missed"] == [], followup
    assert {"course", "month"} <= set(re.findall(r"[a-z]+", followup["transcript"].lower()))


def test_without_a_terminal_an_answer_nobody_gives_ends_soon(mic, env, prompts, tmp_path):  # noqa: F811
    """A script that plays its close and never answers the concern: the answer's recording
    stops once nothing has been said for UNATTENDED_NO_SPEECH_STOP_S, not at the time limit."""
    from voiceclose.cli.practice import UNATTENDED_NO_SPEECH_STOP_S

    env = {**env, "VOICECLOSE_PROMPTS": str(prompts)}
    run = Practice(["--out", tmp_path / "rec", "--json", "--max-seconds", 170], env, followup=True)
    run.recording_path()
    mic.play(COMPLETE).wait(timeout=60)
    answer_path = run.recording_path(timeout=180)
    code, out, err = run.finish(timeout=170)
    assert "Stopped: nothing was said from the start" in err, err
    seconds = sf.info(answer_path).duration
    assert UNATTENDED_NO_SPEECH_STOP_S - 1 <= seconds <= UNATTENDED_NO_SPEECH_STOP_S + 3, seconds
    assert json.loads(out)["missed"] == [] and "Traceback" not in err


def test_at_a_terminal_enter_stops_the_answer(mic, env, prompts, tmp_path):  # noqa: F811
    """Enter stops the answer's recording at a terminal (the one reader of the terminal gets
    it), the live line shows no close parts for the answer, and q then quits."""
    from .terminal_session import Terminal

    answer = tmp_path / "answer.wav"
    render(ANSWER, Voice.parse("flite:slt"), Effects(pad=(0.2, 0.5)), answer)
    env = {**env, "VOICECLOSE_PROMPTS": str(prompts)}
    run = Terminal(["practice", "--prompt", "emergency-nurse", "--out", str(tmp_path)], env)
    run.wait_for("Press Enter")
    run.press_enter()
    run.wait_for("● Speak now")
    mic.play(COMPLETE).wait(timeout=60)
    run.press_enter()
    run.wait_for("● Answer now", timeout=240)
    mic.play(answer).wait(timeout=60)
    time.sleep(1.0)
    run.press_enter()
    run.wait_for("Press Enter to try again", timeout=240)
    os.write(run.leader, b"q\n")
    code, out = run.finish()
    assert code == 0, run.screen[-800:]
    answer_screen = run.screen.rsplit("● Answer now", 1)[1]
    assert "Stopped with Enter" in answer_screen, answer_screen[-800:]
    path = Path(answer_screen.split("Recording to ", 1)[1].split(" from ")[0])
    assert sf.info(str(path)).duration < 40  # Enter stopped it, not the time limit (180 s)
    assert "Try 2" not in out  # the Enter that stopped the answer started nothing else
    live = answer_screen.split("Stopped with Enter")[0]
    assert "reservations" not in live and "thanks" not in live  # not the close's parts
    assert "Your answer to the interviewer's concern" in out and "✓ Address" in out
