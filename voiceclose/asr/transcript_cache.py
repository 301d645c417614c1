"""Transcripts remembered by the audio they came from, in the user cache directory.

Checking the same recording again (a coach re-running a folder, ``check`` on a practice
recording) gives the same words without running Whisper again. Practice transcribes while the
person speaks, in pieces; its transcript is stored under the recording's audio, so that checking
the saved file later gives exactly the report practice gave. Beyond MAX_TRANSCRIPTS the least
recently used are forgotten, so the folder does not grow without end.

A cached transcript is used only after it is verified: the file's format version, the key it was
stored under and a SHA-256 of its contents must match, and every field must have the right type.
Anything else (an edited or damaged file, one from another version) is a miss, transcribed again
and stored over; never an exception, and never a different report.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
from pathlib import Path

from voiceclose.asr.weights import FULL_PRECISION_ENV
from voiceclose.audio.decode import Audio
from voiceclose.paths import cache_dir, cache_unwritable, private_dir
from voiceclose.results import SpeechRegion, Transcript, Word

# raise when transcription would now give other words for the same audio (7 was reverted)
TRANSCRIBER_VERSION = 11  # 9: decoder_steps.py; 10: speech unheard in the middle heard again;
# 11: the vocabulary projection quantises each row over its own range
FORMAT_VERSION = 2  # of the file: {"format", "key", "sha256", "transcript"}; raise when it changes
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
    """The transcript stored under ``cache_key``, if there is one and it verifies; else None."""
    path = cache_dir() / FOLDER / f"{cache_key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    transcript = _verified(data, cache_key)
    if transcript is not None:
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: the last to be pruned
    return transcript


def save(cache_key: str, transcript: Transcript) -> None:
    """Remember ``transcript``; a cache that cannot be written is not used, and the problem is
    recorded for the front end to tell (``paths.cache_problem``)."""
    body = {
        "words": [[w.text, w.start_s, w.end_s] for w in transcript.words],
        "speech_heard": transcript.speech_heard,
        "speech_regions": [[r.start_s, r.end_s] for r in transcript.speech_regions],
        "dropped_words": [[w.text, w.start_s, w.end_s] for w in transcript.dropped_words],
    }
    data = {
        "format": FORMAT_VERSION,
        "key": cache_key,
        "sha256": _digest(cache_key, body),
        "transcript": body,
    }
    folder = cache_dir() / FOLDER
    tmp = None
    try:
        private_dir(folder)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")  # readable by this user only
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, folder / f"{cache_key}.json")
        tmp = None
        _prune(folder)
    except OSError as e:
        cache_unwritable(folder, e)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.remove(tmp)


def _digest(cache_key: str, body) -> str:
    canonical = json.dumps([cache_key, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Malformed(Exception):
    """A cached transcript whose contents do not have the shape a transcript has."""


def _verified(data, cache_key: str) -> Transcript | None:
    """The transcript in ``data`` if its format, key and checksum match and its shape is right."""
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        return None
    body = data.get("transcript")
    if data.get("key") != cache_key or data.get("sha256") != _digest(cache_key, body):
        return None
    try:
        if not isinstance(body, dict) or not isinstance(body.get("speech_heard"), bool):
            raise _Malformed
        return Transcript(
            words=_words(body.get("words")),
            speech_heard=body["speech_heard"],
            speech_regions=tuple(
                SpeechRegion(*_times(r, optional=False)) for r in _list(body.get("speech_regions"))
            ),
            dropped_words=_words(body.get("dropped_words")),
        )
    except _Malformed:
        return None


def _list(value) -> list:
    if not isinstance(value, list):
        raise _Malformed
    return value


def _words(value) -> tuple[Word, ...]:
    words = []
    for item in _list(value):
        if not isinstance(item, list) or len(item) != 3 or not isinstance(item[0], str):
            raise _Malformed
        words.append(Word(item[0], *_times(item[1:], optional=True)))
    return tuple(words)


def _times(value, optional: bool) -> tuple:
    """Two times in seconds (None allowed when ``optional``: a typed transcript has none)."""
    if not isinstance(value, list) or len(value) != 2:
        raise _Malformed
    for t in value:
        if t is None and optional:
            continue
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
            raise _Malformed
    return tuple(value)


def _prune(folder: Path) -> None:
    """Forget the least recently used transcripts beyond MAX_TRANSCRIPTS."""
    with os.scandir(folder) as entries:
        files = [e for e in entries if e.name.endswith(".json")]
    if len(files) <= MAX_TRANSCRIPTS:
        return
    files.sort(key=lambda e: e.stat().st_mtime_ns)
    for entry in files[: len(files) - MAX_TRANSCRIPTS]:
        with contextlib.suppress(OSError):
            os.remove(entry.path)
