"""Fault injection: the things a real machine does to voiceclose, each tried and each held.

Odd inputs (named pipes, devices, unreadable folders, streamed and lying files, other encodings,
control characters in names), damaged caches and history rows, an unwritable or full user
folder, file permissions under any umask, scenario names that try to escape, and writes that fail
half-way. Each must give one clean line naming the file and the problem, the rest of a batch
going on, and nothing half-written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voiceclose.app.checking import Checker, Options, discover
from voiceclose.audio.decode import SAMPLE_RATE, load_audio
from voiceclose.errors import InputError

from .conftest import SAMPLES, require_tool

NOBODY = 65534  # the unprivileged user root becomes for a check (root may read anything)
HANG_LIMIT_S = 20  # a check that takes longer than this on a tiny input is hanging

COMPLETE = (
    "Thank you for seeing me today. I really want this role. You said the ward needs someone "
    "calm with sepsis cases, and I've spent five years in intensive care doing exactly that. "
    "Is there anything about my experience that gives you doubts about hiring me?"
)
THANKS_ONLY = "Thank you so much for your time today."


# --- helpers --------------------------------------------------------------------------------------


class Hang(Exception):
    """A call did not return in time."""


@contextlib.contextmanager
def deadline(seconds: float = HANG_LIMIT_S):
    """Fail instead of hanging: a blocking open() or read() is interrupted by the alarm."""

    def on_alarm(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def open_tmp():
    """A folder an unprivileged user can reach (pytest's own tmp folders are private to root)."""
    root = Path(tempfile.mkdtemp(prefix="voiceclose-faults-"))
    root.chmod(0o755)
    yield root
    for folder, _, _ in os.walk(root):
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o755)
    shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def unprivileged():
    """Run the block as an unprivileged user when the tests run as root (who reads anything)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)


def wav_header(rate: int, channels: int = 1, bits: int = 16, frames: int = 16000) -> bytes:
    block = channels * bits // 8
    data = frames * block
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, rate, (rate * block) & 0xFFFFFFFF, block, bits)
        + b"data"
        + struct.pack("<I", data)
    )


def noise(seconds: float, rate: int = SAMPLE_RATE, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.1, int(seconds * rate)).astype(np.float32)


# --- 4. bad and odd inputs ------------------------------------------------------------------------


def test_a_fifo_in_a_batch_or_given_directly_is_one_line_never_a_hang(cli, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a.txt").write_text(COMPLETE)
    os.mkfifo(folder / "b.txt")  # nobody ever writes to it
    (folder / "c.txt").write_text(COMPLETE)
    os.mkfifo(tmp_path / "given.txt")
    with deadline():
        run = cli("check", "--text", "--json", folder, tmp_path / "given.txt")
    assert run.code == 3
    results = run.json()
    assert [r["ok"] for r in results] == [True, False, True, False]
    for failed in (results[1], results[3]):
        assert "not a regular file" in failed["error"] and "FIFO" in failed["error"]


def test_a_fifo_socket_or_device_given_as_audio_is_one_line(tmp_path):
    os.mkfifo(tmp_path / "pipe.wav")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "socket.wav"))
    checker = Checker(Options())  # no model is loaded: each input fails before transcription
    try:
        with deadline():
            items = list(discover([str(tmp_path), "/dev/zero", "/dev/null"]))
            results = [checker.run(item) for item in items]
    finally:
        listener.close()
    assert [r.source for r in results] == [
        str(tmp_path / "pipe.wav"),
        str(tmp_path / "socket.wav"),
        "/dev/zero",
        "/dev/null",
    ]
    kinds = ["named pipe", "socket", "character device", "character device"]
    for result, kind in zip(results, kinds, strict=True):
        assert not result.ok and "not a regular file" in result.error and kind in result.error


def test_an_unreadable_subfolder_is_named_and_the_walk_goes_on(cli, open_tmp):
    for name in ("a", "locked", "z"):
        (open_tmp / name).mkdir()
        (open_tmp / name / "close.txt").write_text(COMPLETE)
    (open_tmp / "locked").chmod(0)
    with unprivileged():
        run = cli("check", "--text", "--json", "--no-history", open_tmp)
    assert run.code == 3
    results = run.json()
    assert [r["source"] for r in results] == [
        str(open_tmp / "a" / "close.txt"),
        str(open_tmp / "locked"),
        str(open_tmp / "z" / "close.txt"),
    ]
    assert results[0]["ok"] and results[2]["ok"]
    assert "permission denied" in results[1]["error"] and "folder" in results[1]["error"]
    with unprivileged():  # the text form: one line on stderr for the folder, the rest reported
        run = cli("check", "--text", "--no-history", open_tmp)
    assert run.code == 3 and "Traceback" not in run.err
    assert run.err.strip() == (
        f"voiceclose: {open_tmp / 'locked'}: permission denied: the folder cannot be read"
    )


def test_a_mode_000_folder_given_directly_says_permission_denied(cli, open_tmp):
    locked = open_tmp / "locked"
    locked.mkdir()
    (locked / "close.wav").write_bytes(b"")
    locked.chmod(0)
    with unprivileged():
        run = cli("check", "--json", "--no-history", locked)
        text_run = cli("check", "--text", "--json", "--no-history", locked)
    for r in (run, text_run):
        assert r.code == 3
        [result] = r.json()
        assert result["source"] == str(locked) and "permission denied" in result["error"]
        assert "no audio files" not in result["error"]


def test_a_streamed_flac_with_no_length_decodes_like_the_original(tmp_path):
    require_tool("ffmpeg")
    original = tmp_path / "close.wav"
    sf.write(original, noise(7.3, 44100), 44100, subtype="PCM_16")
    streamed = tmp_path / "streamed.flac"
    with open(streamed, "wb") as out:  # written to a pipe: no length in its header
        subprocess.run(
            ["ffmpeg", "-v", "error", "-i", original, "-f", "flac", "-"], stdout=out, check=True
        )
    assert sf.info(str(streamed)).frames > 2**62  # libsndfile cannot tell the length
    whole, expected = load_audio(streamed), load_audio(original)
    assert whole.file_duration_s == pytest.approx(7.3, abs=1e-3)
    assert np.abs(whole.samples - expected.samples).max() < 1e-4
    last = load_audio(streamed, last_s=2.0)
    assert last.duration_s == pytest.approx(2.0, abs=1e-3)
    assert last.offset_s == pytest.approx(5.3, abs=1e-3)
    assert last.file_duration_s == pytest.approx(7.3, abs=1e-3)


@pytest.mark.parametrize("rate", [4294967295, 0, 1, 2_000_000_000])
def test_a_wav_header_with_an_absurd_sample_rate_is_corrupt(tmp_path, rate):
    path = tmp_path / "odd.wav"
    path.write_bytes(wav_header(rate) + b"\x01\x00" * 16000)
    with pytest.raises(InputError, match="header is corrupt"):
        load_audio(path)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_a_transcript_with_a_byte_order_mark_is_read(cli, tmp_path, codec):
    path = tmp_path / "close.txt"
    text = COMPLETE + " Café."
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    run = cli("check", "--text", "--json", path)
    [result] = run.json()
    assert result["ok"] and result["transcript"].endswith("Café."), result
    assert run.code == 0
    with pytest.raises(InputError, match="this is a text file, not audio"):
        load_audio(path)  # given as audio: it is text, and says so


def test_audio_given_with_text_says_it_is_audio(cli, tmp_path):
    big = tmp_path / "long.wav"  # over the 1 MB a transcript may be
    sf.write(big, noise(40), SAMPLE_RATE)
    assert big.stat().st_size > 1_000_000
    mp3 = tmp_path / "close.mp3"
    sf.write(mp3, noise(2), SAMPLE_RATE, format="MP3")
    sample = next(SAMPLES.glob("*.flac"))
    run = cli("check", "--text", "--json", big, mp3, sample)
    assert run.code == 3
    for result in run.json():
        assert result["error"] == "this is audio, not a transcript (check it without --text)"


def test_control_characters_in_a_file_name_never_fake_a_line(cli, tmp_path):
    checked = tmp_path / "ok\nvoiceclose: fake.txt"
    checked.write_text(COMPLETE)
    missing = tmp_path / "gone\n\x1b[2Jfake.wav"
    run = cli("check", "--text", checked, missing)
    assert run.code == 3
    assert run.out.splitlines()[0] == str(checked).replace("\n", "\\n")
    assert not any(line.startswith("voiceclose: fake") for line in run.out.splitlines())
    [error] = run.err.splitlines()
    assert error == f"voiceclose: {tmp_path}/gone\\n\\x1b[2Jfake.wav: no such file or directory"
    assert "\x1b" not in run.out + run.err
    run = cli("check", "--text", "--json", checked, missing)
    assert [r["source"] for r in run.json()] == [str(checked), str(missing)]
    run = cli("check", "--text", "--json", tmp_path / "sep\u2028arator\x85.txt")
    assert len(run.out.splitlines()) == 1  # JSON Lines stay one line, even to str.splitlines
    assert run.json()[0]["source"].endswith("sep\u2028arator\x85.txt")


def test_a_transcript_cannot_drive_the_terminal(cli, tmp_path):
    path = tmp_path / "close.txt"
    path.write_text("Thank you \x1b[31mso much\x1b[0m for your time\u202e today.")
    run = cli("check", "--text", path)
    assert "\x1b" not in run.out and "\u202e" not in run.out
    assert "\\x1b[31mso much" in run.out


def test_libmpg123_messages_for_a_broken_mp3_never_reach_stderr(tmp_path, capfd):
    good = tmp_path / "good.mp3"
    sf.write(good, noise(3), SAMPLE_RATE, format="MP3")
    data = bytearray(good.read_bytes())
    rng = np.random.default_rng(3)
    for i in range(600, len(data), 50):  # damage a byte in every frame or so
        data[i] = int(rng.integers(256))
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(bytes(data))
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"\xff\xfb" + rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())
    capfd.readouterr()
    for path in (broken, junk):
        with contextlib.suppress(InputError):
            load_audio(path)
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    print("still heard", file=sys.stderr)  # and stderr works again afterwards
    assert capfd.readouterr().err == "still heard\n"


def test_the_stderr_silence_nests_and_keeps_pythons_own_stderr(capfd):
    from voiceclose.audio.native import native_stderr_silenced

    with native_stderr_silenced():
        os.write(2, b"native 1\n")
        with native_stderr_silenced():
            os.write(2, b"native 2\n")
        os.write(2, b"native 3\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"
