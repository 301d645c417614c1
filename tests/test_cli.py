"""`voiceclose check` end to end: the JSON contract, exit codes, inputs, and every bad input."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pty
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from .conftest import ROOT, SAMPLES

COMPLETE = (
    "Thank you for seeing me today. I really want this role. You said the ward needs someone "
    "calm with sepsis cases, and I've spent five years in intensive care doing exactly that. "
    "Is there anything about my experience that gives you doubts about hiring me?"
)
PARTIAL = "Thanks for your time. I'd love to join the team."


def sample(manifest, **expect) -> Path:
    """The first sample whose expectations include ``expect``."""
    for s in manifest:
        if all(s["expect"].get(k) == v for k, v in expect.items()):
            return SAMPLES / s["file"]
    raise LookupError(expect)


@pytest.mark.slow
def test_json_contract_for_audio(cli, manifest):
    path = sample(manifest, speech=True, interest=True, fit=True, reservations=True, thanks=True)
    run = cli("check", path, "--json")
    assert run.code == 0, run.err
    [report] = run.json()
    assert report["source"] == str(path) and report["ok"] is True and report["kind"] == "audio"
    assert isinstance(report["duration_s"], float) and report["duration_s"] > 5
    assert report["model"] == "tiny.en" and len(report["transcript"]) > 40
    assert set(report["elements"]) == {"interest", "fit", "reservations", "thanks"}
    for element in report["elements"].values():
        assert element["found"] is True and 0 < element["score"] <= 100
        assert (
            element["evidence"]
            and 0 <= element["start_s"] < element["end_s"] <= report["duration_s"] + 0.5
        )
    assert report["missed"] == []
    extras = report["extras"]
    assert extras["speech_heard"] is True and extras["words_per_minute"] > 60
    assert isinstance(extras["fillers"], int)
    assert isinstance(extras["next_steps"], bool) and isinstance(extras["overconfident"], bool)


@pytest.mark.slow
def test_text_report_praises_first_then_tips(cli, manifest):
    path = sample(manifest, speech=True, reservations=False)
    run = cli("check", path)
    assert run.code == 1
    assert run.out.index("Done well") < run.out.index("Missed")
    assert "Reservations question" in run.out and 'Try: "' in run.out


def test_text_inputs_file_and_stdin(cli, tmp_path, monkeypatch):
    complete, partial = tmp_path / "a.txt", tmp_path / "b.txt"
    complete.write_text(COMPLETE)
    partial.write_text(PARTIAL)
    run = cli("check", "--text", "--json", complete, partial)
    assert run.code == 1
    first, second = run.json()
    assert first["kind"] == "text" and first["model"] is None and first["duration_s"] is None
    assert first["missed"] == [] and second["missed"] == ["fit", "reservations"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(COMPLETE.encode())))
    run = cli("check", "--text", "-", "--json")
    assert run.code == 0 and run.json()[0]["source"] == "-"


def test_exit_codes(cli, tmp_path):
    complete = tmp_path / "complete.txt"
    complete.write_text(COMPLETE)
    assert cli("check", "--text", complete).code == 0
    partial = tmp_path / "partial.txt"
    partial.write_text(PARTIAL)
    assert cli("check", "--text", complete, partial).code == 1
    assert cli("check", "--text", complete, tmp_path / "missing.txt").code == 3
    assert cli("check").code == 2
    assert cli("check", "--last", "soon", complete).code == 2
    assert cli("frobnicate").code == 2
    assert cli().code == 2


def _bad_inputs(tmp: Path) -> dict[str, str]:
    """Each bad input, and words its one-line error must contain."""
    (tmp / "empty.wav").write_bytes(b"")
    (tmp / "notes.wav").write_text("Thank you so much for your time today.\n")
    (tmp / "garbage.flac").write_bytes(bytes(range(256)) * 40)
    good = tmp / "good.flac"
    noise = np.random.default_rng(1).normal(0, 0.1, 16000 * 5).astype(np.float32)
    sf.write(good, noise, 16000)
    (tmp / "truncated.flac").write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    sf.write(tmp / "zero.wav", np.zeros(0, dtype=np.float32), 16000)
    (tmp / "nothing_here").mkdir()
    (tmp / "nothing_here" / "readme.md").write_text("no audio")
    huge = tmp / "huge.wav"
    frames = 8000 * 3600 * 7
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + frames)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 8000, 1, 8)
        + b"data"
        + struct.pack("<I", frames)
    )
    with open(huge, "wb") as f:
        f.write(header)
        f.truncate(len(header) + frames)
    return {
        "missing.wav": "no such file",
        "empty.wav": "empty",
        "notes.wav": "text file",
        "garbage.flac": "not a recognisable audio file",
        "truncated.flac": "truncated or corrupt",
        "zero.wav": "0 seconds",
        "nothing_here": "no audio files found",
        "huge.wav": "hours long",
    }


@pytest.mark.slow
def test_every_bad_input_gets_one_line_and_the_batch_goes_on(cli, tmp_path, manifest):
    expected = _bad_inputs(tmp_path)
    good = tmp_path / "good.flac"  # a copy: the bundled samples themselves are not stored
    shutil.copy(sample(manifest, speech=True), good)
    paths = [tmp_path / name for name in expected] + [good]
    run = cli("check", *paths, "--json")
    assert run.code == 3
    results = run.json()
    assert len(results) == len(paths)
    for result, (name, words) in zip(results, expected.items(), strict=False):
        assert result["ok"] is False and result["source"].endswith(name), result
        assert words in result["error"] and "\n" not in result["error"]
    assert results[-1]["ok"] is True and results[-1]["source"] == str(good)

    run = cli("check", *paths)  # text mode: errors on stderr, one line each
    errors = run.err.strip().splitlines()
    assert len(errors) == len(expected) and "Traceback" not in run.err
    for line, name in zip(errors, expected, strict=True):
        assert line.startswith("voiceclose: ") and name in line
    assert str(good) in run.out


@pytest.mark.slow
def test_unreadable_file(cli, tmp_path, manifest):
    locked = tmp_path / "locked.flac"
    shutil.copy(sample(manifest, speech=True), locked)
    locked.chmod(0)
    if os.geteuid() != 0:
        run = cli("check", locked, "--json")
    else:  # root reads anything: drop to an unprivileged user for this one call
        os.seteuid(65534)
        try:
            run = cli("check", locked, "--json")
        finally:
            os.seteuid(0)
    assert run.code == 3
    assert "permission denied" in run.json()[0]["error"]


@pytest.mark.slow
def test_directories_are_searched_recursively_in_sorted_order(cli, tmp_path, manifest):
    speech = [s for s in manifest if s["expect"]["speech"]][:2]
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    (tmp_path / "a").mkdir()
    shutil.copy(SAMPLES / speech[0]["file"], tmp_path / "b" / "deeper" / "z.flac")
    shutil.copy(SAMPLES / speech[1]["file"], tmp_path / "a" / "y.FLAC")
    (tmp_path / "b" / "notes.txt").write_text("not audio")
    (tmp_path / ".hidden.wav").write_text("skipped")
    run = cli("check", tmp_path, "--json")
    assert [r["source"] for r in run.json()] == [
        str(tmp_path / "a" / "y.FLAC"),
        str(tmp_path / "b" / "deeper" / "z.flac"),
    ]


def test_text_directory_and_bad_transcripts(cli, tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "1.txt").write_text(COMPLETE)
    (tmp_path / "t" / "2.txt").write_text("   \n")
    (tmp_path / "t" / "3.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "t" / "4.txt").write_bytes(b"caf\xe9 latin-1")
    run = cli("check", "--text", "--json", tmp_path / "t")
    one, two, three, four = run.json()
    assert one["ok"] and one["missed"] == []
    assert "empty" in two["error"] and "not a text file" in three["error"]
    assert four["error"] == "not UTF-8 text (save it as UTF-8 and check it again)"
    assert run.code == 3


@pytest.mark.slow
def test_progress_shows_on_a_terminal_only(tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(PARTIAL)
    cmd = [sys.executable, "-m", "voiceclose", "check", "--text", str(tmp_path)]
    leader, follower = pty.openpty()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=follower, cwd=ROOT, timeout=60)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert proc.returncode == 1
    assert b"[2/2]" in shown
    piped = subprocess.run(cmd, capture_output=True, cwd=ROOT, timeout=60)
    assert b"[1/2]" not in piped.stderr
    # one file: what is being checked (a minute of audio on a busy desk takes a while)
    one = [*cmd[:-1], str(tmp_path / "a.txt")]
    leader, follower = pty.openpty()
    subprocess.run(one, stdout=subprocess.PIPE, stderr=follower, cwd=ROOT, timeout=60)
    os.close(follower)
    shown = b""
    with contextlib.suppress(OSError):
        while chunk := os.read(leader, 4096):
            shown += chunk
    os.close(leader)
    assert b"Checking " in shown and b"a.txt" in shown


@pytest.mark.slow
def test_console_script_and_module_entry_points(tmp_path):
    transcript = tmp_path / "close.txt"
    transcript.write_text(COMPLETE)
    script = Path(sys.executable).parent / "voiceclose"
    assert script.is_file(), "the voiceclose console script is not installed in this environment"
    for cmd in ([str(script)], [sys.executable, "-m", "voiceclose"]):
        done = subprocess.run(
            [*cmd, "check", "--text", str(transcript), "--json"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert '"missed": []' in done.stdout


@pytest.mark.slow
def test_unavailable_model_is_one_line(cli, tmp_path, manifest):
    run = cli("check", sample(manifest, speech=True), "--model", "tiny.english")
    assert run.code == 3
    assert run.err.count("\n") == 1 and "unknown model" in run.err
    run = cli("check", sample(manifest, speech=True), "--model", tmp_path / "nope.pt")
    assert run.code == 3 and "unknown model" in run.err


def test_transcripts_alone_do_not_load_whisper(cli, tmp_path, monkeypatch):
    """A coach's folder of transcripts (or close.txt) needs no Whisper: loading it in the
    background took 2 s and 560 MB of every such check. A batch with a recording still does."""
    from voiceclose.asr import weights

    started = []
    monkeypatch.setattr(weights.ModelLoader, "start", lambda self: started.append(self))
    transcript = tmp_path / "close.txt"
    transcript.write_text(COMPLETE)
    assert cli("check", transcript, "--no-history", "--no-semantic").code == 0
    assert cli("check", "--concern", "Your CV has a gap", transcript, "--no-semantic").code in (
        0,
        1,
    )
    assert started == []
    cli("check", transcript, tmp_path / "close.wav", "--no-history", "--no-semantic")
    assert started == []  # close.wav does not exist: nothing to transcribe
    (tmp_path / "close.wav").write_bytes(b"RIFF")
    cli("check", transcript, tmp_path / "close.wav", "--no-history", "--no-semantic")
    assert len(started) == 1


def test_a_file_named_as_a_transcript_is_checked_as_one(cli, tmp_path):
    """`check close.txt` without --text: the hint for text in an audio file says a .txt name is
    enough, so it is (a stranger got "this is a text file, not audio (... when its name ends in
    .txt ...)" for close.txt). Folders are still searched for audio only."""
    transcript = tmp_path / "close.txt"
    transcript.write_text(COMPLETE)
    run = cli("check", transcript, "--json", "--no-history")
    assert run.code == 0, run.err
    row = json.loads(run.out)
    assert row["ok"] and row["kind"] == "text" and row["elements"]["thanks"]["found"]
