"""Playback (the interviewer's line, review --play) returns even when the output never says it
has finished, as PulseAudio through ALSA sometimes does on a busy machine: practice hung there."""

from __future__ import annotations

import time

import numpy as np

from voiceclose.audio import playback


class StuckOutput:
    """A sounddevice whose stream plays but never reports its end."""

    class PortAudioError(Exception):
        pass

    def __init__(self):
        self.stopped = False
        self.played = None

    def query_devices(self, device, kind):
        return {"name": "stuck", "default_samplerate": 16000}

    def play(self, data, rate, device=None):
        self.played = (len(data), rate)

    def get_stream(self):
        return type("Stream", (), {"active": True})()

    def stop(self):
        self.stopped = True


def test_play_gives_up_on_an_output_that_never_finishes(monkeypatch):
    stuck = StuckOutput()
    monkeypatch.setattr(playback, "sounddevice", lambda: stuck)
    monkeypatch.setattr(playback, "PLAY_GRACE_S", 0.3)
    started = time.monotonic()
    playback.play(np.zeros(8000, dtype=np.float32), 16000)  # half a second
    took = time.monotonic() - started
    assert stuck.played == (8000, 16000) and stuck.stopped
    assert 0.5 <= took < 2.0, took


def test_an_output_that_will_not_open_is_one_short_line(monkeypatch):
    import pytest

    from voiceclose.errors import DeviceError

    class Refusing(StuckOutput):
        def play(self, data, rate, device=None):
            raise self.PortAudioError(
                "Error opening OutputStream: Unanticipated host error [PaErrorCode -9999]: "
                "'Input/output error' [ALSA error -5]"
            )

    monkeypatch.setattr(playback, "sounddevice", lambda: Refusing())
    with pytest.raises(DeviceError) as raised:
        playback.play(np.zeros(800, dtype=np.float32), 16000)
    assert str(raised.value) == "cannot play through 'stuck' (Error opening OutputStream)"
