"""Play audio through the default output device (speakers or headphones), through PortAudio."""

from __future__ import annotations

import threading
import time

import numpy as np
import soxr

from voiceclose.audio.devices import sounddevice
from voiceclose.errors import DeviceError

FADE_S = 0.01  # a short fade in and out, so a clip cut mid-sound doesn't click
PLAY_GRACE_S = 2.0  # past the clip's length: a stream that has not finished by then is stopped
# (an output whose end is never reported, as PulseAudio through ALSA sometimes does on a busy
# machine, must not hang the program)
POLL_S = 0.02  # how often the end of playback is looked for


def play(
    samples: np.ndarray,
    rate: int,
    device: int | str | None = None,
    cancel: threading.Event | None = None,
) -> bool:
    """Play mono ``samples`` (at ``rate`` Hz) and return when they have been heard, or at once
    when ``cancel`` is set (the rest is not played); True when played to the end.

    Raises DeviceError with one line when there is no output device or it fails.
    """
    sd = sounddevice()
    try:
        info = sd.query_devices(device, kind="output")
    except (ValueError, sd.PortAudioError) as e:
        raise DeviceError("no output device (speakers or headphones) found to play through") from e
    out_rate = int(info["default_samplerate"])  # the device's own rate plays everywhere
    data = np.asarray(samples, dtype=np.float32)
    if out_rate != rate and data.size:
        data = soxr.resample(data, rate, out_rate).astype(np.float32, copy=False)
    data = _faded(data, out_rate)
    deadline = time.monotonic() + data.size / out_rate + PLAY_GRACE_S
    try:
        sd.play(data, out_rate, device=device)
        stream = sd.get_stream()
        while stream.active and time.monotonic() < deadline:
            if cancel is not None and cancel.is_set():
                break
            time.sleep(POLL_S)
        cut = cancel is not None and cancel.is_set()
        sd.stop()
        return not cut
    except sd.PortAudioError as e:
        # PortAudio's own words up to its error codes ("Error opening OutputStream")
        raise DeviceError(f"cannot play through {info['name']!r} ({_first_part(e)})") from e


def _first_part(error: Exception) -> str:
    return str(error).split(":", 1)[0].strip() or "it failed"


def _faded(data: np.ndarray, rate: int) -> np.ndarray:
    n = min(int(FADE_S * rate), data.size // 2)
    if n <= 0:
        return data
    data = data.copy()
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
    data[:n] *= ramp
    data[-n:] *= ramp[::-1]
    return data
