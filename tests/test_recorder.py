"""Recording logic that needs no device: file names, the sample rate, live warnings."""

from __future__ import annotations

import builtins
from datetime import datetime

import numpy as np
import pytest

from voiceclose.audio import devices
from voiceclose.audio.levels import SpeechTracker
from voiceclose.audio.recorder import SAMPLE_RATE, new_recording_path, pick_rate
from voiceclose.errors import DeviceError


def test_recording_names_never_reuse_a_file(tmp_path):
    when = datetime(2026, 11, 22, 9, 30, 5)
    first = new_recording_path(tmp_path, "head-chef", when)
    first.write_bytes(b"the first attempt")
    second = new_recording_path(tmp_path, "head-chef", when)
    third = new_recording_path(tmp_path, "head chef/../x", when)
    assert first.name == "2026-11-22_09-30-05_head-chef.wav"
    assert second.name == "2026-11-22_09-30-05_head-chef-2.wav"
    assert "/" not in third.name.replace(str(tmp_path), "") and third.parent == tmp_path
    assert first.read_bytes() == b"the first attempt"


def test_sixteen_kilohertz_when_possible_else_the_device_rate():
    assert pick_rate(lambda rate: None, 48000.0) == SAMPLE_RATE

    def only_44k(rate):
        if rate != 44100:
            raise ValueError("Invalid sample rate")

    assert pick_rate(only_44k, 44100.0) == 44100


def blocks(signal: np.ndarray, rate: int = SAMPLE_RATE, block_s: float = 0.1):
    step = int(rate * block_s)
    for i in range(0, len(signal) - step + 1, step):
        yield (i + step) / rate, signal[i : i + step].reshape(-1, 1)


def last_level(tracker, signal, rate=SAMPLE_RATE):
    level = None
    for elapsed, block in blocks(signal, rate):
        level = tracker.feed(block, elapsed)
    return level


@pytest.mark.slow  # torch and the Silero speech model
def test_warns_about_silence_and_clipping():
    silent = last_level(SpeechTracker(SAMPLE_RATE), np.zeros(3 * SAMPLE_RATE, np.float32))
    assert "no sound" in silent.warning
    t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    loud = np.clip(3 * np.sin(2 * np.pi * 200 * t), -1, 1).astype(np.float32)
    clipping = SpeechTracker(SAMPLE_RATE)
    assert "clipping" in last_level(clipping, loud).warning
    assert clipping.warned["clipping"] == pytest.approx(2.0, abs=0.15)  # kept for the report


@pytest.mark.slow  # torch and the Silero speech model
def test_a_loud_close_whose_peaks_touch_full_scale_is_not_clipping():
    """A few samples of a loud syllable at full scale are not an overdriven input (a stranger
    was told "too loud, move back" for 7 s of a close with 12 such samples)."""
    import soundfile as sf

    from .conftest import SAMPLES

    close, rate = sf.read(SAMPLES / "complete_close_slt.flac", dtype="float32")
    loud = close / np.abs(close).max()  # its loudest samples exactly at full scale
    loud[np.argsort(np.abs(loud))[-12:]] = np.sign(loud[np.argsort(np.abs(loud))[-12:]])
    tracker = SpeechTracker(rate)
    last_level(tracker, loud, rate)
    assert "clipping" not in tracker.warned and tracker.heard


@pytest.mark.slow  # torch and the Silero speech model
def test_a_pause_after_speech_is_not_a_muted_microphone(manifest):
    import soundfile as sf

    from voiceclose.audio.levels import SILENT_AFTER_SPEECH_S

    from .conftest import SAMPLES

    speech, rate = sf.read(SAMPLES / "complete_close_slt.flac", dtype="float32")
    assert rate == SAMPLE_RATE
    # four seconds of a close, then exact silence, as a noise-suppressed headset gives
    signal = np.concatenate([speech[: 4 * rate], np.zeros(int(9 * rate), np.float32)])
    tracker = SpeechTracker(SAMPLE_RATE)
    warnings = {round(t, 1): tracker.feed(b, t).warning for t, b in blocks(signal)}
    assert tracker.heard
    assert all(w is None for t, w in warnings.items() if t <= 4 + 3)  # a pause to think
    assert "no sound" in warnings[13.0]  # a microphone muted mid-close is still said
    assert SILENT_AFTER_SPEECH_S < 9


def test_the_reports_notes_repeat_the_live_lines_warnings(tmp_path):
    from voiceclose.app.practise import _recording_notes
    from voiceclose.audio.recorder import Recording

    def recording(warnings):
        return Recording(tmp_path / "r.wav", 30.0, SAMPLE_RATE, "mic", "enter", 0, True,
                         warnings=warnings)  # fmt: skip

    notes = _recording_notes(recording((("clipping", 4.2), ("very quiet", 0.3))))
    assert any("clipping" in n and "for 4 s" in n for n in notes)
    assert not any("quiet" in n for n in notes)  # a moment's warning is not worth a note
    assert len(_recording_notes(recording(()))) == 1  # how it stopped, nothing more


@pytest.mark.slow  # torch and the Silero speech model
def test_tracks_speech_at_another_rate(manifest):
    import soundfile as sf
    import soxr

    from .conftest import SAMPLES

    speech, rate = sf.read(SAMPLES / "complete_close_slt.flac", dtype="float32")
    at_48k = soxr.resample(speech[: 8 * rate], rate, 48000).astype(np.float32)
    tracker = SpeechTracker(48000)
    last_level(tracker, at_48k, 48000)
    assert tracker.heard


def test_portaudio_missing_is_one_line_saying_what_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_portaudio(name, *args, **kwargs):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_portaudio)
    with pytest.raises(DeviceError) as e:
        devices.sounddevice()
    assert "libportaudio2" in str(e.value) and "\n" not in str(e.value)
