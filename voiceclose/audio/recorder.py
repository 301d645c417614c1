"""Record from the microphone straight to disk, so that nothing said is ever lost.

``open`` starts the microphone before the person is asked to speak (resolving the device and
loading speech detection take seconds; the stream starts first, so the microphone listens while
speech detection loads); until ``run`` starts the recording, only the last ``pre_roll_s`` of
audio is kept, and it becomes the start of the file, so a first word said the moment Enter is
pressed is kept. With no terminal there is no Enter to wait for, and the pre-roll can hold all
that was heard since the microphone opened. The blocks go to the file on a path of their own
(``capture``), so the file keeps up with the microphone however busy the machine is. The main
thread follows behind with the level meter, speech detection and the live transcript. Ctrl-C,
``stop()`` (Enter), the time limit (exact, to the sample) or trailing silence end a recording
cleanly; a vanished device or a failing disk end it with a one-line problem, keeping what was
written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceclose.audio.capture import (
    BLOCK_S,
    FIRST_BLOCK_TIMEOUT_S,
    PRE_ROLL_S,
    Capture,
    Writer,
    new_recording_path,
    wav_file,
)
from voiceclose.audio.decode import SAMPLE_RATE
from voiceclose.audio.devices import InputDevice, resolve, sounddevice
from voiceclose.audio.levels import Level, SpeechTracker
from voiceclose.defaults import DEFAULT_MAX_SECONDS
from voiceclose.errors import DeviceError

STREAM_LATENCY_S = 0.1  # what PortAudio may hold back before handing a block over
PULSE_LATENCY_ENV = ("PULSE_LATENCY_MSEC", "30")  # asks PulseAudio (through ALSA's pulse plugin,
# which ignores PortAudio's request) for little buffering: otherwise a source may deliver audio in
# chunks of up to two seconds, seconds a kill -9 would lose and a "speak now" would not have heard
POLL_S = 0.2  # how often a waiting loop looks at the stop flag and the device

__all__ = ["Level", "Recorder", "RecordOptions", "Recording", "new_recording_path"]


@dataclass(frozen=True)
class RecordOptions:
    out_dir: Path
    label: str  # goes into the file name (the practice scenario)
    device: str | None = None  # number or part of a name; None for the default input
    max_seconds: float = DEFAULT_MAX_SECONDS
    stop_after_silence_s: float | None = None  # once speech was heard; None to keep going
    pre_roll_s: float = PRE_ROLL_S  # heard before ``run`` and kept as the file's start, at most
    stop_without_speech_s: float | None = None  # no speech at all for this long: stop (nobody is
    # there to speak); None to keep going


@dataclass(frozen=True)
class Recording:
    path: Path
    seconds: float
    sample_rate: int
    device: str
    stopped_by: str  # "enter", "ctrl-c", "max-seconds", "silence", "no-speech", "device", "disk"
    overflows: int  # times the input overflowed (audio was lost before it reached us)
    speech_heard: bool
    problem: str | None = None  # why a device or disk failure ended it, in one line
    kept_before_start_s: float = 0.0  # audio from before ``run`` began the file (the pre-roll)
    first_sample_after_start_s: float = 0.0  # when the file's first sample was heard, from the
    # moment ``run`` began (negative: the pre-roll holds audio from before it)
    warnings: tuple[tuple[str, float], ...] = ()  # the live warnings shown ("clipping", "very
    # quiet", "no sound from the microphone") and for how many seconds


def pick_rate(check: Callable[[int], None], device_rate: float) -> int:
    """16 kHz when the device can record it, otherwise its own rate (resampled when checked)."""
    try:
        check(SAMPLE_RATE)
        return SAMPLE_RATE
    except Exception:  # PortAudio reports an unsupported rate in several ways
        return int(device_rate)


class Recorder:
    """One recording: ``open`` the microphone (before asking the person to speak), then ``run``
    blocks until the recording ends; ``stop`` (from any thread) ends it; ``close`` releases the
    microphone if ``run`` never came."""

    def __init__(self, options: RecordOptions):
        self.options = options
        self._stop = threading.Event()
        self._stopped_by = "enter"
        self._stream = None
        self._capture: Capture | None = None
        self.device: InputDevice | None = None
        self.rate = SAMPLE_RATE
        self.path: Path | None = None
        self._tracker: SpeechTracker | None = None
        self._writer: Writer | None = None
        self.run_started: float | None = None  # time.monotonic() when ``run`` began the file

    def stop(self, reason: str = "enter") -> None:
        if not self._stop.is_set():
            self._stopped_by = reason
            self._stop.set()

    def open(self) -> None:
        """Find the device, start the microphone and load speech detection (nothing is written
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
        self._capture = Capture(self.rate, self.options.pre_roll_s)
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
        try:  # seconds to load (torch): the microphone already listens meanwhile
            self._tracker = SpeechTracker(self.rate)
        except BaseException:
            self.close()
            raise
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
        with self._ctrl_c_stops(), wav_file(self.path, self.rate) as sound_file:
            writer = self._writer = Writer(self.path, capture, sound_file, max_frames, self.stop)
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
            warnings=tuple((k, round(v, 1)) for k, v in tracker.warned.items()),
        )

    def _follow(self, writer: Writer, tracker, on_level, on_audio) -> tuple[str | None, float]:
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
            nobody_for = self.options.stop_without_speech_s
            if nobody_for and not tracker.heard and elapsed >= nobody_for:
                self.stop("no-speech")
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
