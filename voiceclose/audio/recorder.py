"""Record from the microphone straight to disk, so that nothing said is ever lost.

The PortAudio callback only copies each block into a queue; the main thread writes every block to
a WAV file as it arrives, keeps the header current and syncs the file to disk every second, so a
kill -9 or a crash loses at most the last block (and voiceclose reads unfinished headers anyway).
Each recording gets a new file that never replaces another. Ctrl-C, ``stop()`` (Enter), a time
limit or trailing silence end a recording cleanly; a vanished device or a failing disk end it with
a one-line problem, keeping what was written.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from voiceclose.audio.decode import SAMPLE_RATE
from voiceclose.audio.devices import InputDevice, resolve, sounddevice
from voiceclose.defaults import DEFAULT_MAX_SECONDS
from voiceclose.errors import DeviceError
from voiceclose.paths import PRIVATE_FILE_MODE, private_dir

BLOCK_S = 0.1  # seconds of audio per block handed from PortAudio to the writer
SYNC_EVERY_S = 1.0  # how often the file is pushed to the disk itself (fsync)
DEVICE_TIMEOUT_S = 3.0  # no audio for this long from a running stream: the device is gone
FIRST_BLOCK_TIMEOUT_S = 10.0  # a stream just started may take a while to deliver (PulseAudio
# resumes a suspended source; a busy CPU delays the first callback)
SILENT_DBFS = -65.0  # below this the input is silent (muted, or the wrong device)
QUIET_DBFS = -35.0  # speech peaking below this is too quiet to transcribe well
CLIP_LEVEL = 0.99  # a sample this close to full scale is clipping
WARN_AFTER_S = 2.0  # how long a condition lasts before it is worth a warning
SPEECH_PROB = 0.5  # Silero probability above which a block holds speech
HEADER_AUTO_UPDATE = 0x1061  # libsndfile's SFC_SET_UPDATE_HEADER_AUTO


@dataclass(frozen=True)
class RecordOptions:
    out_dir: Path
    label: str  # goes into the file name (the practice scenario)
    device: str | None = None  # number or part of a name; None for the default input
    max_seconds: float = DEFAULT_MAX_SECONDS
    stop_after_silence_s: float | None = None  # once speech was heard; None to keep going


@dataclass(frozen=True)
class Level:
    """How the recording is going, for a live display."""

    elapsed_s: float
    level_dbfs: float  # peak of the latest block
    speaking: bool
    warning: str | None  # silent, too quiet, clipping


@dataclass(frozen=True)
class Recording:
    path: Path
    seconds: float
    sample_rate: int
    device: str
    stopped_by: str  # "enter", "ctrl-c", "max-seconds", "silence", "device", "disk"
    overflows: int  # times the input overflowed (audio was lost before it reached us)
    speech_heard: bool
    problem: str | None = None  # why a device or disk failure ended it, in one line


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


def pick_rate(check: Callable[[int], None], device_rate: float) -> int:
    """16 kHz when the device can record it, otherwise its own rate (resampled when checked)."""
    try:
        check(SAMPLE_RATE)
        return SAMPLE_RATE
    except Exception:  # PortAudio reports an unsupported rate in several ways
        return int(device_rate)


class _Capture:
    """All the PortAudio callback touches: a queue, an overflow count, the last block's time."""

    def __init__(self):
        self.blocks: queue.Queue[np.ndarray] = queue.Queue()
        self.overflows = 0
        self.last_block = time.monotonic()
        self.received = False

    def started(self) -> None:
        """The stream is running: the device's silence is timed from now."""
        self.last_block = time.monotonic()

    def silent_too_long(self) -> bool:
        limit = DEVICE_TIMEOUT_S if self.received else FIRST_BLOCK_TIMEOUT_S
        return time.monotonic() - self.last_block > limit

    def callback(self, indata, frames, when, status) -> None:
        if status.input_overflow:
            self.overflows += 1
        self.blocks.put(indata.copy())
        self.last_block = time.monotonic()
        self.received = True


class Recorder:
    """One recording. ``run`` blocks until it ends; ``stop`` (from any thread) ends it."""

    def __init__(self, options: RecordOptions):
        self.options = options
        self._stop = threading.Event()
        self._stopped_by = "enter"

    def stop(self, reason: str = "enter") -> None:
        if not self._stop.is_set():
            self._stopped_by = reason
            self._stop.set()

    def run(
        self,
        on_level: Callable[[Level], None] | None = None,
        on_start: Callable[[Path, InputDevice, int], None] | None = None,
        on_audio: Callable[[np.ndarray, bool], None] | None = None,
    ) -> Recording:
        """Record until stopped. Ctrl-C stops it too when called from the main thread.

        ``on_audio`` receives every block once it is on disk: 16 kHz mono, and whether it held
        speech (for transcribing while the person speaks)."""
        sd = sounddevice()
        device = resolve(self.options.device)
        rate = pick_rate(
            lambda r: sd.check_input_settings(device=device.index, channels=1, samplerate=r),
            device.default_rate,
        )
        tracker = _SpeechTracker(rate)
        capture = _Capture()
        path = new_recording_path(self.options.out_dir, self.options.label)
        with self._ctrl_c_stops(), _wav_writer(path, rate) as writer:
            try:
                stream = sd.InputStream(
                    device=device.index,
                    channels=1,
                    samplerate=rate,
                    dtype="float32",
                    blocksize=int(rate * BLOCK_S),
                    callback=capture.callback,
                )
                stream.start()
                capture.started()
            except sd.PortAudioError as e:
                path.unlink(missing_ok=True)  # nothing was recorded
                raise DeviceError(f"the microphone {device.name!r} cannot be opened ({e})") from e
            if on_start:
                on_start(path, device, rate)
            written = 0

            def accept(block: np.ndarray) -> tuple[str | None, float]:
                """Write one block, then track and pass it on; a write problem, and the time."""
                nonlocal written
                if problem := self._write(writer, block, path):
                    return problem, written / rate
                written += len(block)
                level = tracker.feed(block, written / rate)
                if on_level:
                    on_level(level)
                if on_audio:
                    on_audio(tracker.last_16k, level.speaking)
                return None, written / rate

            try:
                problem = self._capture(capture, writer, tracker, accept)
            finally:
                stream.abort(ignore_errors=True)
                stream.close(ignore_errors=True)
            while not problem and not capture.blocks.empty():  # captured before the stop
                problem, _ = accept(capture.blocks.get_nowait())
        return Recording(
            path=path,
            seconds=written / rate,
            sample_rate=rate,
            device=device.name,
            stopped_by=self._stopped_by,
            overflows=capture.overflows,
            speech_heard=tracker.heard,
            problem=problem,
        )

    def _capture(self, capture, writer, tracker, accept) -> str | None:
        last_sync = time.monotonic()
        while not self._stop.is_set():
            try:
                block = capture.blocks.get(timeout=0.2)
            except queue.Empty:
                if capture.silent_too_long():
                    self.stop("device")
                    return (
                        "the microphone stopped sending audio (unplugged or switched off?); "
                        "what was recorded is kept"
                    )
                continue
            problem, elapsed = accept(block)
            if problem:
                return problem
            if time.monotonic() - last_sync >= SYNC_EVERY_S:
                writer.flush()  # libsndfile's sf_write_sync: fsync
                last_sync = time.monotonic()
            quiet_for = self.options.stop_after_silence_s
            if elapsed >= self.options.max_seconds:
                self.stop("max-seconds")
            elif quiet_for and tracker.heard and tracker.silent_for(elapsed) >= quiet_for:
                self.stop("silence")
        return None

    def _write(self, writer, block: np.ndarray, path: Path) -> str | None:
        try:
            writer.write(block)
            return None
        except (OSError, RuntimeError, AssertionError) as e:  # soundfile asserts on short writes
            self.stop("disk")
            reason = getattr(e, "strerror", None) or "the disk refused the write: full?"
            return (
                f"could not write to {path} ({reason}); the recording stopped, "
                "what was saved is kept"
            )

    @contextlib.contextmanager
    def _ctrl_c_stops(self):
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.signal(signal.SIGINT, lambda signum, frame: self.stop("ctrl-c"))
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _wav_writer(path: Path, rate: int):
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


class _SpeechTracker:
    """Live level, speech and warnings for the blocks of a recording in progress."""

    def __init__(self, rate: int):
        import soxr

        from voiceclose.audio.voice_activity import SpeechFollower

        self._speech = SpeechFollower()
        self._resampler = None
        if rate != SAMPLE_RATE:
            self._resampler = soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float32")
        self.heard = False
        self._last_speech_s = 0.0
        self._since: dict[str, float] = {}  # condition -> when it began

    def feed(self, block: np.ndarray, elapsed: float) -> Level:
        mono = block[:, 0] if block.ndim == 2 else block
        peak = float(np.abs(mono).max()) if mono.size else 0.0
        level = float(20 * np.log10(max(peak, 1e-6)))
        at_16k = self._resampler.resample_chunk(mono) if self._resampler else mono
        self.last_16k = at_16k
        speaking = self._speech.feed(at_16k) >= SPEECH_PROB
        if speaking:
            self.heard = True
            self._last_speech_s = elapsed
        self._track("silent", level < SILENT_DBFS, elapsed)
        self._track("quiet", speaking and level < QUIET_DBFS, elapsed)
        self._track("clipping", peak >= CLIP_LEVEL, elapsed, hold=1.0)
        return Level(elapsed, round(level, 1), speaking, self._warning(elapsed))

    def silent_for(self, elapsed: float) -> float:
        return elapsed - self._last_speech_s

    def _track(self, condition: str, now_true: bool, elapsed: float, hold: float = 0.0) -> None:
        if now_true:
            self._since.setdefault(condition, elapsed)
            self._since[f"{condition}-last"] = elapsed
        elif elapsed - self._since.get(f"{condition}-last", -1e9) > hold:
            self._since.pop(condition, None)

    def _lasting(self, condition: str, elapsed: float, for_s: float) -> bool:
        return condition in self._since and elapsed - self._since[condition] >= for_s

    def _warning(self, elapsed: float) -> str | None:
        if self._lasting("clipping", elapsed, 0.0):
            return "clipping: move back a little or turn the input volume down"
        if self._lasting("silent", elapsed, WARN_AFTER_S):
            return "no sound from the microphone: is it muted, or the wrong one? (see devices)"
        if self._lasting("quiet", elapsed, WARN_AFTER_S):
            return "very quiet: speak up or move closer to the microphone"
        return None
