"""The app served for tests: uvicorn in a thread of this process, on a free port of 127.0.0.1,
so tests talk to it with a real HTTP client (and a real browser) as a person's browser would."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 20.0


@dataclass
class RunningApp:
    port: int
    token: str
    upload_dir: Path
    state: object

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def link(self) -> str:
        return f"{self.base}/?token={self.token}"

    def client(self, token: bool = True, **kwargs):
        import httpx

        headers = {"Authorization": f"Bearer {self.token}"} if token else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=120, **kwargs)


def start(upload_dir: Path, max_upload_bytes: int | None = None, warm: bool = False):
    """Serve the app; returns (RunningApp, stop)."""
    import uvicorn

    from voiceclose.web.security import new_token
    from voiceclose.web.server import create_app, listen

    token = new_token()
    kwargs = {"max_upload_bytes": max_upload_bytes} if max_upload_bytes else {}
    guarded, state = create_app(token, upload_dir=upload_dir, **kwargs)
    if warm:
        state.warm_up()
    sock = listen(0)
    server = uvicorn.Server(uvicorn.Config(guarded, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.02)

    def stop() -> None:
        session = state.session
        if session is not None and not session.done.is_set():
            session.skip()  # no follow-up round once the app is stopping
            session.stop()
            session.join(30)
        server.should_exit = True
        thread.join(10)
        sock.close()

    return RunningApp(sock.getsockname()[1], token, upload_dir, state), stop
