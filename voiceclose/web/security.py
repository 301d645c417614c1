"""Who may talk to the app: only a browser on this machine that holds the token printed at start.

The token comes once in the URL (``/?token=...``), is moved into a cookie (HttpOnly, SameSite=
Strict) and the URL is cleaned; every later request carries the cookie or ``Authorization: Bearer
TOKEN``. A Host header other than 127.0.0.1 or localhost is refused (a DNS-rebinding page would
send its own name), and so is a cross-site Origin. No CORS headers are ever sent.
"""

from __future__ import annotations

import hmac
import json
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode

TOKEN_BYTES = 24  # 192 random bits
COOKIE = "voiceclose_token"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
HEADERS = [  # sent with every response
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]
REFUSED_POLICY = b"default-src 'none'; style-src 'unsafe-inline'"  # the refusal page: no script
REFUSED_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · voiceclose</title>
<style>body {{ font: 17px/1.5 system-ui, sans-serif; max-width: 34em; margin: 3em auto;
padding: 0 16px; color: #1d2430; }} h1 {{ font-size: 1.5em; }}
code {{ background: #eef1f5; padding: 1px 4px; }}</style>
</head><body><h1>{title}</h1><p>{text}</p></body></html>
"""
REFUSED_TEXT = {  # what a person in a browser is told, by status: what happened and what to do
    401: (
        "Open the link voiceclose printed",
        "This page needs the link <code>voiceclose app</code> printed when it started "
        "(it ends in <code>?token=…</code>). Open that link; it keeps you signed in here.",
    ),
    403: (
        "This link is not the current one",
        "<code>voiceclose app</code> makes a new link each time it starts. Open the latest link "
        "it printed (it ends in <code>?token=…</code>).",
    ),
}
PAGE_POLICY = (  # the app's own pages: everything from this server, nothing from the network
    b"default-src 'self'; img-src 'self' data:; media-src 'self' data: blob:; "
    b"style-src 'self'; script-src 'self'; frame-src 'self'; connect-src 'self'"
)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def host_allowed(host: str | None) -> bool:
    if not host:
        return False
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host
    return name.lower() in LOCAL_HOSTS


def origin_allowed(origin: str | None, host: str) -> bool:
    """No Origin (a same-origin GET, or a client that is not a browser) or this very server."""
    if origin is None:
        return True
    return origin in (f"http://{host}",)


class Guard:
    """ASGI middleware: Host, Origin and token checks before anything else runs."""

    def __init__(self, app, token: str):
        self.app = app
        self.token = token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        page = "text/html" in headers.get("accept", "")  # a browser: a page, not JSON
        host = headers.get("host")
        if not host_allowed(host):
            await _refuse(send, 403, "this app only answers to 127.0.0.1 or localhost")
            return
        if not origin_allowed(headers.get("origin"), host):
            await _refuse(send, 403, "requests from other sites are refused")
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [None])[0]
        if given is not None and scope["method"] == "GET":
            if not hmac.compare_digest(given, self.token):
                await _refuse(send, 403, "wrong token: open the link voiceclose app printed", page)
                return
            await _welcome(scope, send, self.token, query)
            return
        presented = _presented(headers)
        if presented is None:
            await _refuse(send, 401, "no token: open the link voiceclose app printed", page)
            return
        if not hmac.compare_digest(presented, self.token):
            await _refuse(send, 403, "wrong token: open the link voiceclose app printed", page)
            return
        await self.app(scope, receive, _with_headers(send))


def _presented(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - a malformed cookie header is no token
        return None
    return cookie[COOKIE].value if COOKIE in cookie else None


async def _welcome(scope, send, token: str, query: dict) -> None:
    """The link with the token: keep it in a cookie and show the same page without it."""
    rest = {k: v for k, v in query.items() if k != "token"}
    location = scope["path"] + ("?" + urlencode(rest, doseq=True) if rest else "")
    cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode("latin-1")),
                (b"set-cookie", cookie.encode("latin-1")),
                (b"content-length", b"0"),
                *HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


async def _refuse(send, status: int, message: str, page: bool = False) -> None:
    """The refusal: JSON for API clients, a short page saying what to do for a browser."""
    if page:
        title, text = REFUSED_TEXT[status]
        body = REFUSED_PAGE.format(title=title, text=text).encode()
        kind = [(b"content-type", b"text/html; charset=utf-8")]
        kind.append((b"content-security-policy", REFUSED_POLICY))
    else:
        body = json.dumps({"ok": False, "error": message}).encode()
        kind = [(b"content-type", b"application/json")]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *kind,
                (b"content-length", str(len(body)).encode()),
                *HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _with_headers(send):
    async def sending(message):
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *HEADERS]}
        await send(message)

    return sending
