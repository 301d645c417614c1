"""Transcripts remembered by the audio they came from, in the user cache directory.

Checking the same recording again (a coach re-running a folder, ``check`` on a practice
recording) gives the same words without running Whisper again. Practice transcribes while the
person speaks, in pieces; its transcript is stored under the recording's audio, so that checking
the saved file later gives exactly the report practice gave. Beyond MAX_TRANSCRIPTS the least
recently used are forgotten, so the folder does not grow without end.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile

from voiceclose.asr.weights import FULL_PRECISION_ENV
from voiceclose.audio.decode import Audio
from voiceclose.paths import cache_dir
from voiceclose.results import SpeechRegion, Transcript, Word

TRANSCRIBER_VERSION = 4  # raise when transcription would now give other words for the same audio
FOLDER = "transcripts"
MAX_TRANSCRIPTS = 5000  # remembered at most (a few KB each); the least recently used go first


def key(audio: Audio, model: str) -> str:
    """What a transcript depends on: the samples, where they sit in the file, the model."""
    digest = hashlib.sha256()
    digest.update(audio.samples.tobytes())
    precision = "fp32" if os.environ.get(FULL_PRECISION_ENV, "") not in ("", "0") else "int8"
    digest.update(f"|{audio.offset_s:.3f}|{model}|{precision}|{TRANSCRIBER_VERSION}".encode())
    if os.path.isfile(model):  # a checkpoint file: its own version counts too
        stat = os.stat(model)
        digest.update(f"|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def load(cache_key: str) -> Transcript | None:
    path = cache_dir() / FOLDER / f"{cache_key}.json"
    try:
        data = json.loads(path.read_text())
        transcript = Transcript(
            words=tuple(Word(*w) for w in data["words"]),
            speech_heard=bool(data["speech_heard"]),
            speech_regions=tuple(SpeechRegion(*r) for r in data["speech_regions"]),
            dropped_words=tuple(Word(*w) for w in data["dropped_words"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: the last to be pruned
    return transcript


def save(cache_key: str, transcript: Transcript) -> None:
    """Remember ``transcript``; a cache that cannot be written is simply not used."""
    data = {
        "words": [[w.text, w.start_s, w.end_s] for w in transcript.words],
        "speech_heard": transcript.speech_heard,
        "speech_regions": [[r.start_s, r.end_s] for r in transcript.speech_regions],
        "dropped_words": [[w.text, w.start_s, w.end_s] for w in transcript.dropped_words],
    }
    folder = cache_dir() / FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        os.replace(tmp, folder / f"{cache_key}.json")
        _prune(folder)
    except OSError:
        pass


def _prune(folder) -> None:
    """Forget the least recently used transcripts beyond MAX_TRANSCRIPTS."""
    with os.scandir(folder) as entries:
        files = [e for e in entries if e.name.endswith(".json")]
    if len(files) <= MAX_TRANSCRIPTS:
        return
    files.sort(key=lambda e: e.stat().st_mtime_ns)
    for entry in files[: len(files) - MAX_TRANSCRIPTS]:
        with contextlib.suppress(OSError):
            os.remove(entry.path)
