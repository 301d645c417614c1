"""`voiceclose review`: a stored attempt's report again, the moment a part was said played through
the default output (a PulseAudio null sink, recorded from its monitor), and a recheck of the
saved recording with the current checker."""

from __future__ import annotations

import html
import json
import os
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from voiceclose.app.review import PLAY_PAD_S
from voiceclose.results import ELEMENTS

from .conftest import SAMPLES, require_tool, voiceclose_in_a_process
from .pulse import SINK, require_pulse

COMPLETE_ATTEMPT = 3  # complete_close_slt.flac in the batch (see conftest.BATCH)
CAPTURE_RATE = 16000  # Hz, what the sink's monitor is recorded at
FRAME_S = 0.05  # loudness is judged per frame of this length
HEARD = 0.01  # a frame peaking above this (-40 dBFS) holds sound; the null sink's silence is 0


def one_line(run) -> str:
    assert run.err.count("\n") == 1 and "Traceback" not in run.err, run.err
    assert run.err.startswith("voiceclose: ")
    return run.err


# --- the report again -------------------------------------------------------------------------


def test_review_shows_the_latest_attempt_by_default(cli, batch_history, checked_batch):
    latest = checked_batch.checked[-1]
    run = cli("review")
    assert run.code == (0 if latest["missed"] == [] else 1), run.err
    assert run.out.startswith("Attempt 4, ") and latest["source"] in run.out
    assert "Done well" in run.out and latest["elements"]["thanks"]["evidence"] in run.out
    [data] = cli("review", "--json").json()
    assert data["attempt"] == 4 and data["source"] == latest["source"]
    assert data["elements"] == latest["elements"] and data["transcript"] == latest["transcript"]
    assert data["extras"] == latest["extras"] and data["feedback"] == latest["feedback"]
    first = checked_batch.checked[0]
    [data] = cli("review", "1", "--json").json()
    assert data["attempt"] == 1 and data["missed"] == first["missed"] != []
    run = cli("review", "1")
    assert run.code == 1 and "Missed:" in run.out and "Try:" in run.out


def test_unknown_attempt_is_one_line(cli, batch_history):
    for attempt in ("99", "0"):
        run = cli("review", attempt)
        assert run.code == 3 and run.out == ""
        assert f"no attempt {attempt} in the history" in one_line(run)
    run = cli("review", "first")
    assert run.code == 2 and "not a whole number" in run.err


def test_review_with_no_history_is_one_line(cli, user_home):
    run = cli("review")
    assert run.code == 3 and "no attempts in the history yet" in one_line(run)
    assert not (user_home / "data" / "history.db").exists()


def test_playing_a_part_that_was_not_heard_or_does_not_exist(cli, batch_history, checked_batch):
    missed = checked_batch.checked[0]["missed"][0]
    run = cli("review", "1", "--play", missed)
    assert run.code == 2 and "was not heard in attempt 1" in one_line(run)
    run = cli("review", "1", "--play", "handshake")
    assert run.code == 2 and "no part called 'handshake'" in one_line(run)


@pytest.mark.slow
def test_a_typed_attempt_has_nothing_to_play_or_recheck(cli, tmp_path):
    close = tmp_path / "close.txt"
    close.write_text("Thank you for your time. I really want this job.")
    assert cli("check", "--text", close).code == 1
    for extra in (["--play", "thanks"], ["--recheck"]):
        run = cli("review", *extra)
        assert run.code == 3 and "was a typed transcript" in one_line(run)


# --- a recording moved or deleted since -------------------------------------------------------


@pytest.mark.slow
def test_recording_moved_or_deleted_is_one_line_and_the_report_stays(cli, tmp_path):
    mine = tmp_path / "mine.flac"
    shutil.copy(SAMPLES / "no_fit_no_reservations_rms.flac", mine)
    [checked] = cli("check", mine, "--json").json()
    heard = next(e for e in ELEMENTS if checked["elements"][e]["found"])
    mine.rename(tmp_path / "moved.flac")
    for extra in (["--play", heard], ["--recheck"]):
        run = cli("review", *extra)
        assert run.code == 3 and run.out == ""
        line = one_line(run)
        assert str(mine) in line and "moved or deleted" in line
    # the stored report itself is not lost
    run = cli("review")
    assert run.code == 1 and run.err == "" and checked["elements"][heard]["evidence"] in run.out
    page = tmp_path / "review.html"
    run = cli("review", "--html", page)
    assert run.code == 1 and page.is_file()
    text = page.read_text()
    assert f"the recording is no longer at {mine}" in text and "data:audio/" not in text
    assert html.escape(checked["elements"][heard]["evidence"]) in text  # the checklist still is
    mine.with_name("moved.flac").unlink()
    assert "moved or deleted" in one_line(cli("review", "--recheck"))


# --- recheck ----------------------------------------------------------------------------------


def _forget_thanks(database: Path, attempt: int) -> None:
    """Make a stored attempt look as if an older checker had missed its thanks."""
    with closing(sqlite3.connect(database)) as conn, conn:
        [(report,)] = conn.execute("SELECT report FROM attempts WHERE id = ?", (attempt,))
        data = json.loads(report)
        assert data["elements"]["thanks"]["found"]
        data["elements"]["thanks"] = {
            "found": False,
            "score": 0.0,
            "evidence": None,
            "start_s": None,
            "end_s": None,
        }
        data["missed"] = [*data["missed"], "thanks"]
        data["feedback"]["praise"].pop()  # thanks is the last part, so its praise is last
        data["feedback"]["tips"].append(
            {
                "element": "thanks",
                "label": "Thanks",
                "observed": "No thanks for the interviewer's time was heard.",
                "tip": "Thank them for their time.",
                "example": "Thank you for your time today.",
            }
        )
        conn.execute(
            "UPDATE attempts SET report = ?, complete = 0, missed = ? WHERE id = ?",
            (json.dumps(data), json.dumps(data["missed"]), attempt),
        )
        conn.execute(
            "UPDATE elements SET found = 0, score = 0, evidence = NULL, start_s = NULL, "
            "end_s = NULL WHERE attempt_id = ? AND element = 'thanks'",
            (attempt,),
        )


def test_recheck_shows_what_changed(cli, batch_history, checked_batch, tmp_path, monkeypatch):
    result = checked_batch.checked[COMPLETE_ATTEMPT - 1]
    assert result["missed"] == [] and result["source"].endswith("complete_close_slt.flac")
    _forget_thanks(batch_history, COMPLETE_ATTEMPT)
    assert cli("review", COMPLETE_ATTEMPT).code == 1  # as stored: thanks missed
    monkeypatch.chdir(tmp_path)  # the recording is found wherever review runs
    run = cli("review", COMPLETE_ATTEMPT, "--recheck")
    assert run.code == 0, run.err
    thanks = result["elements"]["thanks"]
    assert f"Rechecked attempt {COMPLETE_ATTEMPT} with tiny.en:" in run.out
    assert f"Thanks: now heard: “{thanks['evidence']}”" in run.out
    assert "now: 4 of 4 parts heard" in run.out
    [data] = cli("review", COMPLETE_ATTEMPT, "--recheck", "--json").json()
    assert data["attempt"] == COMPLETE_ATTEMPT
    assert data["before"]["missed"] == ["thanks"] and data["after"]["missed"] == []
    assert data["after"]["elements"]["thanks"]["evidence"] == thanks["evidence"]
    assert [c for c in data["changes"] if c.startswith("Thanks: now heard")]
    # an attempt the checker still reads the same way: nothing changed
    run = cli("review", "4", "--recheck")
    assert "nothing changed: the same parts were heard" in run.out
    [data] = cli("review", "4", "--recheck", "--json").json()
    assert data["changes"] == [] and data["after"]["elements"] == data["before"]["elements"]


# --- playing a moment through the default output ---------------------------------------------


class SinkRecorder:
    """Records the PulseAudio null sink's monitor: what the default output device played."""

    def __init__(self, pulse, path: Path):
        require_tool("parec")
        self.path = path
        self._file = open(path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                "parec",
                f"--device={SINK}.monitor",
                "--raw",
                "--format=s16le",
                f"--rate={CAPTURE_RATE}",
                "--channels=1",
                "--latency-msec=20",
            ],
            stdout=self._file,
            env=pulse.env,
        )
        time.sleep(0.5)  # connected before anything plays
        assert self.proc.poll() is None, "parec could not record the sink's monitor"

    def stop(self) -> np.ndarray:
        time.sleep(0.5)  # the tail of what was played
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self._file.close()
        return np.frombuffer(self.path.read_bytes(), dtype="<i2").astype(np.float32) / 32768


def heard_span_s(samples: np.ndarray) -> float:
    """Seconds from the first frame that holds sound to the last (0 for silence)."""
    frame = int(FRAME_S * CAPTURE_RATE)
    frames = samples[: samples.size // frame * frame].reshape(-1, frame)
    loud = np.flatnonzero(np.abs(frames).max(axis=1) > HEARD)
    return 0.0 if loud.size == 0 else (loud[-1] - loud[0] + 1) * FRAME_S


def test_play_sends_the_moment_to_the_default_output(mic, batch_history, checked_batch, tmp_path):
    env = {**os.environ, "XDG_RUNTIME_DIR": mic.env["XDG_RUNTIME_DIR"]}
    result = checked_batch.checked[COMPLETE_ATTEMPT - 1]
    for element in ("interest", "thanks"):
        e = result["elements"][element]
        said_s = e["end_s"] - e["start_s"]
        sink = SinkRecorder(mic, tmp_path / f"{element}.raw")
        done = voiceclose_in_a_process(env, "review", COMPLETE_ATTEMPT, "--play", element)
        played = sink.stop()
        assert done.returncode == 0, done.stderr
        assert done.stdout == ""  # --play alone shows no report
        assert f"Playing {element} at " in done.stderr and e["evidence"] in done.stderr
        assert "Expression '" not in done.stderr and "ALSA lib" not in done.stderr
        assert "Traceback" not in done.stderr
        peak = float(np.abs(played).max()) if played.size else 0.0
        assert peak > 0.03, f"nothing reached the output device (peak {peak:.4f})"
        # the moment, not the whole 30-second recording
        span = heard_span_s(played)
        assert 0.7 * said_s <= span <= said_s + 2 * PLAY_PAD_S + 0.6, (span, said_s)


@pytest.mark.slow
def test_play_with_no_output_device_is_one_line(batch_history, tmp_path):
    require_pulse()
    nowhere = tmp_path / "no-sound-server"
    nowhere.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(nowhere)}
    done = voiceclose_in_a_process(env, "review", COMPLETE_ATTEMPT, "--play", "thanks")
    assert done.returncode == 3, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("voiceclose:")]
    assert len(errors) == 1 and "output device" in errors[0], done.stderr
    assert "Traceback" not in done.stderr and "Expression '" not in done.stderr


@pytest.mark.slow
def test_review_html_from_another_folder_keeps_the_audio(cli, tmp_path, monkeypatch):
    # checked by a relative path in one folder, reviewed from another
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(SAMPLES / "no_fit_no_reservations_rms.flac", work / "close.flac")
    monkeypatch.chdir(work)
    assert cli("check", "close.flac").code == 1
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    page = elsewhere / "page.html"
    run = cli("review", "--html", page)
    assert run.code == 1 and "Report page: " in run.err
    text = page.read_text()
    assert "data:audio/" in text and "no longer at" not in text
    assert "attempt 1" in text and "Your last attempts" in text
