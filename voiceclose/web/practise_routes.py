"""The practice routes: scenarios (bundled, and the user's own, made here as ``scenario new``
makes them), microphones, and one practice at a time (start, stop, and its events, sent as
server-sent events)."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from voiceclose.app import review as reviewing
from voiceclose.app import scenarios
from voiceclose.app.progress import latest_for
from voiceclose.errors import HistoryError, UsageError, VoicecloseError
from voiceclose.web.session import PracticeSession, scenario_json

EVENT_WAIT_S = 15.0  # an idle event stream sends a comment this often, so proxies keep it open


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status)


async def scenario_list(request: Request) -> Response:
    try:
        found = await run_in_threadpool(scenarios.available)
    except VoicecloseError as e:
        return _error(500, str(e))
    try:  # offered first on the practice page: the link changes with every start, so a page
        # cannot remember it itself
        last = await run_in_threadpool(reviewing.last_scenario, {s.name for s in found})
    except HistoryError:
        last = None  # the page offers the first scenario
    return JSONResponse(
        {"scenarios": [scenario_json(s) for s in found], "can_create": True, "last": last}
    )


NEW_FIELDS = ("name", "role", "organisation", "interviewer", "pronoun")  # one line each
NEW_LISTS = ("needs", "concerns")  # lists of lines


async def scenario_create(request: Request) -> Response:
    """A scenario of the user's own from the page's form: the same store and the same checks
    as ``voiceclose scenario new`` (a 400 with its one-line message when a value is wrong)."""
    from voiceclose.app.own_scenarios import NewScenario, create

    try:
        body = await request.json()
    except ValueError:
        return _error(400, "send the scenario as a JSON object")
    if not isinstance(body, dict):
        return _error(400, "send the scenario as a JSON object")
    values = {key: body.get(key) or "" for key in NEW_FIELDS}
    lists = {key: body.get(key) or [] for key in NEW_LISTS}
    if not all(isinstance(v, str) for v in values.values()) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in lists.values()
    ):
        return _error(400, "each value is text, and needs and concerns are lists of text")
    new = NewScenario(
        name=values["name"].strip(),
        role=values["role"],
        organisation=values["organisation"],
        interviewer=values["interviewer"],
        pronoun=(values["pronoun"] or "they").strip().lower(),
        needs=lists["needs"],
        concerns=lists["concerns"],
    )
    try:
        made = await run_in_threadpool(create, new, bool(body.get("replace")))
    except VoicecloseError as e:
        return _error(400, str(e))
    return JSONResponse({"ok": True, "scenario": scenario_json(made)})


async def scenario_remove(request: Request) -> Response:
    """Remove a scenario of the user's own, as ``voiceclose scenario remove`` does (its
    attempts stay in the history); 400 with its one-line message for a bundled or unknown one."""
    from voiceclose.app.own_scenarios import remove

    name = request.path_params["name"]
    try:
        await run_in_threadpool(remove, name)
    except VoicecloseError as e:
        return _error(400, str(e))
    return JSONResponse({"ok": True, "removed": name})


async def microphones(request: Request) -> Response:
    from voiceclose.app.practise import microphones as listing

    try:
        found = await run_in_threadpool(listing)
    except VoicecloseError as e:
        return _error(409, str(e))
    return JSONResponse({"microphones": [dataclasses.asdict(d) for d in found]})


async def practice_start(request: Request) -> Response:
    state = request.app.state.voiceclose
    try:
        body = await request.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if state.session is not None and not state.session.done.is_set():
        return JSONResponse(  # the page follows it (and shows its Stop) rather than a dead end
            {"ok": False, "error": "a practice is already under way", **state.session.status()},
            status_code=409,
        )
    try:
        scenario = (
            scenarios.find(str(body.get("scenario") or ""))
            if body.get("scenario")
            else scenarios.choose()
        )
    except (VoicecloseError, UsageError) as e:
        return _error(400, str(e))
    device = body.get("device")
    previous = await run_in_threadpool(latest_for, scenario.name)
    session = PracticeSession(
        scenario,
        str(device) if device not in (None, "") else None,
        state.model,
        previous,
        followup=body.get("followup", True) is not False,
    )
    state.session = session
    session.start()
    return JSONResponse({"ok": True, "scenario": scenario_json(scenario)})


async def practice_stop(request: Request) -> Response:
    return _to_the_practice(request, PracticeSession.stop)


async def practice_status(request: Request) -> Response:
    """Whether a practice is under way (and which), for a page opened or reopened meanwhile."""
    session = request.app.state.voiceclose.session
    if session is None:
        return JSONResponse({"under_way": False})
    return JSONResponse(session.status())


async def practice_leave(request: Request) -> Response:
    """The page is going away (sent as it unloads): stop and keep what is being recorded."""
    return _to_the_practice(request, PracticeSession.leave)


async def practice_skip(request: Request) -> Response:
    """No follow-up round for this attempt (or no more of it): Skip, or Try again during it."""
    return _to_the_practice(request, PracticeSession.skip)


def _to_the_practice(request: Request, act) -> Response:
    """``act`` on the practice under way; 409 when there is none."""
    session = request.app.state.voiceclose.session
    if session is None or session.done.is_set():
        return _error(409, "no practice is under way")
    act(session)
    return JSONResponse({"ok": True})


async def practice_events(request: Request) -> Response:
    session: PracticeSession | None = request.app.state.voiceclose.session
    if session is None:
        return _error(404, "no practice has started")

    async def stream():
        seen = 0
        with session.watched():  # while no page follows it for long, the practice stops
            while True:
                fresh = await asyncio.to_thread(session.since, seen, EVENT_WAIT_S)
                if not fresh:
                    if session.done.is_set():
                        return
                    yield ": still here\n\n"
                    continue
                seen += len(fresh)
                for event in fresh:
                    yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n"
                if await request.is_disconnected():
                    return

    return StreamingResponse(stream(), media_type="text/event-stream")


ROUTES = [
    Route("/api/scenarios", scenario_list),
    Route("/api/scenarios", scenario_create, methods=["POST"]),
    Route("/api/scenarios/{name}", scenario_remove, methods=["DELETE"]),
    Route("/api/microphones", microphones),
    Route("/api/practice/start", practice_start, methods=["POST"]),
    Route("/api/practice/stop", practice_stop, methods=["POST"]),
    Route("/api/practice", practice_status),
    Route("/api/practice/leave", practice_leave, methods=["POST"]),
    Route("/api/practice/skip", practice_skip, methods=["POST"]),
    Route("/api/practice/events", practice_events),
]
