"""The recording's real-time path, from the microphone to the disk.

The PortAudio callback only copies each block into ``Capture`` (a short pre-roll until the
recording starts, then a queue); ``Writer``, a thread of its own, does nothing but write each
block to the WAV file as it arrives (keeping the header current and syncing to disk every
SYNC_EVERY_S), so the file keeps up with the microphone however busy the machine is, and a
kill -9 loses at most the block in hand. It ends the file at exactly the time limit, and hands
each written block on to whoever follows behind (the meter, speech detection, the live
transcript). A new recording gets a new private file, never an existing one.
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np

from voiceclose.paths import PRIVATE_FILE_MODE, private_dir

BLOCK_S = 0.1  # seconds of audio per block handed from PortAudio to the writer
PRE_ROLL_S = 0.3  # audio from just before the start that begins the file (at a terminal, where
# the person says when they are ready)
SYNC_EVERY_S = 0.5  # how often the file is pushed to the disk itself (fsync)
DEVICE_TIMEOUT_S = 3.0  # no audio for this long from a running stream: the device is gone
FIRST_BLOCK_TIMEOUT_S = 10.0  # a stream just started may take a while to deliver (PulseAudio
# resumes a suspended source; a busy CPU delays the first callback)
HEADER_AUTO_UPDATE = 0x1061  # libsndfile's SFC_SET_UPDATE_HEADER_AUTO


def new_recording_path(out_dir: Path, label: str, now: datetime | None = None) -> Path:
    """A new, empty file named by date, time and label; an existing file is never reused.

    The file, and any folder made for it, is the user's only: a recording is their voice.
    """
    private_dir(out_dir)
    stem = f"{(now or datetime.now()):%Y-%m-%d_%H-%M-%S}_{_safe(label)}"
    for n in range(1, 1000):
        path = out_dir / (f"{stem}.wav" if n == 1 else f"{stem}-{n}.wav")
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE)
        except FileExistsError:
            continue
        os.close(fd)
        return path
    raise OSError(f"too many recordings named {stem} in {out_dir}")


def _safe(label: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in label) or "close"


class Capture:
    """All the PortAudio callback touches: before the recording starts, a short pre-roll that
    forgets older audio; once it starts, a queue for the writer. Also the overflow count and
    when the last block came."""

    def __init__(self, rate: int, pre_roll_s: float = PRE_ROLL_S):
        self.blocks: queue.Queue[tuple[float, np.ndarray] | None] = queue.Queue()
        self._pre_roll: collections.deque = collections.deque(
            maxlen=max(1, round(pre_roll_s / BLOCK_S))
        )
        self._recording = False
        self._lock = threading.Lock()
        self.rate = rate
        self.overflows = 0
        self.last_block = time.monotonic()
        self.received = False
        self._flowing = threading.Event()

    def started(self) -> None:
        """The stream is running: the device's silence is timed from now."""
        self.last_block = time.monotonic()

    def begin(self, not_before: float | None = None) -> float:
        """Start queueing for the file, the pre-roll first (only blocks wholly heard after
        ``not_before``, a time.monotonic() moment, when given); returns the seconds of pre-roll."""
        with self._lock:
            kept = [
                (arrived, block)
                for arrived, block in self._pre_roll
                if not_before is None or self.first_heard(arrived, len(block)) >= not_before
            ]
            self._pre_roll.clear()
            for item in kept:
                self.blocks.put(item)
            self._recording = True
        return sum(len(block) for _, block in kept) / self.rate

    def first_heard(self, arrived: float, frames: int) -> float:
        """When the first sample of a block that arrived at ``arrived`` was heard."""
        return arrived - frames / self.rate

    def end(self) -> None:
        """No more blocks: the writer stops at this mark."""
        with self._lock:
            self._recording = False
            self.blocks.put(None)

    def first_block(self, timeout_s: float) -> bool:
        """Wait until the stream has delivered audio (a resuming source can take two seconds);
        False if it has not within ``timeout_s`` (the recording loop then reports it gone)."""
        return self._flowing.wait(timeout_s)

    def silent_too_long(self) -> bool:
        limit = DEVICE_TIMEOUT_S if self.received else FIRST_BLOCK_TIMEOUT_S
        return time.monotonic() - self.last_block > limit

    def callback(self, indata, frames, when, status) -> None:
        now = time.monotonic()
        if status.input_overflow:
            self.overflows += 1
        with self._lock:
            (self.blocks.put if self._recording else self._pre_roll.append)((now, indata.copy()))
        self.last_block = now
        self.received = True
        self._flowing.set()


class Writer(threading.Thread):
    """Writes every queued block to the file the moment it arrives, and nothing else: the file
    never lags the microphone by more than a block, whatever else the machine is doing. Ends the
    recording at exactly ``max_frames``; hands each written block on for the meter."""

    def __init__(
        self,
        path: Path,
        capture: Capture,
        sound_file,
        max_frames: int,
        stop: Callable[[str], None],
    ):
        super().__init__(name="voiceclose-writer", daemon=True)
        self.path, self.capture, self.file, self.stop = path, capture, sound_file, stop
        self.max_frames = max_frames
        self.written = 0
        self.first_sample_at: float | None = None  # time.monotonic() when it was heard
        self.problem: str | None = None
        self.written_blocks: queue.Queue[np.ndarray | None] = queue.Queue()

    def run(self) -> None:
        last_sync = time.monotonic()
        try:
            while (item := self.capture.blocks.get()) is not None:
                if self.problem or self.written >= self.max_frames:
                    continue  # drain to the end mark; nothing more goes into the file
                if self.first_sample_at is None:
                    self.first_sample_at = self.capture.first_heard(item[0], len(item[1]))
                block = item[1][: self.max_frames - self.written]
                try:
                    self.file.write(block)
                except (OSError, RuntimeError, AssertionError) as e:  # soundfile asserts too
                    self.problem = _write_problem(e, self.path)
                    self.stop("disk")
                    continue
                self.written += len(block)
                self.written_blocks.put(block)
                if self.written >= self.max_frames:
                    self.stop("max-seconds")
                if time.monotonic() - last_sync >= SYNC_EVERY_S:
                    with contextlib.suppress(Exception):
                        self.file.flush()  # libsndfile's sf_write_sync: fsync
                    last_sync = time.monotonic()
        finally:
            self.written_blocks.put(None)


def _write_problem(error: BaseException, path: Path | None) -> str:
    reason = getattr(error, "strerror", None) or "the disk refused the write: full?"
    return f"could not write to {path} ({reason}); the recording stopped, what was saved is kept"


@contextlib.contextmanager
def wav_file(path: Path, rate: int):
    """A 16-bit WAV file open for writing, its header kept current as blocks go in."""
    import soundfile as sf

    writer = sf.SoundFile(path, "w", samplerate=rate, channels=1, subtype="PCM_16", format="WAV")
    _update_header_on_every_write(writer)
    try:
        yield writer
    finally:
        # a failing disk may refuse the final header; the data written stays
        with contextlib.suppress(Exception):
            writer.close()


def _update_header_on_every_write(writer) -> None:
    """Ask libsndfile to keep the WAV header current, so even a killed recording is tidy."""
    # a private API, hence the suppress; voiceclose reads unfinished headers anyway
    with contextlib.suppress(Exception):
        from soundfile import _ffi, _snd

        _snd.sf_command(writer._file, HEADER_AUTO_UPDATE, _ffi.NULL, 1)
