"""The follow-up round after a practised close: the interviewer voices a concern, the candidate
answers, and the answer is checked (acknowledge, address, high note).

The concern is spoken by the offline voice (audio/voice.py) through the output device while the
microphone is already open (so the answer's first word is kept), but nothing heard before the
voice has finished and the output has drained (plus a guard) goes into the answer's file: the
interviewer's voice never ends up in the candidate's recording, even where the microphone hears
the speaker. With no output device (or no voice), the concern is only printed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voiceclose.app.answering import answer_audio_file, followup_from
from voiceclose.app.checking import Checker, Options
from voiceclose.app.scenarios import Scenario, sidecar_path
from voiceclose.asr.live import LiveTranscriber
from voiceclose.audio.capture import BLOCK_S
from voiceclose.audio.recorder import Recorder, Recording, RecordOptions
from voiceclose.errors import InputError, VoicecloseError
from voiceclose.results import Concern, FollowUp, Report
from voiceclose.results_json import as_json

OUTPUT_DRAIN_S = 0.25  # after playback returns: the sound server's buffer, the room's echo and
# the input's own latency, all of which may still carry the interviewer's last syllable
ANSWER_LABEL_SUFFIX = "answer"  # the answer's file: <date>_<scenario>-answer.wav
NO_CONCERN = Concern("none", "No, I think you've covered everything.")
HUSH_POLL_S = 0.05  # how often a wait for the line's synthesis looks whether it is still wanted


def round_follows(report: Report) -> bool:
    """Whether the follow-up round comes after this close: it was checked, and something was
    said (after a silent or empty recording there is nothing for the interviewer to doubt)."""
    return report.ok and bool(report.words or report.transcript.strip())


def question_asked(report: Report) -> bool:
    """Whether the close asked the reservations question. The round follows either way (as
    ``voiceclose practice`` runs it): asked, the concern is the interviewer's answer; not asked,
    it is the doubt a real interviewer would keep to themselves, voiced here to practise on."""
    return report.elements["reservations"].found


UNASKED_NOTE = (
    "You did not ask whether they have any reservations, so in a real interview this doubt might "
    "never be said, and you could not answer it. Here it is anyway, to practise answering it."
)


def choose_concern(
    scenario: Scenario, asked: bool = True, rng: random.Random | None = None
) -> Concern:
    """One of the scenario's concerns (a user's scenario without any: no concerns). When the
    close did not ask the question (``asked`` False), the round voices a doubt the interviewer
    kept to themselves, so never their "no concerns" line, unless the scenario has nothing else."""
    pool = list(scenario.concerns)
    if not asked:
        pool = [c for c in pool if c.kind != "none"] or pool
    if not pool:
        return NO_CONCERN
    return (rng or random.Random()).choice(pool)


@dataclass(frozen=True)
class Spoken:
    """How the concern was put to the candidate."""

    spoken: bool  # False: printed only (no output device or no voice)
    problem: str | None  # why it was not spoken, in one line
    ended_at: float | None  # time.monotonic() when playback returned
    cut: bool = False  # playback was cut short (``hush``: the round is not wanted)


@dataclass(frozen=True)
class RoundResult:
    concern: Concern
    spoken: Spoken
    recording: Recording | None
    followup: FollowUp | None  # None when the answer could not be checked
    problem: str | None  # why not, in one line
    line_end_to_recording_s: float | None  # end of the interviewer's line to the file's start


class FollowUpRound:
    """``prepare`` (synthesise the line, open the microphone, load the model), ``ask`` (speak
    and print), ``record`` (the answer, checked), ``close`` (always)."""

    def __init__(self, scenario: Scenario, record: RecordOptions, model: str, concern: Concern):
        self.concern = concern
        options = dataclasses.replace(record, label=f"{record.label}-{ANSWER_LABEL_SUFFIX}")
        self.recorder = Recorder(options)
        self.checker = Checker(Options(model=model, last_minutes=0))
        self._speech = None
        self._voice_problem: str | None = None
        self._synth = threading.Thread(target=self._synthesise, daemon=True)
        self._live: LiveTranscriber | None = None
        self._hush = threading.Event()  # stop the interviewer's voice mid-line
        self.spoken: Spoken | None = None

    def __enter__(self) -> FollowUpRound:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _synthesise(self) -> None:
        from voiceclose.audio import voice

        try:
            self._speech = voice.synthesise(self.concern.text)
        except (VoicecloseError, ImportError, OSError, RuntimeError) as e:
            self._voice_problem = str(e)

    def prepare(self) -> None:
        """Synthesise the line, load the model and open the microphone (DeviceError)."""
        self._synth.start()
        self.checker.prefetch()
        self.recorder.open()
        self._live = LiveTranscriber(self.checker.get_model)

    def ask(self, speak: bool = True) -> Spoken:
        """Say the concern through the output device; returns when it has been heard."""
        from voiceclose.audio.playback import play

        while self._synth.is_alive() and not self._hush.is_set():  # hush: no need to wait
            self._synth.join(HUSH_POLL_S)
        if not speak or self._hush.is_set():
            self.spoken = Spoken(False, None, None, cut=self._hush.is_set())
        elif self._speech is None:
            self.spoken = Spoken(False, self._voice_problem, None)
        else:
            try:
                whole = play(self._speech.samples, self._speech.rate, cancel=self._hush)
                self.spoken = Spoken(True, None, time.monotonic(), cut=not whole)
            except VoicecloseError as e:
                self.spoken = Spoken(False, str(e), None)
        return self.spoken

    def stop(self, reason: str = "enter") -> None:
        self.recorder.stop(reason)

    def hush(self) -> None:
        """Cut the interviewer's line short (from any thread): ``ask`` returns at once."""
        self._hush.set()

    def record(self, on_level=None, on_start=None, on_stopped=None) -> RoundResult:
        """Record the answer (after the interviewer's line and the drain), then check it."""
        spoken = self.spoken or self.ask(speak=False)
        quiet_from = None
        if spoken.ended_at is not None:
            quiet_from = spoken.ended_at + OUTPUT_DRAIN_S
            _sleep_until(quiet_from + BLOCK_S)  # every block from here on is after the line
        recording = self.recorder.run(
            on_level=on_level, on_start=on_start, on_audio=self._live.feed, not_before=quiet_from
        )
        if on_stopped:
            on_stopped(recording)
        delay = None
        if spoken.ended_at is not None and self.recorder.run_started is not None:
            first_sample = self.recorder.run_started + recording.first_sample_after_start_s
            delay = round(first_sample - spoken.ended_at, 3)
        return self._checked(recording, delay)

    def _checked(self, recording: Recording, delay: float | None) -> RoundResult:
        try:
            heard = self._live.finish()
        except Exception:  # noqa: BLE001 - transcribing the saved file gives the same words
            heard = None
        try:
            report = answer_audio_file(
                self.checker, str(recording.path), recording.path, self.concern, heard
            )
        except InputError as e:
            return RoundResult(self.concern, self.spoken, recording, None, e.problem, delay)
        followup = followup_from(report, str(recording.path))
        notes = [*_round_notes(self.spoken, delay), *followup.notes]
        followup = dataclasses.replace(followup, notes=notes)
        _save(followup, recording.path)
        return RoundResult(self.concern, self.spoken, recording, followup, None, delay)

    def close(self) -> None:
        self.recorder.close()
        if self._live is not None:
            self._live.cancel()
        self.checker.close()
        if self._synth.is_alive():
            self._synth.join()


def _round_notes(spoken: Spoken | None, delay: float | None) -> list[str]:
    if spoken is None or not spoken.spoken:
        why = f" ({spoken.problem})" if spoken and spoken.problem else ""
        return [f"the concern was printed, not spoken{why}"]
    if delay is None:
        return []
    return [
        f"your answer was recorded from {delay:.1f} s after the interviewer finished speaking, "
        "so their voice is not in it"
    ]


def _sleep_until(moment: float) -> None:
    wait = moment - time.monotonic()
    if wait > 0:
        time.sleep(wait)


def with_followup(report: Report, followup: FollowUp) -> Report:
    """The close's report with the answer in it; the close's saved JSON is updated to match."""
    combined = dataclasses.replace(report, followup=followup)
    if report.recording:
        _replace_json(sidecar_path(Path(report.recording)), as_json(combined))
    return combined


def _save(followup: FollowUp, recording: Path) -> None:
    data = dataclasses.asdict(followup)
    _replace_json(sidecar_path(recording), data)


def _replace_json(path: Path, data: dict) -> None:
    """Write ``data`` to ``path`` through a temporary file (0600, whatever the umask: it holds
    what was said), so a reader never sees half of it; a write that fails leaves nothing."""
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(temporary)


def run_round(
    scenario: Scenario,
    record: RecordOptions,
    model: str,
    *,
    speak: bool = True,
    asked: bool = True,
    concern: Concern | None = None,
    on_concern: Callable[[Concern], None] | None = None,
    before_answer: Callable[[FollowUpRound], None] | None = None,
    **callbacks,
) -> RoundResult:
    """One follow-up round: prepare, say the concern (``on_concern`` prints it), wait for
    ``before_answer`` (Enter at a terminal), record and check the answer; ``asked``: whether
    the close asked the reservations question (see ``choose_concern``)."""
    concern = concern or choose_concern(scenario, asked)
    with FollowUpRound(scenario, record, model, concern) as round_:
        round_.prepare()
        if on_concern:
            on_concern(concern)
        round_.ask(speak)
        if before_answer:
            before_answer(round_)
        return round_.record(**callbacks)


def keep_answer(attempt_id: int, report: Report) -> str | None:
    """Add the answer in ``report`` to attempt ``attempt_id``, already in the history (the app
    stores the close for its report at once); a line saying why when it cannot be."""
    from voiceclose.store.history import open_for_writing

    try:
        with open_for_writing() as history:
            history.add_followup(attempt_id, report)
    except VoicecloseError as e:
        return f"the answer is not in the history: {e}"
    return None
