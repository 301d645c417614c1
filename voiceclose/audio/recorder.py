"""Record from the microphone straight to disk, so that nothing said is ever lost.

``open`` starts the microphone before the person is asked to speak (resolving the device and
loading speech detection take seconds); until ``run`` starts the recording, only the last
PRE_ROLL_S of audio is kept, and it becomes the start of the file, so a first word said the moment
Enter is pressed is kept. The PortAudio callback only copies each block into a queue; a writer
thread of its own does nothing but write each block to the WAV file as it arrives (keeping the
header current and syncing to disk every SYNC_EVERY_S), so the file keeps up with the microphone
however busy the machine is, and a kill -9 loses at most the block in hand. The main thread
follows behind with the level meter, speech detection and the live transcript. Ctrl-C, ``stop()``
(Enter), the time limit (exact, to the sample) or trailing silence end a recording cleanly; a
vanished device or a failing disk end it with a one-line problem, keeping what was written.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
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
from voiceclose.audio.levels import Level, SpeechTracker
from voiceclose.defaults import DEFAULT_MAX_SECONDS
from voiceclose.errors import DeviceError
from voiceclose.paths import PRIVATE_FILE_MODE, private_dir

BLOCK_S = 0.1  # seconds of audio per block handed from PortAudio to the writer
PRE_ROLL_S = 0.3  # audio from just before the start that begins the file
STREAM_LATENCY_S = 0.1  # what PortAudio may hold back before handing a block over
PULSE_LATENCY_ENV = ("PULSE_LATENCY_MSEC", "30")  # asks PulseAudio (through ALSA's pulse plugin,
# which ignores PortAudio's request) for little buffering: otherwise a source may deliver audio in
# chunks of up to two seconds, seconds a kill -9 would lose and a "speak now" would not have heard
SYNC_EVERY_S = 0.5  # how often the file is pushed to the disk itself (fsync)
DEVICE_TIMEOUT_S = 3.0  # no audio for this long from a running stream: the device is gone
FIRST_BLOCK_TIMEOUT_S = 10.0  # a stream just started may take a while to deliver (PulseAudio
# resumes a suspended source; a busy CPU delays the first callback)
POLL_S = 0.2  # how often a waiting loop looks at the stop flag and the device
HEADER_AUTO_UPDATE = 0x1061  # libsndfile's SFC_SET_UPDATE_HEADER_AUTO

__all__ = ["Level", "Recorder", "RecordOptions", "Recording", "new_recording_path"]


@dataclass(frozen=True)
class RecordOptions:
    out_dir: Path
    label: str  # goes into the file name (the practice scenario)
    device: str | None = None  # number or part of a name; None for the default input
    max_seconds: float = DEFAULT_MAX_SECONDS
    stop_after_silence_s: float | None = None  # once speech was heard; None to keep going


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
    kept_before_start_s: float = 0.0  # audio from before ``run`` began the file (the pre-roll)
    first_sample_after_start_s: float = 0.0  # when the file's first sample was heard, from the
    # moment ``run`` began (negative: the pre-roll holds audio from before it)


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
    """All the PortAudio callback touches: before the recording starts, a short pre-roll that
    forgets older audio; once it starts, a queue for the writer. Also the overflow count and
    when the last block came."""

    def __init__(self, rate: int):
        self.blocks: queue.Queue[tuple[float, np.ndarray] | None] = queue.Queue()
        self._pre_roll: collections.deque = collections.deque(
            maxlen=max(1, round(PRE_ROLL_S / BLOCK_S))
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


class _Writer(threading.Thread):
    """Writes every queued block to the file the moment it arrives, and nothing else: the file
    never lags the microphone by more than a block, whatever else the machine is doing. Ends the
    recording at exactly ``max_frames``; hands each written block on for the meter."""

    def __init__(self, recorder: Recorder, capture: _Capture, sound_file, max_frames: int):
        super().__init__(name="voiceclose-writer", daemon=True)
        self.recorder, self.capture, self.file = recorder, capture, sound_file
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
                    self.problem = _write_problem(e, self.recorder.path)
                    self.recorder.stop("disk")
                    continue
                self.written += len(block)
                self.written_blocks.put(block)
                if self.written >= self.max_frames:
                    self.recorder.stop("max-seconds")
                if time.monotonic() - last_sync >= SYNC_EVERY_S:
                    with contextlib.suppress(Exception):
                        self.file.flush()  # libsndfile's sf_write_sync: fsync
                    last_sync = time.monotonic()
        finally:
            self.written_blocks.put(None)


def _write_problem(error: BaseException, path: Path | None) -> str:
    reason = getattr(error, "strerror", None) or "the disk refused the write: full?"
    return f"could not write to {path} ({reason}); the recording stopped, what was saved is kept"


class Recorder:
    """One recording: ``open`` the microphone (before asking the person to speak), then ``run``
    blocks until the recording ends; ``stop`` (from any thread) ends it; ``close`` releases the
    microphone if ``run`` never came."""

    def __init__(self, options: RecordOptions):
        self.options = options
        self._stop = threading.Event()
        self._stopped_by = "enter"
        self._stream = None
        self._capture: _Capture | None = None
        self.device: InputDevice | None = None
        self.rate = SAMPLE_RATE
        self.path: Path | None = None
        self._tracker: SpeechTracker | None = None
        self._writer: _Writer | None = None
        self.run_started: float | None = None  # time.monotonic() when ``run`` began the file

    def stop(self, reason: str = "enter") -> None:
        if not self._stop.is_set():
            self._stopped_by = reason
            self._stop.set()

    def open(self) -> None:
        """Find the device, load speech detection and start the microphone (nothing is written
        until ``run``). Raises DeviceError in one line when it cannot be used."""
        if self._stream is not None:
            return
        os.environ.setdefault(*PULSE_LATENCY_ENV)  # read by libpulse when the stream connects
        sd = sounddevice()
        self.device = resolve(self.options.device)
        self.rate = pick_rate(
            lambda r: sd.check_input_settings(device=self.device.index, channels=1, samplerate=r),
            self.device.default_rate,
        )
        self._tracker = SpeechTracker(self.rate)
        self._capture = _Capture(self.rate)
        try:
            stream = sd.InputStream(
                device=self.device.index,
                channels=1,
                samplerate=self.rate,
                dtype="float32",
                blocksize=int(self.rate * BLOCK_S),
                latency=STREAM_LATENCY_S,
                callback=self._capture.callback,
            )
            stream.start()
        except sd.PortAudioError as e:
            raise DeviceError(f"the microphone {self.device.name!r} cannot be opened ({e})") from e
        self._stream = stream
        self._capture.started()
        self._capture.first_block(FIRST_BLOCK_TIMEOUT_S)  # audio is flowing: ready to record

    def close(self) -> None:
        """Release the microphone (safe to call more than once)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.abort(ignore_errors=True)
                stream.close(ignore_errors=True)

    def run(
        self,
        on_level: Callable[[Level], None] | None = None,
        on_start: Callable[[Path, InputDevice, int], None] | None = None,
        on_audio: Callable[[np.ndarray, bool], None] | None = None,
        not_before: float | None = None,
    ) -> Recording:
        """Start the recording (opening the microphone first if need be) and record until it is
        stopped. Ctrl-C stops it too when called from the main thread.

        ``on_start`` is called the moment audio goes to the file (the time to say "speak now");
        ``on_audio`` receives every block once it is on disk: 16 kHz mono, and whether it held
        speech (for transcribing while the person speaks). ``not_before`` (a time.monotonic()
        moment) keeps what was heard before it out of the file, even from the pre-roll: the
        interviewer's voice, just played."""
        self.open()
        capture, tracker = self._capture, self._tracker
        try:
            self.path = new_recording_path(self.options.out_dir, self.options.label)
        except OSError:
            self.close()
            raise
        max_frames = int(round(self.options.max_seconds * self.rate))
        with self._ctrl_c_stops(), _wav_writer(self.path, self.rate) as sound_file:
            writer = self._writer = _Writer(self, capture, sound_file, max_frames)
            writer.start()
            started = self.run_started = time.monotonic()
            kept = capture.begin(not_before)
            if on_start:
                on_start(self.path, self.device, self.rate)
            problem, elapsed = None, 0.0
            try:
                problem, elapsed = self._follow(writer, tracker, on_level, on_audio)
            finally:
                self.close()
                capture.end()
                writer.join()
            # what was written after the stop still reaches the meter and the live transcript
            while (block := writer.written_blocks.get()) is not None:
                elapsed = self._analyse(block, elapsed, tracker, on_level, on_audio)
        return Recording(
            path=self.path,
            seconds=writer.written / self.rate,
            sample_rate=self.rate,
            device=self.device.name,
            stopped_by=self._stopped_by,
            overflows=capture.overflows,
            speech_heard=tracker.heard,
            problem=writer.problem or problem,
            kept_before_start_s=round(kept, 3),
            first_sample_after_start_s=round((writer.first_sample_at or started) - started, 3),
        )

    def _follow(self, writer: _Writer, tracker, on_level, on_audio) -> tuple[str | None, float]:
        """The meter, speech detection and the live transcript, behind the writer, until the
        stop; returns a device problem (if one ended the recording) and the seconds followed."""
        elapsed = 0.0
        while not self._stop.is_set():
            try:
                block = writer.written_blocks.get(timeout=POLL_S)
            except queue.Empty:
                if self._capture.silent_too_long():
                    self.stop("device")
                    return (
                        "the microphone stopped sending audio (unplugged or switched off?); "
                        "what was recorded is kept"
                    ), elapsed
                continue
            elapsed = self._analyse(block, elapsed, tracker, on_level, on_audio)
            quiet_for = self.options.stop_after_silence_s
            if quiet_for and tracker.heard and tracker.silent_for(elapsed) >= quiet_for:
                self.stop("silence")
        return None, elapsed

    def _analyse(self, block, elapsed: float, tracker, on_level, on_audio) -> float:
        elapsed += len(block) / self.rate
        level = tracker.feed(block, elapsed)
        if on_level:  # the timer shows what is on disk: analysis may lag on a busy machine
            on_level(dataclasses.replace(level, elapsed_s=max(elapsed, self._on_disk_s())))
        if on_audio:
            on_audio(tracker.last_16k, level.speaking)
        return elapsed

    def _on_disk_s(self) -> float:
        return self._writer.written / self.rate if self._writer else 0.0

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
