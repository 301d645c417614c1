"""The app's routes: its pages, and the JSON API the pages call (the same use cases as the CLI)."""

from __future__ import annotations

import dataclasses
import io
import os
import threading
from functools import cache
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Match, Route

from voiceclose.app import review as reviewing
from voiceclose.app import scenarios
from voiceclose.app.answering import guess_kind, run_answer
from voiceclose.app.checking import Checker, Item, Options
from voiceclose.app.outputs import Outputs, check_tag
from voiceclose.app.pages import render_page
from voiceclose.errors import AttemptNotFound, UsageError, VoicecloseError
from voiceclose.report import graphics
from voiceclose.report.page import CHART_ATTEMPTS
from voiceclose.results import CONCERN_KINDS, Concern, Failure
from voiceclose.results_json import as_json
from voiceclose.web import practise_routes, uploads
from voiceclose.web.security import PAGE_POLICY
from voiceclose.web.session import PracticeSession

STATIC = Path(__file__).parent / "static"
API = "/api"  # the JSON API's paths begin with this; the rest are pages and their files
PAGES = {
    "/": "practice.html",
    "/practice": "practice.html",
    "/check": "check.html",
    "/review": "review.html",
}
TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
AUDIO_TYPES = {
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".mp3": "audio/mpeg",
}


class State:
    """What the server keeps warm between requests."""

    def __init__(self, model: str, upload_dir: Path, max_upload_bytes: int):
        self.model = model
        self.upload_dir = upload_dir
        self.max_upload_bytes = max_upload_bytes
        self.check_lock = threading.Lock()  # one check at a time: they share the model and CPUs
        self.session: PracticeSession | None = None

    def warm_up(self) -> None:
        """Load the model and every rule now, and run each stage of transcribing once, so the
        first check is as quick as the rest."""
        with Checker(Options(model=self.model)) as checker:
            checker.warm_up()


def _error(
    status: int, message: str, source: str | None = None, headers: dict | None = None
) -> JSONResponse:
    body = {"ok": False, "error": message}
    if source is not None:
        body = {"source": source, **body}
    return JSONResponse(body, status_code=status, headers=headers)


async def http_error(request: Request, exc: HTTPException) -> Response:
    """What Starlette raises itself (no route for the path, or not for this method): on an API
    path, JSON shaped as the API's other errors; elsewhere its plain text, as before."""
    path = request.url.path
    if path != API and not path.startswith(API + "/"):
        return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)
    if exc.status_code == 405:
        allowed = _allowed(request)
        message = f"{request.method} is not allowed here (only {allowed})"
        return _error(405, message, headers={"Allow": allowed})
    if exc.status_code == 404:
        return _error(404, f"no such API route: {path}")
    return _error(exc.status_code, exc.detail, headers=exc.headers)


def _allowed(request: Request) -> str:
    """Every method some route takes at this path (Starlette's own Allow names one route's)."""
    methods: set[str] = set()
    for route in ROUTES:
        if route.matches(request.scope)[0] is not Match.NONE:
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


@cache
def _static(name: str) -> bytes:
    return (STATIC / name).read_bytes()


async def page(request: Request) -> Response:
    return HTMLResponse(
        _static(PAGES[request.url.path]),
        headers={"content-security-policy": PAGE_POLICY.decode()},
    )


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if "/" in name or name.startswith(".") or not (STATIC / name).is_file():
        return _error(404, "no such file")
    return Response(_static(name), media_type=TYPES.get(Path(name).suffix, "text/plain"))


# --- check files ---


async def check(request: Request) -> Response:
    state: State = request.app.state.voiceclose
    try:
        upload = await uploads.receive(request, state.upload_dir, state.max_upload_bytes)
    except uploads.UploadRefused as e:
        return _error(e.status, e.problem, e.source)
    kept = False  # an upload stays only as a stored attempt's recording: nothing else lists it
    try:
        scenario = None
        name = upload.fields.get("scenario") or None
        if name:
            try:
                scenario = scenarios.find(name)
            except VoicecloseError as e:
                return _error(400, str(e), upload.name)
        try:
            tag = check_tag(upload.fields.get("tag") or None)
            concern = _concern(upload.fields)
        except UsageError as e:
            return _error(400, str(e), upload.name)
        if concern is not None:  # an answer to the interviewer's concern, as check --concern
            result = await run_in_threadpool(_check_answer, state, upload, concern)
            return JSONResponse(as_json(result), status_code=200 if result.ok else 422)
        result, attempt_id = await run_in_threadpool(_check_file, state, upload, scenario, tag)
        kept = attempt_id is not None and result.kind == "audio"
        headers = {"x-attempt-id": str(attempt_id)} if attempt_id else {}
        return JSONResponse(as_json(result), status_code=200 if result.ok else 422, headers=headers)
    finally:
        if not kept:
            uploads.remove(upload)


def _check_file(state: State, upload: uploads.Upload, scenario, tag: str | None):
    options = Options(model=state.model, scenario=scenario)
    with state.check_lock:
        result = Checker(options).run(Item(upload.name, upload.path))
    if isinstance(result, Failure):
        return result, None
    # a recording's upload is kept as its recording (a transcript's is not one)
    audio = result.kind == "audio"
    stored = dataclasses.replace(result, recording=str(upload.path)) if audio else result
    outputs = Outputs(tag=tag)
    outputs.add(stored)
    outputs.finish()
    return result, outputs.last_attempt_id


def _concern(fields) -> Concern | None:
    """The concern an upload answers (fields ``concern`` and, optionally, ``concern_kind``);
    None for a close. UsageError for a kind that is not one."""
    text = (fields.get("concern") or "").strip()
    kind = fields.get("concern_kind") or None
    if not text:
        if kind:
            raise UsageError("concern_kind needs the interviewer's words in concern")
        return None
    if kind is not None and kind not in CONCERN_KINDS:
        raise UsageError(f"concern_kind {kind!r} is not one of: {', '.join(CONCERN_KINDS)}")
    return Concern(kind or guess_kind(text), text)


def _check_answer(state: State, upload: uploads.Upload, concern: Concern):
    """An answer checked on its own: not stored in the history (as check --concern)."""
    with state.check_lock, Checker(Options(model=state.model)) as checker:
        return run_answer(checker, Item(upload.name, upload.path), concern)


# --- review ---


async def history(request: Request) -> Response:
    state: State = request.app.state.voiceclose
    scenario = request.query_params.get("scenario") or None
    tag = request.query_params.get("tag") or None
    listing = await run_in_threadpool(reviewing.attempts, scenario, None, None, tag)
    found = listing.attempts if listing else []
    ids = [a.id for a in found]
    files = await run_in_threadpool(reviewing.files_of, ids) if ids else None
    own = {str(f) for f in files.kept} if files else set()
    rows = [
        {
            **dataclasses.asdict(a),
            "no_speech": a.no_speech,
            # a file given to check is the user's own: deleting the attempt keeps it
            "own_file": bool(a.recording) and os.path.abspath(a.recording) in own,
            # what voiceclose recorded for it (practice: the close, then the answer)
            "recordings_made": files.recordings.get(a.id, 0) if files else 0,
            # practice recorded it (named by its scenario), or it was checked from a file (named
            # by the file, even one given by its full path, as the recording is, or sent here)
            "practised": bool(a.recording)
            and files is not None
            and a.id not in files.checked
            and not reviewing.sent_to_app(Path(a.recording), state.upload_dir),
        }
        for a in found
    ]
    t = reviewing.trend(found) if found else None
    everything = await run_in_threadpool(_all)
    return JSONResponse(
        {
            "attempts": rows,
            "trend": dataclasses.asdict(t) if t else None,
            "chart": graphics.history_chart(found[-CHART_ATTEMPTS:], set()) if found else "",
            "chart_attempts": CHART_ATTEMPTS,
            "scenarios": sorted({a.scenario for a in everything if a.scenario}),
            "tags": sorted({a.tag for a in everything if a.tag}),
            "can_delete": True,
        }
    )


def _all():
    listing = reviewing.attempts()
    return listing.attempts if listing else []


async def report_page(request: Request) -> Response:
    attempt_id = request.path_params["attempt_id"]
    try:
        stored = await run_in_threadpool(reviewing.load, attempt_id)
    except AttemptNotFound as e:
        return HTMLResponse(f"<p>{graphics.escape(str(e))}</p>", status_code=404)
    a = stored.attempt
    text = await run_in_threadpool(
        render_page,
        [stored.report],
        [a.id],
        a.local_time,
        Path(a.recording) if a.recording else None,
        None,
        f"/api/attempts/{a.id}/recording",  # played from there: no encoding before the page
    )
    return HTMLResponse(text)


async def recording(request: Request) -> Response:
    """An attempt's recording as it was saved (for its report page's player)."""
    from starlette.responses import FileResponse

    try:
        stored = await run_in_threadpool(reviewing.load, request.path_params["attempt_id"])
        path = await run_in_threadpool(reviewing.recording, stored)
    except AttemptNotFound as e:
        return _error(404, str(e))
    except VoicecloseError as e:
        return _error(409, str(e))
    return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix.lower()))


async def moment(request: Request) -> Response:
    try:
        stored = await run_in_threadpool(reviewing.load, request.path_params["attempt_id"])
        found = await run_in_threadpool(reviewing.moment, stored, request.path_params["part"])
    except AttemptNotFound as e:
        return _error(404, str(e))
    except VoicecloseError as e:
        return _error(409, str(e))
    import soundfile as sf

    out = io.BytesIO()
    sf.write(out, found.samples, found.rate, format="WAV", subtype="PCM_16")
    return Response(out.getvalue(), media_type="audio/wav")


async def recheck(request: Request) -> Response:
    state: State = request.app.state.voiceclose
    try:
        stored = await run_in_threadpool(reviewing.load, request.path_params["attempt_id"])

        def work():
            with state.check_lock:
                return reviewing.recheck(stored)

        done = await run_in_threadpool(work)
    except AttemptNotFound as e:
        return _error(404, str(e))
    except VoicecloseError as e:
        return _error(409, str(e))
    return JSONResponse(
        {"attempt_id": done.attempt_id, "changes": done.changes, "after": as_json(done.after)}
    )


async def delete(request: Request) -> Response:
    """Remove an attempt from the history (``?recordings=1``: its recording and the report
    saved beside it too, as ``history delete --recordings`` does)."""
    state: State = request.app.state.voiceclose
    attempt_id = request.path_params["attempt_id"]
    with_files = request.query_params.get("recordings") in ("1", "true", "yes")

    def work():
        found = reviewing.files_of([attempt_id])
        files = found.deletable if with_files else []
        # the user's own file is never deleted, with the files or without
        removed = reviewing.delete_attempts([attempt_id], files, state.upload_dir)
        return (*removed, files, found.kept)

    try:
        removed, problems, files, kept = await run_in_threadpool(work)
    except AttemptNotFound as e:
        return _error(404, str(e))
    except VoicecloseError as e:
        return _error(409, str(e))
    return JSONResponse(
        {
            "ok": True,
            "deleted": attempt_id,
            "removed": removed,
            "files_deleted": len(files) - len(problems),
            "kept": [f.name for f in kept],  # the user's own files, never deleted
            "problems": problems,
        }
    )


async def features(request: Request) -> Response:
    import importlib.util

    return JSONResponse(
        {
            "followup": importlib.util.find_spec("voiceclose.app.followup") is not None,
            "can_delete": True,
            "can_create_scenario": True,
        }
    )


async def no_icon(request: Request) -> Response:
    return Response(status_code=204)


ROUTES = [
    Route("/favicon.ico", no_icon),
    *[Route(path, page) for path in PAGES],
    Route("/static/{name}", asset),
    Route("/report/{attempt_id:int}", report_page),
    Route("/api/check", check, methods=["POST"]),
    Route("/api/history", history),
    Route("/api/attempts/{attempt_id:int}/moment/{part}", moment),
    Route("/api/attempts/{attempt_id:int}/recording", recording),
    Route("/api/attempts/{attempt_id:int}/recheck", recheck, methods=["POST"]),
    Route("/api/attempts/{attempt_id:int}", delete, methods=["DELETE"]),
    *practise_routes.ROUTES,
    Route("/api/features", features),
]
EXCEPTION_HANDLERS = {HTTPException: http_error}
