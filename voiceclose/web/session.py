"""One practice in the app: the same Practice (recorder, live transcript, checker) as
``voiceclose practice``, run in a thread of its own, telling the page what happens as events
(ready, started, level, parts, stopped, report) that the page follows over server-sent events."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from typing import Any

from voiceclose.app.outputs import Outputs
from voiceclose.app.practise import STOPPED, Practice, record_options
from voiceclose.app.review import changes
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
        previous: Report | None = None,
    ):
        self.scenario = scenario
        self.device = device
        self.model = model
        self.previous = previous  # the last attempt at this scenario: "what changed"
        self.events: list[dict[str, Any]] = []
        self.done = threading.Event()
        self.report: Report | None = None
        self.stop_clicked_at: float | None = None
        self._changed = threading.Condition()
        self._practice: Practice | None = None
        self._stop_early = False  # Stop came before the microphone was open
        self.timings: dict[str, float] = {}  # seconds after Stop: recorder stopped, checked, ...
        self._thread = threading.Thread(target=self._run, daemon=True, name="practice")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stop_clicked_at = time.monotonic()
        practice = self._practice
        if practice is not None:
            practice.stop("app")
        else:
            self._stop_early = True

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

    def _emit(self, kind: str, **data) -> None:
        with self._changed:
            if len(self.events) < KEEP_EVENTS or kind in ("report", "error", "stopped"):
                self.events.append({"type": kind, **data})
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
        except VoicecloseError as e:
            self._emit("error", error=str(e))
        except Exception as e:  # noqa: BLE001 - the page must hear of it, not hang
            self._emit("error", error=f"the practice stopped: {e}")
        finally:
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

    def _levels(self, practice: Practice):
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
            if now - last["parts_at"] >= PARTS_EVERY_S:
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
        self._mark("stored")
        changed = changes(self.previous, result) if self.previous is not None else None
        self._emit(
            "report",
            attempt_id=outputs.last_attempt_id,
            report=data,
            parts={e: r.found for e, r in result.elements.items()},
            changes=changed,
            warning=warning,
            timings=self.timings,
        )


def scenario_json(s: Scenario) -> dict[str, Any]:
    data = asdict(s)
    data["needs"] = [n.what for n in s.needs]
    return data
