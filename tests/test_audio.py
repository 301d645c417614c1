"""Decoding: every format to 16 kHz mono, unfinished WAVs, long files, and every kind of bad file."""

from __future__ import annotations

import os
import struct
import subprocess

import numpy as np
import pytest
import soundfile as sf

from voiceclose.audio.decode import MAX_DURATION_S, SAMPLE_RATE, load_audio
from voiceclose.errors import InputError

from .conftest import require_tool


def tone(seconds: float, rate: int, channels: int = 1, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.3 * np.sin(2 * np.pi * freq * t).astype(np.float32)
    return np.stack([mono] * channels, axis=1) if channels > 1 else mono


@pytest.mark.parametrize(
    "suffix, fmt, subtype",
    [
        (".wav", "WAV", "PCM_16"),
        (".flac", "FLAC", "PCM_16"),
        (".ogg", "OGG", "VORBIS"),
        (".mp3", "MP3", "MPEG_LAYER_III"),
    ],
)
def test_common_formats_decode_without_ffmpeg(tmp_path, monkeypatch, suffix, fmt, subtype):
    path = tmp_path / f"close{suffix}"
    sf.write(path, tone(2.0, 44100, channels=2), 44100, format=fmt, subtype=subtype)
    monkeypatch.setenv("PATH", "")  # no ffmpeg to fall back on
    audio = load_audio(path)
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert audio.source_rate == 44100 and audio.source_channels == 2
    assert abs(audio.duration_s - 2.0) < 0.15  # MP3 pads a little
    assert 0.1 < np.abs(audio.samples).max() <= 1.0


@pytest.mark.parametrize(
    "rate, channels", [(8000, 1), (22050, 1), (44100, 2), (48000, 2), (96000, 6)]
)
def test_any_rate_and_channel_count_becomes_16k_mono(tmp_path, rate, channels):
    path = tmp_path / "x.wav"
    sf.write(path, tone(1.5, rate, channels), rate)
    audio = load_audio(path)
    assert audio.samples.ndim == 1
    assert abs(len(audio.samples) - 1.5 * SAMPLE_RATE) <= 2
    # the tone survives resampling: its strongest frequency is still 440 Hz
    spectrum = np.abs(np.fft.rfft(audio.samples))
    peak_hz = np.argmax(spectrum) * SAMPLE_RATE / len(audio.samples)
    assert abs(peak_hz - 440) < 5


def _wav_with_sizes(path, samples: np.ndarray, riff_size: int, data_size: int) -> None:
    sf.write(path, samples, SAMPLE_RATE, subtype="PCM_16")
    raw = bytearray(path.read_bytes())
    data_at = raw.index(b"data")
    raw[4:8] = struct.pack("<I", riff_size)
    raw[data_at + 4 : data_at + 8] = struct.pack("<I", data_size)
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("size", [0, 0xFFFFFFFF, 0x7FFFFFFF])
def test_wav_whose_header_was_never_finalised_is_read(tmp_path, size):
    path = tmp_path / "killed.wav"
    _wav_with_sizes(path, tone(3.0, SAMPLE_RATE), size, size)
    audio = load_audio(path)
    assert abs(audio.duration_s - 3.0) < 0.01
    assert any("never finalised" in note for note in audio.notes)


def test_wav_cut_short_reads_what_is_there(tmp_path):
    path = tmp_path / "cut.wav"
    sf.write(path, tone(4.0, SAMPLE_RATE), SAMPLE_RATE, subtype="PCM_16")
    with open(path, "r+b") as f:
        f.truncate(44 + 2 * SAMPLE_RATE * 2 + 1)  # 2 s of audio and half a sample
    audio = load_audio(path)
    assert abs(audio.duration_s - 2.0) < 0.01
    assert any("promises more audio" in note for note in audio.notes)


def test_long_recording_keeps_only_the_final_minutes(tmp_path):
    path = tmp_path / "interview.wav"
    signal = np.concatenate([tone(60, SAMPLE_RATE, freq=200), tone(30, SAMPLE_RATE, freq=1000)])
    sf.write(path, signal, SAMPLE_RATE)
    audio = load_audio(path, last_s=30)
    assert audio.offset_s == pytest.approx(60.0)
    assert audio.file_duration_s == pytest.approx(90.0)
    assert audio.duration_s == pytest.approx(30.0)
    peak_hz = np.argmax(np.abs(np.fft.rfft(audio.samples))) * SAMPLE_RATE / len(audio.samples)
    assert abs(peak_hz - 1000) < 5
    assert load_audio(path).duration_s == pytest.approx(90.0)


@pytest.mark.slow
def test_m4a_decodes_through_ffmpeg(tmp_path):
    require_tool("ffmpeg")
    wav, m4a = tmp_path / "x.wav", tmp_path / "x.m4a"
    sf.write(wav, tone(2.0, 48000, 2), 48000)
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), str(m4a)], check=True)
    audio = load_audio(m4a)
    assert abs(audio.duration_s - 2.0) < 0.1
    last = load_audio(m4a, last_s=1.0)
    assert last.offset_s == pytest.approx(1.0, abs=0.1) and abs(last.duration_s - 1.0) < 0.1


def test_m4a_without_ffmpeg_says_so_in_one_line(tmp_path, monkeypatch):
    path = tmp_path / "phone.m4a"
    path.write_bytes(b"\x00\x00\x00\x20ftypM4A " + bytes(200))
    monkeypatch.setenv("PATH", "")
    with pytest.raises(InputError) as e:
        load_audio(path)
    assert "ffmpeg" in e.value.problem and "\n" not in str(e.value)


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("empty.wav", b"", "empty"),
        ("notes.wav", b"Thank you for your time, I really want this job.\n", "text file"),
        ("noise.flac", bytes(range(256)) * 20, "not a recognisable audio file"),
        ("header.wav", b"RIFF\x24\x00\x00\x00WAVEfmt ", "truncated"),
    ],
)
def test_bad_files_raise_one_clear_line(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as e:
        load_audio(path)
    assert expected in e.value.problem
    assert str(path) in str(e.value) and "\n" not in str(e.value)


def test_truncated_flac_is_reported(tmp_path):
    path = tmp_path / "cut.flac"
    sf.write(
        path,
        tone(6.0, SAMPLE_RATE)
        + np.random.default_rng(0).normal(0, 0.05, 6 * SAMPLE_RATE).astype(np.float32),
        SAMPLE_RATE,
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError) as e:
        load_audio(path)
    assert "truncated or corrupt" in e.value.problem


def test_zero_length_audio(tmp_path):
    path = tmp_path / "nothing.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), SAMPLE_RATE)
    with pytest.raises(InputError) as e:
        load_audio(path)
    assert "0 seconds" in e.value.problem


def test_absurdly_long_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "week.wav"
    rate = 8000
    frames = int(MAX_DURATION_S * rate) + rate * 60
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + frames)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate, 1, 8)
        + b"data"
        + struct.pack("<I", frames)
    )
    with open(path, "wb") as f:
        f.write(header)
        f.truncate(len(header) + frames)  # sparse: takes no disk space
    with pytest.raises(InputError) as e:
        load_audio(path)
    assert "hours long" in e.value.problem


def test_missing_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_audio(tmp_path / "nope.wav")
    with pytest.raises(InputError, match="directory"):
        load_audio(tmp_path)


def test_unreadable_file(tmp_path):
    path = tmp_path / "locked.wav"
    sf.write(path, tone(1.0, SAMPLE_RATE), SAMPLE_RATE)
    path.chmod(0)
    if os.geteuid() == 0:
        pytest.skip("root reads everything; tests/test_cli.py checks this as an unprivileged user")
    with pytest.raises(InputError, match="permission denied"):
        load_audio(path)
