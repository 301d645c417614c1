"""No credit from nothing: silence, noise, hum and clicks are "no speech heard", and a silent tail
after a close adds no "Thank you." (Whisper's favourite invention)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from .conftest import SAMPLES

pytestmark = pytest.mark.slow  # the model, synthetic speech or PulseAudio

RATE = 16000
RNG = np.random.default_rng(20261122)


def pink_noise(seconds: float, level: float) -> np.ndarray:
    white = RNG.normal(0, 1, int(seconds * RATE))
    spectrum = np.fft.rfft(white)
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))
    pink = np.fft.irfft(spectrum, len(white))
    return (level * pink / np.abs(pink).max()).astype(np.float32)


def hum(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    wave = sum(0.2 / k * np.sin(2 * np.pi * 50 * k * t) for k in (1, 2, 3, 5))
    return (wave + pink_noise(seconds, 0.005)).astype(np.float32)


def clicks(seconds: float) -> np.ndarray:
    out = pink_noise(seconds, 0.002)
    at = 0.0
    while at < seconds - 0.1:
        at += RNG.uniform(0.08, 0.35)  # someone typing
        start = int(at * RATE)
        burst = RNG.normal(0, 0.4, 400) * np.exp(-np.arange(400) / 60)
        out[start : start + 400] += burst[: len(out) - start]
    return np.clip(out, -1, 1).astype(np.float32)


NOT_SPEECH = {
    "silence_60s": lambda: np.zeros(60 * RATE, dtype=np.float32),
    "room_noise": lambda: pink_noise(30, 0.1),
    "hum": lambda: hum(30),
    "keyboard_clicks": lambda: clicks(30),
}


@pytest.mark.parametrize("name", sorted(NOT_SPEECH))
def test_no_speech_credits_nothing(cli, tmp_path, name):
    path = tmp_path / f"{name}.wav"
    sf.write(path, NOT_SPEECH[name](), RATE)
    run = cli("check", path, "--json")
    assert run.code == 1
    [report] = run.json()
    assert report["extras"]["speech_heard"] is False
    assert not any(e["found"] for e in report["elements"].values())
    assert report["transcript"] == ""
    assert "no speech heard" in report["notes"]


TAILS = {
    "digital silence": lambda: np.zeros(20 * RATE, np.float32),
    "room tone": lambda: pink_noise(20, 0.01),
    "hum": lambda: hum(20) * 0.2,
}


@pytest.mark.parametrize("tail", sorted(TAILS))
def test_silence_after_a_close_adds_no_thanks(cli, tmp_path, manifest, tail):
    no_thanks = [s for s in manifest if s["expect"]["speech"] and not s["expect"]["thanks"]]
    assert no_thanks
    paths = []
    for s in no_thanks:
        close, rate = sf.read(SAMPLES / s["file"], dtype="float32")
        assert rate == RATE and close.ndim == 1
        paths.append(tmp_path / s["file"].replace(".flac", ".wav"))
        sf.write(paths[-1], np.concatenate([close, TAILS[tail]()]), RATE)
    for report in cli("check", *paths, "--json").json():
        assert report["elements"]["thanks"]["found"] is False, (
            report["source"],
            report["transcript"],
        )
        assert "thank" not in report["transcript"].lower()[-40:], report["transcript"]
