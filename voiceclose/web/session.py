"""One practice in the app: the same Practice (recorder, live transcript, checker) and the same
follow-up round as ``voiceclose practice``, run in a thread of its own, telling the page what
happens as events that the page follows over server-sent events:

  ready, started, level, parts, stopped, report   the close (the report as soon as it is checked)
  concern, asked, answer-started, level, answer-stopped, answer (or skipped)   the follow-up round
  error (anywhere), end (always last)

A practice belongs to no one page: a page opened (or reopened) while it is under way follows it
from its first event. When no page has followed it for ``PAGE_GONE_S`` (the tab was closed, the
laptop lid shut) or the page says it is going away, what is being recorded stops and is kept,
and no follow-up round begins: nothing keeps recording for a page that is not there.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import asdict
from typing import Any

from voiceclose.app import followup as rounds
from voiceclose.app.outputs import Outputs
from voiceclose.app.practise import STOPPED, Practice, record_options
from voiceclose.app.progress import Snapshot, since
from voiceclose.app.scenarios import Scenario
from voiceclose.audio.levels import DEVICES_HINT
from voiceclose.defaults import DEFAULT_MAX_SECONDS, DEFAULT_MODEL
from voiceclose.errors import VoicecloseError
from voiceclose.results import Report
from voiceclose.results_json import as_json

PARTS_EVERY_S = 0.5  # how often the live checklist looks at the words heard so far
KEEP_EVENTS = 5000  # a practice of 3 minutes sends ~2000 events; enough for any page to catch up
PAGE_GONE_S = 5.0  # no page following the practice for this long: it was closed
NEAR_EMPTY_S = 1.0  # a close stopped sooner than this was stopped before anything was said


class PracticeSession:
    """Start with ``start``; ``stop`` from the page; events in ``events`` (read with ``since``)."""

    def __init__(
        self,
        scenario: Scenario,
        device: str | None,
        model: str = DEFAULT_MODEL,
        previous: Snapshot | None = None,
        followup: bool = True,
    ):
        self.scenario = scenario
        self.device = device
        self.model = model
        self.previous = previous  # the last attempt at this scenario: "what changed"
        self.followup = followup  # the follow-up round after the close's report
        self.events: list[dict[str, Any]] = []
        self.done = threading.Event()
        self.report: Report | None = None
        self.stop_clicked_at: float | None = None
        self._changed = threading.Condition()
        self._practice: Practice | None = None
        self._round: rounds.FollowUpRound | None = None
        self._stop_early: str | None = None  # Stop came before the microphone was open (why)
        self._skip = threading.Event()  # the follow-up round is not wanted (Skip, Try again)
        self._left = False  # the page went away: stopped, and no round after
        self._answering = False  # the answer's recording is under way
        self._answered = False  # an answer has begun recording
        self._skip_answer = False  # Skip (or Try again) while answering: kept only if said
        self._watchers = 0  # pages following the events now
        self._unwatched_since = 0  # bumped whenever that changes: only the latest timer acts
        self.attempt_id: int | None = None
        self.timings: dict[str, float] = {}  # seconds after Stop: recorder stopped, checked, ...
        self._thread = threading.Thread(target=self._run, daemon=True, name="practice")

    def start(self) -> None:
        self._thread.start()
        self._unwatched()  # the page that started it has a few seconds to follow it

    def status(self) -> dict[str, Any]:
        """For a page opened while a practice may be under way."""
        return {
            "under_way": not self.done.is_set(),
            "scenario": self.scenario.name,
            "followup": self.followup,
        }

    def stop(self, reason: str = "app") -> None:
        """Stop: the close's recording, or (once it is recording) the answer's."""
        round_ = self._round
        if round_ is not None:
            round_.stop(reason)
            return
        self.stop_clicked_at = time.monotonic()
        practice = self._practice
        if practice is not None:
            practice.stop(reason)
        else:
            self._stop_early = reason

    def skip(self) -> None:
        """No follow-up round (or no more of it): the interviewer's voice stops at once. An
        answer already begun stops (if it still records) and is checked; anything said in it
        is kept, as Stop keeps it (Try again while answering threw it away), and only an
        answer in which nothing was said is not."""
        if self._answered:
            self._skip_answer = True
            if self._answering:
                self.stop("skip")
            return
        self._skip.set()
        round_ = self._round
        if round_ is not None:
            round_.hush()
            round_.stop("app")

    def leave(self) -> None:
        """The page went away: what is being recorded stops and is kept (the close is checked
        and stored; an answer already begun is checked and kept with it); no round begins."""
        self._left = True
        if self._answering:
            self.stop("page")
            return
        self._skip.set()  # nothing of the round has been recorded: nothing is lost
        round_ = self._round
        if round_ is not None:
            round_.hush()
        self.stop("page")

    @contextlib.contextmanager
    def watched(self):
        """A page following the events (its stream open)."""
        with self._changed:
            self._watchers += 1
            self._unwatched_since += 1
        try:
            yield
        finally:
            with self._changed:
                self._watchers -= 1
                nobody = self._watchers == 0
            if nobody:
                self._unwatched()

    def _unwatched(self) -> None:
        with self._changed:
            self._unwatched_since += 1
            now = self._unwatched_since
        timer = threading.Timer(PAGE_GONE_S, self._if_still_unwatched, args=(now,))
        timer.daemon = True
        timer.start()

    def _if_still_unwatched(self, since: int) -> None:
        with self._changed:
            gone = self._watchers == 0 and self._unwatched_since == since
        if gone and not self.done.is_set():
            self.leave()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def since(self, n: int, timeout: float) -> list[dict[str, Any]]:
        """The events after the first ``n``, waiting up to ``timeout`` for one."""
        with self._changed:
            if len(self.events) <= n and not self.done.is_set():
                self._changed.wait(timeout)
            return self.events[n:]

    def _mark(self, what: str) -> None:
        """Seconds since Stop was clicked, for the benchmark and the report event."""
        if self.stop_clicked_at is not None:
            self.timings[what] = round(time.monotonic() - self.stop_clicked_at, 3)

    def _emit(self, event: str, /, **data) -> None:
        with self._changed:
            if len(self.events) < KEEP_EVENTS or event != "level":
                self.events.append({"type": event, **data})
            self._changed.notify_all()

    def _run(self) -> None:
        try:
            options = record_options(self.scenario, None, self.device, DEFAULT_MAX_SECONDS, None)
            with Practice(self.scenario, options, self.model) as practice:
                practice.prepare()
                self._practice = practice
                if self._stop_early:
                    practice.stop(self._stop_early)
                self._emit("ready", device=practice.recorder.device.name)
                done = practice.record(
                    on_level=self._levels(practice),
                    on_start=lambda path, device, rate: self._emit(
                        "started", recording=str(path), device=device.name
                    ),
                    on_stopped=self._stopped,
                )
            self._mark("checked")
            self._finish(done.result, done.recording.seconds)
            if self.report is not None and self._round_follows(self.report):
                self._followup_round(options, rounds.question_asked(self.report))
        except VoicecloseError as e:
            self._emit("error", error=str(e))
        except Exception as e:  # noqa: BLE001 - the page must hear of it, not hang
            self._emit("error", error=f"the practice stopped: {e}")
        finally:
            self._emit("end")
            self.done.set()
            with self._changed:
                self._changed.notify_all()

    def _stopped(self, recording) -> None:
        self._mark("recorder stopped")
        self._emit(
            "stopped",
            seconds=round(recording.seconds, 1),
            how=STOPPED.get(recording.stopped_by, recording.stopped_by),
            problem=recording.problem,
        )

    def _levels(self, practice: Practice | None):
        last = {"parts_at": 0.0, "parts": None}

        def on_level(level) -> None:
            self._emit(
                "level",
                elapsed_s=round(level.elapsed_s, 2),
                level_dbfs=level.level_dbfs,
                speaking=level.speaking,
                warning=_for_the_page(level.warning),
            )
            now = time.monotonic()
            if practice is not None and now - last["parts_at"] >= PARTS_EVERY_S:
                last["parts_at"] = now
                parts = practice.parts_heard_so_far()
                if parts != last["parts"]:
                    last["parts"] = parts
                    self._emit("parts", parts=parts)

        return on_level

    def _round_follows(self, report: Report) -> bool:
        """The follow-up round after this close: asked for at Start, not skipped, and (as at
        the terminal) something was said."""
        return self.followup and not self._skip.is_set() and rounds.round_follows(report)

    def _finish(self, result, seconds: float) -> None:
        outputs = Outputs()
        warning = outputs.add(result)
        outputs.finish()
        data = as_json(result)
        if not isinstance(result, Report):
            self._emit("error", error=f"{result.source}: {result.error}")
            return
        self.report = result
        self.attempt_id = outputs.last_attempt_id
        self._mark("stored")
        said = rounds.round_follows(result)
        changed = since(self.previous, result) if self.previous is not None and said else None
        self._emit(
            "report",
            attempt_id=outputs.last_attempt_id,
            previous=self.previous.label if self.previous is not None else None,
            report=data,
            parts={e: r.found for e, r in result.elements.items()},
            changes=changed,
            nothing_said=None if said else _nothing_said(seconds, self.previous),
            followup=self._round_follows(result),
            asked=rounds.question_asked(result),
            unasked_note=rounds.UNASKED_NOTE,
            warning=warning,
            timings=self.timings,
        )

    def _followup_round(self, options, asked: bool) -> None:
        """The CLI's round after the report: the concern spoken (and shown), the answer
        recorded through the same recorder until Stop, checked, and kept with the attempt."""
        concern = rounds.choose_concern(self.scenario, asked)
        with rounds.FollowUpRound(self.scenario, options, self.model, concern) as round_:
            round_.prepare()
            self._emit(
                "concern",
                interviewer=self.scenario.interviewer,
                kind=concern.kind,
                text=concern.text,
            )
            self._round = round_
            if self._skip.is_set():
                round_.hush()
            spoken = round_.ask()
            self._emit("asked", spoken=spoken.spoken, problem=spoken.problem, cut=spoken.cut)
            if self._skip.is_set():  # Skip while the interviewer spoke: nothing to record
                self._round = None
                self._emit("skipped", left=self._left)
                return
            done = round_.record(
                on_level=self._levels(None),
                on_start=self._answer_started,
                on_stopped=self._answer_stopped,
            )
        self._round = None
        nothing_said = done.followup is not None and done.followup.no_speech
        if self._skip.is_set() or (self._skip_answer and nothing_said):
            _forget(done.recording)
            self._emit("skipped", left=self._left)
        elif done.followup is None:
            self._emit("error", error=f"the answer could not be checked: {done.problem}")
        else:
            self._keep_answer(done.followup)

    def _answer_started(self, path, device, rate) -> None:
        self._answering = self._answered = True
        self._emit(
            "answer-started", recording=str(path), device=device.name, max_s=DEFAULT_MAX_SECONDS
        )

    def _answer_stopped(self, recording) -> None:
        self._answering = False
        how = STOPPED.get(recording.stopped_by, recording.stopped_by)
        self._emit(
            "answer-stopped",
            seconds=round(recording.seconds, 1),
            how=how,
            problem=recording.problem,
        )

    def _keep_answer(self, answer) -> None:
        combined = rounds.with_followup(self.report, answer)
        self.report = combined
        warning = rounds.keep_answer(self.attempt_id, combined) if self.attempt_id else None
        self._emit(
            "answer",
            attempt_id=self.attempt_id,
            followup=as_json(combined)["followup"],
            warning=warning,
        )


def _nothing_said(seconds: float, previous: Snapshot | None) -> str:
    """Why an attempt with no speech is neither compared nor followed up, in plain words."""
    then = f" with {previous.label}" if previous is not None else ""
    if seconds < NEAR_EMPTY_S:
        return (
            f"Stopped after {seconds:.1f} s, before anything was said: nothing to compare{then} "
            "and no follow-up. Press Start when you are ready to speak."
        )
    return (
        f"No speech was heard in {seconds:.1f} s (is the right microphone chosen?), so there "
        f"is nothing to compare{then} and no follow-up: the interviewer had nothing to answer."
    )


def _forget(recording) -> None:
    """A skipped answer's file (and the report saved beside it) is not kept."""
    from voiceclose.app.scenarios import sidecar_path

    if recording is None:
        return
    for path in (recording.path, sidecar_path(recording.path)):
        with contextlib.suppress(OSError):
            path.unlink()


def scenario_json(s: Scenario) -> dict[str, Any]:
    data = asdict(s)
    data["needs"] = [n.what for n in s.needs]
    return data


def _for_the_page(warning: str | None) -> str | None:
    """A level warning as the page says it: the microphone is chosen above, not with `devices`."""
    if warning and warning.endswith(DEVICES_HINT):
        return warning[: -len(DEVICES_HINT)] + " Choose it under Microphone, above."
    return warning
