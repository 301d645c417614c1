"""Microphones: list the input devices and pick one by number or by name (through PortAudio)."""

from __future__ import annotations

from dataclasses import dataclass

from voiceclose.errors import DeviceError

PORTAUDIO_HINT = "install PortAudio: sudo apt install libportaudio2"
LIST_HINT = "voiceclose devices lists the microphones"


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    channels: int
    default_rate: float  # Hz
    host_api: str
    is_default: bool


def sounddevice():
    """The sounddevice module, or a DeviceError saying what to install."""
    try:
        import sounddevice as sd
    except OSError as e:  # the Python package is there but the PortAudio library is not
        raise DeviceError(
            f"PortAudio is not installed, so no microphone can be used ({PORTAUDIO_HINT})"
        ) from e
    except ImportError as e:
        raise DeviceError("the sounddevice package is missing (pip install sounddevice)") from e
    return sd


def input_devices() -> list[InputDevice]:
    """Every device that can record, default first marked."""
    sd = sounddevice()
    try:
        devices = sd.query_devices()
        apis = sd.query_hostapis()
        default_in = sd.default.device[0]
    except sd.PortAudioError as e:
        raise DeviceError(f"PortAudio cannot list devices ({e})") from e
    found = []
    for index, d in enumerate(devices):
        if d["max_input_channels"] > 0:
            found.append(
                InputDevice(
                    index=index,
                    name=d["name"],
                    channels=int(d["max_input_channels"]),
                    default_rate=float(d["default_samplerate"]),
                    host_api=apis[d["hostapi"]]["name"],
                    is_default=index == default_in,
                )
            )
    return found


def resolve(spec: str | int | None) -> InputDevice:
    """The device asked for: None for the default, a number, or part of a name."""
    devices = input_devices()
    if not devices:
        raise DeviceError(
            "no microphone found: no input device is connected or enabled "
            "(plug one in, or check the sound settings)"
        )
    if spec is None or spec == "":
        return next((d for d in devices if d.is_default), devices[0])
    text = str(spec).strip()
    if text.isdigit():
        for d in devices:
            if d.index == int(text):
                return d
        raise DeviceError(f"no input device number {text} ({LIST_HINT})")
    matches = [d for d in devices if text.lower() in d.name.lower()]
    if not matches:
        raise DeviceError(f"no input device matches {text!r} ({LIST_HINT})")
    exact = [d for d in matches if d.name.lower() == text.lower()]
    return (exact or matches)[0]
