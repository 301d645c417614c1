"""Fault injection: the things a real machine does to voiceclose, each tried and each held.

Odd inputs (named pipes, devices, unreadable folders, streamed and lying files, other encodings,
control characters in names), damaged caches and history rows, an unwritable or full user
folder, file permissions under any umask, scenario names that try to escape, and writes that fail
half-way. Each must give one clean line naming the file and the problem, the rest of a batch
going on, and nothing half-written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voiceclose.app.checking import Checker, Item, Options, discover
from voiceclose.audio.decode import SAMPLE_RATE, load_audio
from voiceclose.errors import InputError, UsageError

from .conftest import ROOT, SAMPLES, require_tool

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


# --- 5. caches are verified before use ------------------------------------------------------------


@pytest.fixture
def own_home(tmp_path, monkeypatch) -> Path:
    """A user directory with a cache of this test's own (the tests otherwise share one)."""
    home = tmp_path / "own"
    monkeypatch.setenv("VOICECLOSE_HOME", str(home))
    return home


def spoken(text: str, seconds_per_word: float = 0.3):
    """A transcript of ``text`` as Whisper would give it, the whole of it in speech."""
    from voiceclose.results import SpeechRegion, Transcript, Word

    words = tuple(
        Word(w, round(n * seconds_per_word, 2), round((n + 0.8) * seconds_per_word, 2))
        for n, w in enumerate(text.split())
    )
    return Transcript(words, True, (SpeechRegion(0.0, words[-1].end_s + 0.5),))


@pytest.fixture
def fake_whisper(monkeypatch, own_home):
    """Transcription without the model: every recording says COMPLETE. Counts its calls."""
    from voiceclose.app import checking

    calls = []

    def transcribe(audio, get_model):
        calls.append(audio)
        return spoken(COMPLETE)

    monkeypatch.setattr(checking, "transcribe", transcribe)
    return calls


def cached_transcript(key: str) -> Path:
    from voiceclose.asr import transcript_cache
    from voiceclose.paths import cache_dir

    return cache_dir() / transcript_cache.FOLDER / f"{key}.json"


def rewrite(path: Path, change, fix_checksum: bool) -> None:
    """Change a cached transcript's contents; with ``fix_checksum``, as a careful editor would."""
    from voiceclose.asr import transcript_cache

    data = json.loads(path.read_text())
    change(data["transcript"])
    if fix_checksum:
        data["sha256"] = transcript_cache._digest(data["key"], data["transcript"])
    path.write_text(json.dumps(data))


def _null_words(body):
    body["words"] = None


def _null_word(body):
    body["words"][0] = None


def _text_times(body):
    body["words"][0][1] = "0.5"


def _bool_heard(body):
    body["speech_heard"] = 1


def _nan_region(body):
    body["speech_regions"] = [[float("nan"), 1.0]]


def _other_words(body):
    body["words"] = [["Thanks.", 0.0, 0.5]]


@pytest.mark.parametrize(
    "change, fix_checksum",
    [
        (_other_words, False),  # edited: the checksum no longer matches
        (_null_words, True),  # the right checksum, the wrong shape
        (_null_word, True),
        (_text_times, True),
        (_bool_heard, True),
        (_nan_region, True),
    ],
)
def test_a_transcript_cache_that_fails_verification_is_rebuilt(
    tmp_path, fake_whisper, change, fix_checksum
):
    from voiceclose.asr import transcript_cache

    recording = tmp_path / "close.wav"
    sf.write(recording, noise(3), SAMPLE_RATE)
    checker = Checker(Options())
    first = checker.check_audio_file(str(recording), recording)
    assert len(fake_whisper) == 1
    [path] = cached_transcript("x").parent.glob("*.json")
    rewrite(path, change, fix_checksum)
    assert transcript_cache.load(path.stem) is None
    again = checker.check_audio_file(str(recording), recording)
    assert len(fake_whisper) == 2  # a miss: transcribed again ...
    assert again.elements == first.elements and again.missed == first.missed  # ... the same verdict
    assert transcript_cache.load(path.stem) == spoken(COMPLETE)  # and stored over, verified


def test_a_transcript_cache_under_another_key_or_format_is_a_miss(own_home):
    from voiceclose.asr import transcript_cache

    transcript_cache.save("one", spoken(COMPLETE))
    path = cached_transcript("one")
    shutil.copy(path, cached_transcript("two"))  # another recording's transcript
    assert transcript_cache.load("one") == spoken(COMPLETE)
    assert transcript_cache.load("two") is None
    data = json.loads(path.read_text())
    path.write_text(json.dumps(data["transcript"]))  # what the previous version stored
    assert transcript_cache.load("one") is None
    for junk in (b"", b"null", b"[]", b"\xff\xfe garbage", b'{"format": 2}'):
        path.write_bytes(junk)
        assert transcript_cache.load("one") is None


@pytest.fixture
def expressions(monkeypatch, own_home):
    """This process forgets the compiled expressions it has read (the cache file is the test's)."""
    from voiceclose.check import regex_cache

    monkeypatch.setattr(regex_cache, "_known", None)
    monkeypatch.setattr(regex_cache, "_file", None)
    monkeypatch.setattr(regex_cache, "_new", 0)
    return regex_cache


EXPRESSIONS = [
    r"(?<= )(?:i )(?:(?:really |truly )*)(?:want |would love )(?:this |the )(?:role |job )",
    r"(?P<amount>\d+) (?:years?|months?) (?!ago )",
    r"(?<! not )(?:thank you |thanks )(?:(?:, |\. |\? |! )|$)",
]
EXPRESSION_TEXTS = [" i really want this role ", " 5 years of work ", " thanks . ", " no "]


def matches(pattern) -> list:
    return [[m.span() for m in pattern.finditer(t)] for t in EXPRESSION_TEXTS]


def expression_file(regex_cache) -> tuple[Path, dict]:
    import marshal

    [path] = (regex_cache.cache_dir() / regex_cache.FOLDER).glob("*.marshal")
    data = path.read_bytes()
    return path, marshal.loads(data[len(regex_cache.FORMAT) + regex_cache._DIGEST_BYTES :])


def write_expressions(regex_cache, path: Path, entries: dict, digest_of: dict | None = None):
    """Write ``entries`` as the cache file, with the checksum of ``digest_of`` (default: of
    ``entries`` themselves, as a careful editor would)."""
    import hashlib
    import marshal

    payload = marshal.dumps(entries)
    digest = hashlib.sha256(marshal.dumps(digest_of if digest_of is not None else entries))
    path.write_bytes(regex_cache.FORMAT + digest.hexdigest().encode() + b"\n" + payload)


def test_an_edited_expression_cache_is_a_miss_and_verdicts_do_not_change(expressions):
    import re

    regex_cache = expressions
    for regex in EXPRESSIONS:
        regex_cache.compile(regex)
    regex_cache.save()
    path, entries = expression_file(regex_cache)
    keys = list(entries)
    swapped = dict(zip(keys, [entries[k] for k in keys[1:] + keys[:1]], strict=True))
    write_expressions(regex_cache, path, swapped, digest_of=entries)  # rewritten, checksum kept
    regex_cache._known = None
    for regex in EXPRESSIONS:
        assert matches(regex_cache.compile(regex)) == matches(re.compile(regex))
    regex_cache.save()  # and the file is written again, whole and verified
    assert expression_file(regex_cache)[1] == entries
    write_expressions(regex_cache, path, swapped)  # rewritten with a checksum made again
    regex_cache._known = None
    for regex in EXPRESSIONS:  # each entry is bound to its own expression
        assert matches(regex_cache.compile(regex)) == matches(re.compile(regex))


@pytest.mark.parametrize(
    "damage",
    [
        lambda parts: None,
        lambda parts: parts[:4],
        lambda parts: (parts[0], parts[1][:-1], *parts[2:]),  # code cut mid-word
        lambda parts: (parts[0], b"", *parts[2:]),
        lambda parts: (parts[0], parts[1], parts[2] + 1, *parts[3:]),  # group counts disagree
        lambda parts: (*parts[:3], {"x": 99}, parts[4]),
        lambda parts: ("flags", *parts[1:]),
        lambda parts: (*parts[:5], bytes(32)),  # bound to another expression
    ],
)
def test_an_expression_cache_entry_of_the_wrong_shape_is_compiled_again(expressions, damage):
    import re

    regex_cache = expressions
    regex = EXPRESSIONS[1]
    regex_cache.compile(regex)
    regex_cache.save()
    path, entries = expression_file(regex_cache)
    [key] = entries
    write_expressions(regex_cache, path, {key: damage(entries[key])})  # a valid checksum
    regex_cache._known = None
    assert matches(regex_cache.compile(regex)) == matches(re.compile(regex))
    regex_cache.save()
    assert expression_file(regex_cache)[1] == entries


def test_an_expression_cache_of_another_format_or_damaged_is_ignored(expressions):
    import marshal
    import re

    regex_cache = expressions
    regex = EXPRESSIONS[0]
    regex_cache.compile(regex)
    regex_cache.save()
    path, entries = expression_file(regex_cache)
    good = path.read_bytes()
    for data in (
        marshal.dumps(entries),  # what the previous version wrote: no version, no checksum
        good[: len(good) // 2],
        good[:-1] + bytes([good[-1] ^ 1]),
        b"",
        regex_cache.FORMAT + b"0" * 64 + b"\n",
    ):
        path.write_bytes(data)
        regex_cache._known = None
        assert regex_cache._cached() == {}
        assert matches(regex_cache.compile(regex)) == matches(re.compile(regex))


# --- 6. an unwritable user folder never crashes a check -------------------------------------------


@dataclasses.dataclass
class Done:
    code: int
    out: str
    err: str

    def json(self) -> list[dict]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


def voiceclose(*args, home: Path, timeout: float = 300) -> Done:
    """``voiceclose ARGS`` in its own process (as a user runs it), with ``home`` as its folder."""
    env = {**os.environ, "VOICECLOSE_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "voiceclose", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )
    return Done(done.returncode, done.stdout, done.stderr)


def _cannot(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} in CI (it runs as root, which may mount a tmpfs)")
    pytest.skip(reason)


@contextlib.contextmanager
def tmpfs(size: str = "256k"):
    """A small file system of its own (a full disk is a tmpfs filled up)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        _cannot("mounting a tmpfs needs root and mount(8)")
    folder = Path(tempfile.mkdtemp(prefix="voiceclose-tmpfs-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        _cannot(f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


def read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


def fill(folder: Path) -> None:
    """Fill the file system ``folder`` is on to the last byte."""
    with contextlib.suppress(OSError), open(folder / "filler", "wb", buffering=0) as f:
        while True:
            f.write(b"\0" * 4096)


def one_cache_line(err: str, reason: str) -> None:
    lines = [line for line in err.splitlines() if "cache" in line]
    assert len(lines) == 1, err
    assert lines[0].startswith("voiceclose: cannot write the cache in ") and reason in lines[0]
    assert lines[0].endswith("; checking without caching")
    assert "Traceback" not in err


# The three tests below run voiceclose in a process of its own with no cache it can use, so the
# phrase expressions are compiled afresh each time. They check --no-semantic: the semantic model
# (torch, and its weights unpacked from their zip on every run) would take most of the quick
# tier's time; its cache under a read-only or full disk is checked by the slow audio test below.
def test_a_read_only_user_folder_checks_without_caching_and_says_so_once(tmp_path):
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    with tmpfs() as home:
        read_only(home)
        done = voiceclose("check", "--text", "--json", "--no-semantic", close, close, home=home)
    assert done.code == 0 and [r["ok"] for r in done.json()] == [True, True]
    one_cache_line(done.err, "Read-only file system")
    assert done.err.count("history not saved") == 1 and len(done.err.splitlines()) == 2


def test_a_full_disk_checks_without_caching_and_says_so_once(tmp_path):
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    with tmpfs() as home:
        fill(home)
        done = voiceclose(
            "check", "--text", "--json", "--no-history", "--no-semantic", close, close, home=home
        )
        left = sorted(p.name for p in home.rglob("*") if p.is_file())
    assert done.code == 0 and [r["ok"] for r in done.json()] == [True, True]
    one_cache_line(done.err, "No space left on device")
    assert left == ["filler"]  # nothing half-written left in the cache


def test_cache_paths_in_the_way_check_without_caching_and_say_so_once(tmp_path):
    import _sre

    home = tmp_path / "mine"
    expressions = home / "cache" / "expressions"
    expressions.mkdir(parents=True)
    tag = f"{sys.implementation.cache_tag}-sre{_sre.MAGIC}"
    (expressions / f"{tag}.marshal").mkdir()  # a folder where the file goes
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    done = voiceclose("check", "--text", "--no-history", "--no-semantic", close, home=home)
    assert done.code == 0 and "All four parts" in done.out
    one_cache_line(done.err, "Is a directory")
    (home / "cache").rename(tmp_path / "was-cache")
    (home / "cache").write_text("a file where the cache folder goes")
    done = voiceclose("check", "--text", "--no-history", "--no-semantic", close, home=home)
    assert done.code == 0
    one_cache_line(done.err, "Not a directory")


@pytest.mark.slow
def test_an_unwritable_user_folder_still_checks_audio_with_the_same_verdict(tmp_path, shared_cache):
    sample = tmp_path / "close.flac"  # a copy: the bundled samples are not stored, and say so
    shutil.copy(SAMPLES / "no_reservations_awb.flac", sample)
    usual = tmp_path / "usual"
    usual.mkdir()
    (usual / "cache").symlink_to(shared_cache, target_is_directory=True)
    expected = voiceclose("check", "--json", "--no-history", sample, home=usual)
    assert expected.code == 1 and expected.err == "", expected.err
    [want] = expected.json()
    runs = {}
    with tmpfs() as home:
        read_only(home)
        runs["Read-only file system"] = voiceclose("check", "--json", sample, home=home)
    with tmpfs("1m") as home:
        fill(home)
        runs["No space left on device"] = voiceclose("check", "--json", sample, home=home)
    for reason, done in runs.items():
        assert done.code == expected.code, done.err
        [got] = done.json()
        assert got["missed"] == want["missed"] and got["transcript"] == want["transcript"]
        one_cache_line(done.err, reason)
        assert len(done.err.splitlines()) == 2 and "history not saved" in done.err


@pytest.mark.slow
def test_a_damaged_transcript_cache_never_changes_a_verdict(cli, own_home, shared_cache):
    (own_home / "cache").mkdir(parents=True)
    (own_home / "cache" / "models").symlink_to(shared_cache / "models", target_is_directory=True)
    sample = SAMPLES / "no_reservations_awb.flac"
    [first] = cli("check", "--json", "--no-history", sample).json()
    [path] = (own_home / "cache" / "transcripts").glob("*.json")
    lie = "Thank you. I really want this job. Do you have any doubts about hiring me?"
    rewrite(path, lambda body: body.update(words=[[w, 0.0, 0.1] for w in lie.split()]), False)
    [again] = cli("check", "--json", "--no-history", sample).json()
    assert again["missed"] == first["missed"] and again["transcript"] == first["transcript"]
    rewrite(path, _null_words, True)
    run = cli("check", "--json", "--no-history", sample)
    assert run.code == 1 and run.json()[0]["missed"] == first["missed"]


@pytest.mark.slow
def test_a_rewritten_expression_cache_changes_no_verdict_on_a_corpus(expressions):
    from voiceclose.asr.transcribe import transcript_from_text
    from voiceclose.check import rules
    from voiceclose.check.engine import check

    regex_cache = expressions
    lines = (Path(__file__).parent / "data" / "heldout.jsonl").read_text().splitlines()
    texts = [json.loads(line)["text"] for line in lines]

    def verdicts() -> list:
        rules._compile.cache_clear()  # compile the rules again, from the cache when it can
        found = []
        for text in texts:
            elements = check(transcript_from_text(text).words).elements
            found.append([e.found for e in elements.values()])
        return found

    expected = verdicts()  # compiled here, and cached
    regex_cache.save()
    path, entries = expression_file(regex_cache)
    keys = sorted(entries)
    rotated = dict(zip(keys, [entries[k] for k in keys[1:] + keys[:1]], strict=True))
    try:
        for digest_of in (entries, rotated):  # the checksum left as it was, or made again
            write_expressions(regex_cache, path, rotated, digest_of=digest_of)
            regex_cache._known = None
            assert verdicts() == expected
    finally:
        rules._compile.cache_clear()


# --- 7. damaged history rows ----------------------------------------------------------------------

DAMAGE = {  # column -> what a damaged or hand-edited row holds there
    "extras": "{not json",
    "missed": '{"interest": 1}',
    "created_at": "last tuesday",
    "duration_s": "'long'",
    "report": "[]",
}


def stored(cli, tmp_path, count: int) -> Path:
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    for _ in range(count):
        assert cli("check", "--text", close).code == 0
    from voiceclose.store.history import history_path

    return history_path()


def damage(database: Path, attempt: int, column: str, value: str) -> None:
    import sqlite3

    with contextlib.closing(sqlite3.connect(database)) as conn, conn:
        if value.startswith("'"):  # an SQL value of another type than the column's
            conn.execute(f"UPDATE attempts SET {column} = {value} WHERE id = ?", (attempt,))
        else:
            conn.execute(f"UPDATE attempts SET {column} = ? WHERE id = ?", (value, attempt))


@pytest.mark.parametrize("column", sorted(DAMAGE))
def test_a_damaged_history_row_is_left_out_with_a_note(cli, tmp_path, column):
    database = stored(cli, tmp_path, 3)
    damage(database, 2, column, DAMAGE[column])
    if column == "report":  # the listing does not read the whole report; review does
        run = cli("history")
        assert run.code == 0 and run.err == ""
    else:
        run = cli("history")
        assert run.code == 0 and "Traceback" not in run.err
        assert run.err == (
            "voiceclose: note: left out 1 damaged attempt the history cannot read: 2\n"
        )
        ids = [line.split()[0] for line in run.out.splitlines()[2:4]]
        assert ids == ["1", "3"] and "Trend over 2 attempts" in run.out
        run = cli("history", "--json")
        assert [a["id"] for a in (json.loads(line) for line in run.out.splitlines())] == [1, 3]
    run = cli("review", "2")
    assert run.code == 3 and run.out == "" and "Traceback" not in run.err
    assert run.err.count("\n") == 1
    assert run.err.startswith("voiceclose: attempt 2 is damaged in ") and str(database) in run.err
    assert cli("review", "1").code == 0 and cli("review").code == 0


def test_a_report_of_the_wrong_shape_is_damaged_not_a_traceback(cli, tmp_path):
    database = stored(cli, tmp_path, 1)
    import sqlite3

    with contextlib.closing(sqlite3.connect(database)) as conn:
        report = json.loads(conn.execute("SELECT report FROM attempts").fetchone()[0])
    variants = [
        {**report, "duration_s": "long"},
        {**report, "elements": {"thanks": [1, 2]}},
        {
            **report,
            "elements": {**report["elements"], "fit": {**report["elements"]["fit"], "evidence": 5}},
        },
        {**report, "feedback": {"tips": ["try harder"]}},
        {**report, "notes": [None]},
        {k: v for k, v in report.items() if k != "elements"},
        None,
    ]
    for variant in variants:
        damage(database, 1, "report", json.dumps(variant))
        run = cli("review", "1", "--json")
        assert run.code == 3 and "Traceback" not in run.err and "is damaged" in run.err, variant


# --- 8. privacy: a voice and its words are the user's only -----------------------------------------


@contextlib.contextmanager
def umask(mask: int):
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def text_report(tmp_path: Path):
    close = tmp_path / "typed.txt"
    close.write_text(COMPLETE)
    return Checker(Options(text=True)).run(Item(str(close), close))


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o000])
def test_recordings_reports_history_page_and_csv_are_owner_only(cli, user_home, tmp_path, mask):
    from voiceclose.app.practise import _save
    from voiceclose.audio.recorder import new_recording_path
    from voiceclose.paths import recordings_dir
    from voiceclose.store.history import open_for_writing

    with umask(mask):
        recording = new_recording_path(recordings_dir(), "emergency-nurse")
        with sf.SoundFile(recording, "w", samplerate=SAMPLE_RATE, channels=1) as f:
            f.write(noise(1))  # as the recorder writes it
        sidecar = _save(text_report(tmp_path), recording)
        close = tmp_path / "close.txt"
        close.write_text(COMPLETE)
        page, table = tmp_path / "page.html", tmp_path / "closes.csv"
        run = cli("check", "--text", close, "--html", page, "--csv", table)
        assert run.code == 0, run.err
        database = user_home / "data" / "history.db"
        for path in (recording, sidecar, database, page, table):
            assert mode(path) == 0o600, (path, oct(mode(path)))
        with open_for_writing() as history:  # its -wal and -shm files exist while it is open
            history.add(text_report(tmp_path))
            for suffix in ("-wal", "-shm"):
                assert mode(Path(f"{database}{suffix}")) == 0o600, suffix
        for folder in (user_home / "data", recordings_dir()):
            assert mode(folder) == 0o700, (folder, oct(mode(folder)))


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_cache_folders_and_files_are_owner_only(own_home, mask):
    from voiceclose.asr import transcript_cache
    from voiceclose.check import regex_cache
    from voiceclose.paths import cache_dir

    with umask(mask):
        transcript_cache.save("key", spoken(COMPLETE))
        regex_cache._write(cache_dir() / regex_cache.FOLDER / "test.marshal", b"data")
    for folder in (own_home, cache_dir(), cache_dir() / transcript_cache.FOLDER):
        assert mode(folder) == 0o700, folder
    for path in (cached_transcript("key"), cache_dir() / regex_cache.FOLDER / "test.marshal"):
        assert mode(path) == 0o600, path


def test_files_from_before_are_made_owner_only_when_written_again(cli, user_home, tmp_path):
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    page, table = tmp_path / "page.html", tmp_path / "closes.csv"
    database = user_home / "data" / "history.db"
    database.parent.mkdir()
    for path in (page, table, database):
        path.write_bytes(b"")
        path.chmod(0o644)  # what an older voiceclose left
    assert cli("check", "--text", close, "--html", page, "--csv", table).code == 0
    assert [mode(p) for p in (page, table, database)] == [0o600] * 3


def test_a_csv_to_a_device_leaves_the_device_alone(cli, tmp_path):
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    before = mode(Path("/dev/null"))
    assert cli("check", "--text", close, "--csv", "/dev/null").code == 0
    assert mode(Path("/dev/null")) == before == 0o666


@pytest.mark.slow
def test_practice_keeps_the_voice_owner_only_under_umask_022(mic, tmp_path):
    from .test_practice import COMPLETE as SPOKEN
    from .test_practice import Practice

    home = tmp_path / "fresh"
    env = {
        **os.environ,
        "XDG_RUNTIME_DIR": mic.env["XDG_RUNTIME_DIR"],
        "VOICECLOSE_HOME": str(home),
    }
    page = tmp_path / "page.html"
    run = Practice(["--json", "--html", page], env, preexec=lambda: os.umask(0o022))
    recording = run.recording_path()
    mic.play(SPOKEN).wait(timeout=60)
    code, out, err = run.finish()
    assert code in (0, 1), err
    data = home / "data"
    for folder in (home, data, data / "recordings", home / "cache"):
        assert mode(folder) == 0o700, folder
    database = data / "history.db"
    written = [recording, recording.with_suffix(".json"), database, page]
    written += [Path(f"{database}{s}") for s in ("-wal", "-shm") if Path(f"{database}{s}").exists()]
    for path in written:
        assert mode(path) == 0o600, path


# --- 10. nothing half-written ---------------------------------------------------------------------


def test_a_report_beside_a_recording_is_whole_or_absent(tmp_path):
    from voiceclose.app.practise import _save

    report = text_report(tmp_path)
    with tmpfs("64k") as disk:
        recording = disk / "close.wav"
        recording.write_bytes(b"")
        fill(disk)
        assert _save(report, recording) is None
        assert sorted(p.name for p in disk.iterdir()) == ["close.wav", "filler"]
        (disk / "filler").unlink()
        saved = _save(report, recording)
        assert saved == disk / "close.json" and json.loads(saved.read_text())["ok"] is True
        before = saved.read_bytes()
        assert _save(report, recording) is None  # never replaces one that is there
        assert saved.read_bytes() == before
        assert sorted(p.name for p in disk.iterdir()) == ["close.json", "close.wav"]


def test_a_page_that_cannot_be_written_leaves_nothing_behind(cli, tmp_path):
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    with tmpfs("64k") as disk:
        fill(disk)
        run = cli("check", "--text", "--no-history", close, "--html", disk / "page.html")
        left = sorted(p.name for p in disk.iterdir())
    assert run.code == 3 and "Traceback" not in run.err
    assert run.err.strip().splitlines()[-1].startswith(f"voiceclose: cannot write {disk}/page.html")
    assert left == ["filler"]


# --- 9. scenario names that try to escape ----------------------------------------------------------

ESCAPING_NAMES = [
    "../pyproject",
    str(ROOT / "pyproject"),
    "/etc/passwd",
    "emergency-nurse.toml",
    "emergency-nurse/../head-chef",
    ".",
    "..",
    "~",
    "head-chef\x1b[2J",
]


@pytest.mark.parametrize("name", ESCAPING_NAMES)
def test_a_scenario_name_that_is_a_path_is_a_usage_error_naming_those_there_are(cli, name):
    run = cli("practice", "--prompt", name, "--no-history")
    assert run.code == 2 and run.out == "" and "Traceback" not in run.err
    [line] = run.err.splitlines()
    assert line.startswith("voiceclose: no practice scenario called ")
    assert "(there are: backend-engineer, " in line and "emergency-nurse" in line
    assert "\x1b" not in line


def test_the_scenario_in_a_saved_report_goes_through_the_same_lookup(tmp_path, monkeypatch):
    from voiceclose.app import scenarios

    outside = tmp_path / "outside.toml"  # a well-formed scenario, but not in the folder
    outside.write_text((ROOT / "prompts" / "head-chef.toml").read_text())
    recording = tmp_path / "recordings" / "close.wav"
    recording.parent.mkdir()
    for prompt in ("../outside", str(outside.with_suffix("")), "../../pyproject", 7, ["x"]):
        recording.with_suffix(".json").write_text(json.dumps({"prompt": prompt}))
        notes: list[str] = []
        monkeypatch.chdir(recording.parent)
        assert scenarios.sidecar_scenario(recording, notes) is None
        if isinstance(prompt, str):
            assert len(notes) == 1 and "which is no longer among them" in notes[0]
    recording.with_suffix(".json").write_text(json.dumps({"prompt": "head-chef"}))
    assert scenarios.sidecar_scenario(recording, []).name == "head-chef"


def test_only_files_with_a_scenario_name_are_scenarios(tmp_path, monkeypatch):
    from voiceclose.app import scenarios

    chef = (ROOT / "prompts" / "head-chef.toml").read_text()
    for name in ("chef", "odd.name", "with space", "-dash", "x\x1b[1m"):
        (tmp_path / f"{name}.toml").write_text(chef)
    (tmp_path / "folder.toml").mkdir()
    monkeypatch.setenv("VOICECLOSE_PROMPTS", str(tmp_path))
    assert [s.name for s in scenarios.available()] == ["chef"]
    with pytest.raises(UsageError, match=r"\(there are: chef\)"):
        scenarios.find("odd.name")


def test_scenario_text_reaches_the_terminal_without_control_characters(cli, tmp_path, monkeypatch):
    from voiceclose.app import scenarios
    from voiceclose.cli.practice import _scenario_text

    chef = (ROOT / "prompts" / "head-chef.toml").read_text()
    hostile = (
        chef.replace('role = "', 'role = "\\u001b]0;pwned\\u0007\\u001b[31m')
        .replace('interviewer = "', 'interviewer = "\\u009b2J\\u202e')
        .replace('moment = "', 'moment = "\\u001b[2J\\r\\u001b[1A')
        .replace('what = "', 'what = "line\\none ')
    )
    assert hostile != chef
    (tmp_path / "chef.toml").write_text(hostile)
    monkeypatch.setenv("VOICECLOSE_PROMPTS", str(tmp_path))
    scenario = scenarios.find("chef")
    shown = (
        _scenario_text(scenario) + cli("prompts").out + json.dumps(scenario.__dict__, default=str)
    )
    for bad in ("\x1b", "\x07", "\x9b", "\u202e", "\r", "pwned\x07"):
        assert bad not in shown
    assert scenario.role == "head chef" and scenario.needs[0].what.startswith("line one ")
    assert len(_scenario_text(scenario).splitlines()) == 4


# --- no native abort, ten times in a row ----------------------------------------------------------

TIMES_IN_A_ROW = 10


def no_speech(kind: str, seed: int) -> np.ndarray:
    """Five seconds of a recording with nobody speaking; each seed is a new recording."""
    rng = np.random.default_rng(seed)
    t = np.arange(5 * SAMPLE_RATE) / SAMPLE_RATE
    if kind == "silence":
        return rng.normal(0, 1e-5, t.size).astype(np.float32)
    if kind == "hum":  # mains hum and its harmonics
        hum = sum(0.05 / k * np.sin(2 * np.pi * 50 * k * t + seed) for k in (1, 2, 3))
        return (hum + rng.normal(0, 1e-4, t.size)).astype(np.float32)
    return rng.normal(0, 0.05, t.size).astype(np.float32)  # noise


def truncated(tmp_path: Path, seed: int) -> Path:
    """A WAV cut off mid-recording, its header promising more than is there."""
    audio, rate = sf.read(SAMPLES / "complete_close_slt.flac", dtype="int16")
    whole = tmp_path / "whole.wav"
    sf.write(whole, audio, rate, subtype="PCM_16")
    cut = tmp_path / f"truncated-{seed}.wav"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 3 + 2 * seed * 997])
    return cut


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["silence", "hum", "noise", "truncated"])
def test_a_new_recording_checked_ten_times_in_a_row_exits_normally(tmp_path, shared_cache, kind):
    home = tmp_path / "fresh"
    (home / "cache").mkdir(parents=True)
    (home / "cache" / "models").symlink_to(shared_cache / "models", target_is_directory=True)
    for n in range(TIMES_IN_A_ROW):
        if kind == "truncated":
            path = truncated(tmp_path, n)
        else:
            path = tmp_path / f"{kind}-{n}.wav"  # new each time: no transcript is cached
            sf.write(path, no_speech(kind, n), SAMPLE_RATE)
        done = voiceclose("check", "--json", "--no-history", path, home=home)
        assert "terminate called" not in done.err and done.code >= 0, (
            f"run {n + 1}: native abort at exit (exit {done.code}): {done.err.strip()}"
        )
        assert done.code == 1 and "Traceback" not in done.err, (n, done.code, done.err)
        [report] = done.json()
        assert report["ok"], report
        if kind != "truncated":
            assert report["extras"]["speech_heard"] is False
        else:
            assert any("promises more audio" in note for note in report["notes"])
