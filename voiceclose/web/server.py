"""``voiceclose app``: build the Starlette app and serve it with uvicorn on 127.0.0.1 only."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path

from voiceclose.defaults import DEFAULT_MODEL
from voiceclose.paths import UPLOADS_FOLDER, data_dir
from voiceclose.web.uploads import MAX_UPLOAD_BYTES

HOST = "127.0.0.1"  # never another interface: the app is for the person at this machine


def create_app(
    token: str,
    model: str = DEFAULT_MODEL,
    upload_dir: Path | None = None,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
):
    """The ASGI app: routes behind the guard (Host, Origin, token). No CORS middleware."""
    from starlette.applications import Starlette

    from voiceclose.web.api import EXCEPTION_HANDLERS, ROUTES, State
    from voiceclose.web.security import Guard

    app = Starlette(routes=ROUTES, exception_handlers=EXCEPTION_HANDLERS)
    app.state.voiceclose = State(model, upload_dir or data_dir() / UPLOADS_FOLDER, max_upload_bytes)
    return Guard(app, token), app.state.voiceclose


def url(port: int, token: str) -> str:
    return f"http://{HOST}:{port}/?token={token}"


def serve(
    token: str,
    port: int | None = None,
    model: str = DEFAULT_MODEL,
    on_ready: Callable[[str], None] | None = None,
    warm: bool = True,
) -> None:
    """Serve until Ctrl-C (uvicorn's own handling stops it cleanly); ``on_ready`` gets the URL
    once the socket listens."""
    import uvicorn

    guarded, state = create_app(token, model)
    sock = listen(port or 0)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        guarded, log_level="warning", lifespan="off", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    warmer = threading.Thread(target=state.warm_up, daemon=True, name="warm-up")
    if warm:
        warmer.start()

    def announce() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if server.started and on_ready:
            on_ready(url(port, token))

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        session = state.session
        if session is not None and not session.done.is_set():
            session.skip()  # no follow-up round once the app is stopping
            session.stop()
            session.join(10)
        if warmer.is_alive():  # the model may be inside native code: let it finish
            warmer.join()


def listen(port: int) -> socket.socket:
    """A socket listening on 127.0.0.1 (``port`` 0: a free one); UsageError if it is taken."""
    from voiceclose.errors import UsageError

    # IPPROTO_TCP named: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets whose
    # protocol says TCP, and a socket made with protocol 0 does not. With Nagle on, every request
    # after the first on a kept-alive connection waited for the client's delayed ACK: 40 ms.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    # the port of an app just stopped is still in TIME_WAIT: --port N must work again at once
    # (on Linux this never lets two servers listen on one port)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise UsageError(f"cannot listen on {HOST}:{port} ({e.strerror or e})") from e
    sock.set_inheritable(True)
    return sock
