"""Practice at the desk: record a close for a scenario, check it, save the report beside it."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voiceclose.app.checking import Checker, Options
from voiceclose.app.scenarios import Scenario, sidecar_path
from voiceclose.asr.live import LiveTranscriber
from voiceclose.audio.devices import InputDevice, input_devices
from voiceclose.audio.recorder import Level, Recorder, Recording, RecordOptions
from voiceclose.check.engine import check
from voiceclose.errors import InputError
from voiceclose.paths import PRIVATE_FILE_MODE, recordings_dir
from voiceclose.report.wording import counted
from voiceclose.results import ELEMENTS, Failure, Report, Result, Transcript
from voiceclose.results_json import as_json

_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK}

STOPPED = {
    "enter": "stopped with Enter",
    "app": "stopped with Stop in the app",
    "skip": "stopped with Skip or Try again in the app",
    "page": "stopped when the app's page was closed",
    "ctrl-c": "stopped with Ctrl-C",
    "max-seconds": "stopped at the time limit",
    "silence": "stopped after a pause once you had finished speaking",
    "no-speech": "stopped: nothing was said from the start",
    "device": "stopped: the microphone went away",
    "disk": "stopped: the recording could not be written",
}


@dataclass(frozen=True)
class PracticeResult:
    recording: Recording
    result: Result  # the report on what was recorded (or why it could not be checked)
    saved_report: Path | None  # the JSON saved beside the recording


class Practice:
    """One attempt at a scenario. ``prepare`` before asking the person to speak: the microphone,
    speech detection, the model and the rules all start then, so recording begins the moment
    they are ready. ``record`` records and checks; ``close`` (or the ``with`` block) waits for
    every background thread, whatever happened, so no exit path aborts inside native code."""

    def __init__(self, scenario: Scenario, record: RecordOptions, model: str):
        self.scenario = scenario
        self.checker = Checker(Options(model=model, last_minutes=0, scenario=scenario))
        self.recorder = Recorder(record)
        self._live: LiveTranscriber | None = None
        self.heard: tuple[str, ...] = ()  # the parts heard so far while recording (live)

    def __enter__(self) -> Practice:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def prepare(self) -> None:
        """Start the model and the rules loading and open the microphone (DeviceError if it
        cannot be used)."""
        self.checker.prefetch(all_rules=True)
        self.recorder.open()
        self._live = LiveTranscriber(self.checker.get_model, on_piece=self._check_so_far)

    def _check_so_far(self, transcript: Transcript) -> None:
        """Check the words heard so far (in the live transcriber's thread), for a checklist that
        ticks each part as soon as it is heard; a part once ticked stays ticked (a preview of the
        newest words may be cut where a later one is not)."""
        result = check(
            transcript.words,
            needs=self.scenario.needs,
            speech_regions=transcript.speech_regions,
        )
        found = {e for e in ELEMENTS if result.elements[e].found}
        self.heard = tuple(e for e in ELEMENTS if e in found or e in self.heard)

    def stop(self, reason: str = "enter") -> None:
        """End the recording (from any thread)."""
        self.recorder.stop(reason)

    def parts_heard_so_far(self) -> dict[str, bool]:
        """Each part, and whether it has been heard so far (for a live checklist; the report at
        the end is the one that counts)."""
        heard = self.heard
        return {e: e in heard for e in ELEMENTS}

    def record(
        self,
        on_level: Callable[[Level], None] | None = None,
        on_start: Callable | None = None,
        on_stopped: Callable[[Recording], None] | None = None,
    ) -> PracticeResult:
        """Record the close and check it against the scenario's needs; the report follows the
        stop quickly, since the words were transcribed while they were said."""
        if self._live is None:
            self.prepare()
        recording = self.recorder.run(
            on_level=on_level, on_start=on_start, on_audio=self._live.feed
        )
        if on_stopped:
            on_stopped(recording)
        try:
            heard = self._live.finish()
        except Exception:  # noqa: BLE001 - transcribing the saved file gives the same report
            heard = None
        try:
            report = self.checker.check_audio_file(str(recording.path), recording.path, heard)
        except InputError as e:
            return PracticeResult(recording, Failure(str(recording.path), e.problem), None)
        report = dataclasses.replace(
            report,
            recording=str(recording.path),
            notes=[*_recording_notes(recording), *report.notes],
        )
        return PracticeResult(recording, report, _save(report, recording.path))

    def close(self) -> None:
        self.recorder.close()
        if self._live is not None:
            self._live.cancel()
        self.checker.close()


def practise(scenario: Scenario, record: RecordOptions, model: str, **callbacks) -> PracticeResult:
    """Prepare, record and check one close (``callbacks`` as for ``Practice.record``)."""
    with Practice(scenario, record, model) as practice:
        practice.prepare()
        return practice.record(**callbacks)


def record_options(
    scenario: Scenario,
    out_dir: Path | None,
    device: str | None,
    max_seconds: float,
    stop_after_silence_s: float | None,
    stop_without_speech_s: float | None = None,
) -> RecordOptions:
    """Where and how a practice recording is made (default folder: recordings/ in the user's
    data folder)."""
    return RecordOptions(
        out_dir=out_dir or recordings_dir(),
        label=scenario.name,
        device=device,
        max_seconds=max_seconds,
        stop_after_silence_s=stop_after_silence_s,
        stop_without_speech_s=stop_without_speech_s,
    )


def microphones() -> list[InputDevice]:
    """The input devices there are, the system's default marked."""
    return input_devices()


def _recording_notes(recording: Recording) -> list[str]:
    how = STOPPED.get(recording.stopped_by, recording.stopped_by)
    notes = [f"{how} ({recording.seconds:.1f} s recorded)"]
    if recording.problem:
        notes.append(recording.problem)
    if recording.overflows:
        notes.append(
            f"the input overflowed {counted(recording.overflows, 'time')}: a little audio was lost "
            "(close other programs using the microphone or the CPU)"
        )
    if recording.sample_rate != 16000:
        notes.append(f"recorded at the microphone's own rate, {recording.sample_rate} Hz")
    for warning, seconds in recording.warnings:
        if warning in WARNING_NOTES and seconds >= WARNING_NOTE_AFTER_S:
            notes.append(f"{WARNING_NOTES[warning]} for {seconds:.0f} s of the recording")
    return notes


# The live line's warnings, said again in the report once the line is gone (by how each begins)
WARNING_NOTES = {
    "clipping": "the input was clipping (too loud: move back or turn the input volume down)",
    "very quiet": "the input was very quiet (speak up or move closer to the microphone)",
}
WARNING_NOTE_AFTER_S = 1.0  # a moment's warning is not worth a note


def _save(report: Report, recording: Path) -> Path | None:
    """The report as JSON beside the recording, readable by the user only; never replaces an
    existing file, and a write that fails (a full disk) leaves no file behind."""
    path = sidecar_path(recording)
    data = json.dumps(as_json(report), ensure_ascii=False, indent=1).encode("utf-8")
    try:
        _write_new(path, data)
    except OSError:
        return None
    return path


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file (0600) beside ``path``, then link it into place: the
    file appears whole or not at all, and an existing ``path`` is never replaced."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # FileExistsError if it is there
        except FileExistsError:
            raise
        except OSError as e:
            if e.errno not in _NO_HARD_LINKS:
                raise
            _write_exclusive(path, data)  # a file system without hard links (FAT, some FUSE)
    finally:
        with contextlib.suppress(OSError):
            os.remove(tmp)


def _write_exclusive(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except OSError:
        path.unlink(missing_ok=True)
        raise
