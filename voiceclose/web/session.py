"""One practice in the app: the same Practice (recorder, live transcript, checker) and the same
follow-up round as ``voiceclose practice``, run in a thread of its own, telling the page what
happens as events that the page follows over server-sent events:

  ready, started, level, parts, stopped, report   the close (the report as soon as it is checked)
  concern, asked, answer-started, level, answer-stopped, answer (or skipped)   the follow-up round
  error (anywhere), end (always last)
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
from voiceclose.defaults import DEFAULT_MAX_SECONDS, DEFAULT_MODEL
from voiceclose.errors import VoicecloseError
from voiceclose.results import Report
from voiceclose.results_json import as_json

PARTS_EVERY_S = 0.5  # how often the live checklist looks at the words heard so far
KEEP_EVENTS = 5000  # a practice of 3 minutes sends ~2000 events; enough for any page to catch up


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
        self._stop_early = False  # Stop came before the microphone was open
        self._skip = threading.Event()  # the follow-up round is not wanted (Skip, Try again)
        self.attempt_id: int | None = None
        self.timings: dict[str, float] = {}  # seconds after Stop: recorder stopped, checked, ...
        self._thread = threading.Thread(target=self._run, daemon=True, name="practice")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop: the close's recording, or (once it is recording) the answer's."""
        round_ = self._round
        if round_ is not None:
            round_.stop("app")
            return
        self.stop_clicked_at = time.monotonic()
        practice = self._practice
        if practice is not None:
            practice.stop("app")
        else:
            self._stop_early = True

    def skip(self) -> None:
        """No follow-up round (or no more of it): the answer, if any, is not kept."""
        self._skip.set()
        round_ = self._round
        if round_ is not None:
            round_.stop("app")

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
                    practice.stop("app")
                self._emit("ready", device=practice.recorder.device.name)
                done = practice.record(
                    on_level=self._levels(practice),
                    on_start=lambda path, device, rate: self._emit(
                        "started", recording=str(path), device=device.name
                    ),
                    on_stopped=self._stopped,
                )
            self._mark("checked")
            self._finish(done.result)
            if self.followup and self.report is not None and rounds.round_follows(self.report):
                self._followup_round(options)
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
                warning=level.warning,
            )
            now = time.monotonic()
            if practice is not None and now - last["parts_at"] >= PARTS_EVERY_S:
                last["parts_at"] = now
                parts = practice.parts_heard_so_far()
                if parts != last["parts"]:
                    last["parts"] = parts
                    self._emit("parts", parts=parts)

        return on_level

    def _finish(self, result) -> None:
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
        changed = since(self.previous, result) if self.previous is not None else None
        self._emit(
            "report",
            attempt_id=outputs.last_attempt_id,
            previous=self.previous.label if self.previous is not None else None,
            report=data,
            parts={e: r.found for e, r in result.elements.items()},
            changes=changed,
            warning=warning,
            timings=self.timings,
        )

    def _followup_round(self, options) -> None:
        """The CLI's round after the report: the concern spoken (and shown), the answer
        recorded through the same recorder until Stop, checked, and kept with the attempt."""
        if self._skip.is_set():
            self._emit("skipped")
            return
        concern = rounds.choose_concern(self.scenario)
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
                round_.stop("app")
            spoken = round_.ask(speak=not self._skip.is_set())
            self._emit("asked", spoken=spoken.spoken, problem=spoken.problem)
            done = round_.record(
                on_level=self._levels(None),
                on_start=lambda path, device, rate: self._emit(
                    "answer-started", recording=str(path), device=device.name
                ),
                on_stopped=lambda r: self._emit(
                    "answer-stopped", seconds=round(r.seconds, 1), problem=r.problem
                ),
            )
        self._round = None
        if self._skip.is_set():
            _forget(done.recording)
            self._emit("skipped")
        elif done.followup is None:
            self._emit("error", error=f"the answer could not be checked: {done.problem}")
        else:
            self._keep_answer(done.followup)

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
