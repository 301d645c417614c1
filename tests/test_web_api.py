"""The app's API with a real HTTP client against the running server: check, security cases."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from . import webapp
from .conftest import SAMPLES
from .test_cli import COMPLETE, PARTIAL


@pytest.fixture
def app(tmp_path):
    running, stop = webapp.start(tmp_path / "uploads", max_upload_bytes=200_000)
    yield running
    stop()


def post_text(client, text: str, name: str = "close.txt", **fields):
    return client.post(
        "/api/check", files={"file": (name, text.encode(), "text/plain")}, data=fields
    )


def test_check_a_transcript_gives_the_json_check_gives(app, cli, tmp_path):
    typed = tmp_path / "close.txt"
    typed.write_text(COMPLETE)
    expected = cli("check", "--text", "--json", "--no-history", typed).json()[0]
    with app.client() as c:
        r = post_text(c, COMPLETE)
    assert r.status_code == 200
    got = r.json()
    assert got.pop("source") == "close.txt"
    expected.pop("source")
    assert got == expected
    assert list(got) == list(expected)  # the same keys in the same order


def test_check_with_a_scenario(app):
    with app.client() as c:
        r = post_text(c, PARTIAL, scenario="emergency-nurse")
        assert r.status_code == 200 and r.json()["prompt"] == "emergency-nurse"
        r = post_text(c, PARTIAL, scenario="no-such-scenario")
    assert r.status_code == 400
    assert "no practice scenario called 'no-such-scenario'" in r.json()["error"]


ANSWER_TEXT = (
    "That's a fair worry. I haven't run a budget on my own yet, so I've booked the finance for "
    "managers course for March and I'll shadow our finance lead each month until then. I'm "
    "confident I'd be the right person for this."
)
CONCERN_TEXT = "You haven't managed a budget before."


def test_check_an_answer_gives_the_json_check_concern_gives(app, cli, tmp_path):
    typed = tmp_path / "answer.txt"
    typed.write_text(ANSWER_TEXT)
    expected = cli("check", "--text", "--json", "--concern", CONCERN_TEXT, typed).json()[0]
    with app.client() as c:
        r = post_text(c, ANSWER_TEXT, name="answer.txt", concern=CONCERN_TEXT)
        history = c.get("/api/history").json()["attempts"]
        bad = post_text(c, ANSWER_TEXT, concern=CONCERN_TEXT, concern_kind="grudge")
        kind_alone = post_text(c, ANSWER_TEXT, concern_kind="gap")
    assert r.status_code == 200
    got = r.json()
    assert got["check"] == "answer" and got["concern"]["text"] == CONCERN_TEXT
    assert set(got["elements"]) == {"acknowledge", "address", "high_note"}
    assert got.pop("source") == "answer.txt"
    expected.pop("source")
    assert got == expected
    assert history == []  # answers checked on their own are not stored, as with the CLI
    assert bad.status_code == 400 and "'grudge' is not one of" in bad.json()["error"]
    assert (
        kind_alone.status_code == 400
        and "needs the interviewer's words" in kind_alone.json()["error"]
    )


def test_checked_files_are_in_the_history_and_have_a_report_page(app):
    with app.client() as c:
        r = post_text(c, PARTIAL)
        attempt = int(r.headers["x-attempt-id"])
        rows = c.get("/api/history").json()["attempts"]
        assert [a["id"] for a in rows] == [attempt]
        page = c.get(f"/report/{attempt}")
    assert page.status_code == 200 and "<h1>Interview close: close.txt</h1>" in page.text


def test_an_older_attempts_report_outlines_it_among_the_attempts_before_it(app):
    """The report of attempt 3 said "(outlined: this page)" over a chart of attempts 20-39: an
    attempt older than the latest shown is outlined among the attempts up to it."""
    with app.client() as c:
        ids = [
            c.post("/api/check", files={"file": (f"c{n}.txt", COMPLETE.encode())}).headers[
                "x-attempt-id"
            ]
            for n in range(23)
        ]
        old = c.get(f"/report/{ids[2]}").text
        recent = c.get(f"/report/{ids[5]}").text
    assert f'class="attempt current" data-attempt="{ids[2]}"' in old
    assert f'data-attempt="{ids[3]}"' not in old  # the attempts up to it
    # one among the 20 latest: those, with it outlined
    assert f'class="attempt current" data-attempt="{ids[5]}"' in recent
    assert f'data-attempt="{ids[-1]}"' in recent and f'data-attempt="{ids[2]}"' not in recent


def test_a_tag_labels_the_attempt_and_filters_the_history(app):
    with app.client() as c:
        tagged = int(post_text(c, COMPLETE, tag="  Anna   B ").headers["x-attempt-id"])
        post_text(c, PARTIAL)
        listing = c.get("/api/history", params={"tag": "Anna B"}).json()
        assert [a["id"] for a in listing["attempts"]] == [tagged]
        assert listing["attempts"][0]["tag"] == "Anna B"
        assert listing["tags"] == ["Anna B"]
        assert len(c.get("/api/history").json()["attempts"]) == 2
        r = post_text(c, COMPLETE, tag="x" * 65)
    assert r.status_code == 400 and "a tag is up to 64 printable characters" in r.json()["error"]


def test_delete_an_attempt(app):
    with app.client() as c:
        kept = int(post_text(c, PARTIAL).headers["x-attempt-id"])
        gone = int(post_text(c, COMPLETE).headers["x-attempt-id"])
        r = c.delete(f"/api/attempts/{gone}", params={"recordings": "1"})
        assert r.status_code == 200 and r.json()["removed"] == 1
        assert [a["id"] for a in c.get("/api/history").json()["attempts"]] == [kept]
        assert c.get(f"/report/{gone}").status_code == 404
        again = c.delete(f"/api/attempts/{gone}")
    assert again.status_code == 404 and f"no attempt {gone}" in again.json()["error"]


def test_deleting_an_attempt_keeps_the_user_s_own_file_and_says_so(app, tmp_path):
    """An attempt made by ``voiceclose check`` of the user's own file: the review offers no
    "Delete with its recording" (the file is theirs) and the answer names what was kept (the
    page said "deleted with its recording" while the file stayed)."""
    from voiceclose.store.history import open_for_writing

    own = tmp_path / "mine.wav"
    own.write_bytes(b"RIFF")
    with app.client() as c:
        attempt = int(post_text(c, PARTIAL).headers["x-attempt-id"])
        with open_for_writing() as history:  # as `voiceclose check mine.wav` stores it
            history._conn.execute(
                "UPDATE attempts SET recording = ?, kind = 'audio' WHERE id = ?",
                (str(own), attempt),
            )
        row = c.get("/api/history").json()["attempts"][0]
        assert row["recording"] == str(own) and row["own_file"] is True
        r = c.delete(f"/api/attempts/{attempt}", params={"recordings": "1"})
        other = int(post_text(c, PARTIAL).headers["x-attempt-id"])
        with open_for_writing() as history:
            history._conn.execute(
                "UPDATE attempts SET recording = ?, kind = 'audio' WHERE id = ?", (str(own), other)
            )
        plain = c.delete(f"/api/attempts/{other}")  # without its files: the page says so too
    assert r.status_code == 200 and r.json()["kept"] == ["mine.wav"], r.json()
    assert r.json()["files_deleted"] == 0 and own.exists()
    assert plain.status_code == 200 and plain.json()["kept"] == ["mine.wav"], plain.json()


@pytest.mark.parametrize(
    "name, content, error",
    [
        ("empty.txt", b"  \n", "the transcript is empty"),
        # the hints must make sense in the browser, which has no --text: they name the file's name
        (
            "binary.txt",
            b"\x00\x01\x02",
            "not a text file, or UTF-16 without a byte-order mark (its name ends in .txt, so it "
            "was read as one; save text as UTF-8)",
        ),
        pytest.param(
            "voice.txt",
            (SAMPLES / "silence_10s.flac").read_bytes(),
            "this is audio, not a transcript (its name ends in .txt, so it was read as one; "
            "rename it to its audio type, such as .wav, to check it)",
        ),
        # a transcript saved under an audio name
        pytest.param(
            "close.wav",
            b"I would love this job. Thank you for your time.\n",
            "this is a text file, not audio (a transcript is checked as one when its name "
            "ends in .txt)",
            marks=pytest.mark.slow,
        ),
        # an audio input starts the Whisper model loading in the background, as the CLI does
        pytest.param("noise.wav", b"RIFF not really a wave", None, marks=pytest.mark.slow),
    ],
)
def test_bad_files_get_the_clis_one_line_error(app, cli, tmp_path, name, content, error):
    path = tmp_path / name
    path.write_bytes(content)
    expected = cli("check", "--json", "--no-history", path).json()[0]  # by its name, as the app
    with app.client() as c:
        r = c.post("/api/check", files={"file": (name, content)})
    assert r.status_code == 422
    got = r.json()
    assert got == {"source": name, "ok": False, "error": expected["error"]}
    if error:
        assert got["error"] == error
    assert "\n" not in got["error"]


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_browser_without_the_token_gets_a_page_saying_what_to_do(app):
    with app.client(token=False) as c:
        for path, code in (("/", 401), ("/review", 401), ("/?token=old", 403)):
            r = c.get(path, headers=BROWSER)
            assert r.status_code == code, path
            assert r.headers["content-type"].startswith("text/html"), path
            assert "voiceclose app</code>" in r.text and "?token=" in r.text, r.text
            assert (
                "<script" not in r.text
                and "default-src 'none'" in r.headers["content-security-policy"]
            )
        wrong = c.get("/", headers={**BROWSER, "Cookie": "voiceclose_token=old"})
        assert wrong.status_code == 403 and "latest link" in wrong.text
        # an API client (no text/html in Accept) keeps the JSON answer
        api = c.get("/api/history", headers={"Accept": "application/json"})
        assert api.status_code == 401 and api.json()["error"].startswith("no token")


def test_no_token_wrong_token_and_foreign_host_are_refused(app):
    with app.client(token=False) as c:
        assert c.get("/api/history").status_code == 401
        assert post_text(c, COMPLETE).status_code == 401
        assert c.get("/").status_code == 401
        assert c.get("/static/app.css").status_code == 401
        wrong = c.get("/api/history", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 403
    with app.client(token=False, cookies={"voiceclose_token": "nope"}) as c:
        assert c.get("/api/history").status_code == 403
    with app.client(token=False) as c:
        assert c.get("/?token=nope").status_code == 403
    with app.client() as c:
        for host in ("evil.example", f"evil.example:{app.port}", "127.0.0.1.evil.example"):
            r = c.get("/api/history", headers={"Host": host})
            assert r.status_code == 403, host
            assert "127.0.0.1 or localhost" in r.json()["error"]
        assert c.get("/api/history", headers={"Host": f"localhost:{app.port}"}).status_code == 200
        cross = c.post(
            "/api/check", headers={"Origin": "http://evil.example"}, files={"file": ("a.txt", b"x")}
        )
        assert cross.status_code == 403
        r = c.get("/api/history", headers={"Origin": "http://evil.example"})
        assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
        r = c.options(
            "/api/check",
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in r.headers


def test_the_link_sets_a_cookie_and_cleans_the_url(app):
    with app.client(token=False, follow_redirects=False) as c:
        r = c.get(f"/?token={app.token}")
        assert r.status_code == 303 and r.headers["location"] == "/"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert c.get("/").status_code == 200  # the cookie now carries the token
        assert c.get("/api/history").status_code == 200


def test_an_oversized_upload_is_refused_and_leaves_nothing(app):
    big = b"a" * 300_000
    with app.client() as c:
        r = c.post("/api/check", files={"file": ("big.txt", big)})
        assert r.status_code == 413 and "over the limit" in r.json()["error"]

        def chunks():  # no Content-Length: the limit holds while reading
            yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n'
            for _ in range(30):
                yield b"a" * 20_000
            yield b"\r\n--b--\r\n"

        r = c.post(
            "/api/check",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        assert r.status_code == 413
    assert not any(p.is_file() for p in app.upload_dir.rglob("*"))


@pytest.mark.parametrize(
    "name",
    ["../escape.txt", "../../escape.txt", "/tmp/escape.txt", "..\\escape.txt", "..", ".hidden"],
)
def test_a_file_name_that_tries_to_leave_the_upload_folder(app, tmp_path, name):
    with app.client() as c:
        r = c.post("/api/check", files={"file": (name, COMPLETE.encode())})
    assert r.status_code == 400 and "plain name" in r.json()["error"]
    assert not list(tmp_path.rglob("escape.txt"))
    assert not any(p.is_file() for p in app.upload_dir.rglob("*"))


def test_no_file_and_not_multipart(app):
    with app.client() as c:
        r = c.post("/api/check", data={"scenario": "x"}, files={"other": ("a.txt", b"x")})
        assert r.status_code == 400 and "field called 'file'" in r.json()["error"]
        r = c.post("/api/check", json={"file": "x"})
        assert r.status_code == 400


def test_api_errors_from_routing_are_json_like_the_apis_own(app):
    """A wrong method on an API route is a JSON 405 naming the methods there are (Allow too),
    an unknown API path a JSON 404, both shaped as the API's other errors; pages keep the plain
    answers; the token and Host checks still come first."""
    with app.client() as c:
        r = c.get("/api/check")
        assert r.status_code == 405 and r.headers["allow"] == "POST"
        assert r.headers["content-type"] == "application/json"
        assert r.json() == {"ok": False, "error": "GET is not allowed here (only POST)"}
        r = c.put("/api/scenarios")  # two routes on one path: both their methods
        assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, POST"
        assert r.json()["error"] == "PUT is not allowed here (only GET, HEAD, POST)"
        for path in ("/api/no-such-thing", "/api", "/api/attempts/1/nothing"):
            r = c.get(path)
            assert r.status_code == 404, path
            assert r.json() == {"ok": False, "error": f"no such API route: {path}"}, path
        assert c.post("/review").status_code == 405 and c.post("/review").text.strip()
        assert not c.post("/review").headers["content-type"].startswith("application/json")
        assert c.get("/no-such-page").status_code == 404
        r = c.get("/api/check", headers={"Host": "evil.example"})
        assert r.status_code == 403 and "127.0.0.1 or localhost" in r.json()["error"]
    with app.client(token=False) as c:
        assert c.get("/api/check").status_code == 401
        assert c.get("/api/no-such-thing").status_code == 401


def test_check_a_recording_gives_the_json_check_gives(model, tmp_path):
    from pathlib import Path

    sample = Path("samples/complete_close_slt.flac")
    running, stop = webapp.start(tmp_path / "uploads", warm=True)
    try:
        with running.client() as c:
            r = c.post("/api/check", files={"file": (sample.name, sample.read_bytes())})
    finally:
        stop()
    out = subprocess.run(
        [sys.executable, "-m", "voiceclose", "check", "--json", "--no-history", str(sample)],
        capture_output=True,
        text=True,
        check=False,
    )
    expected = json.loads(out.stdout)
    got = r.json()
    assert got.pop("source") == sample.name
    expected.pop("source")
    assert got == expected


@pytest.mark.slow  # loads the model in a process of its own
def test_voiceclose_app_prints_the_link_and_stops_on_ctrl_c(tmp_path):
    import os
    import signal
    import time

    import httpx

    proc = subprocess.Popen(
        [sys.executable, "-m", "voiceclose", "app", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("voiceclose app: http://127.0.0.1:"), line
        link = line.split(": ", 1)[1].strip()
        base, token = link.split("/?token=")
        assert len(token) >= 32
        r = httpx.get(f"{base}/api/features", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
        assert httpx.get(f"{base}/api/features").status_code == 401
    finally:
        time.sleep(0.2)
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stopped" in err


def test_the_servers_connections_send_at_once_without_nagles_delay():
    """Each response goes out as it is written: with Nagle's algorithm on (asyncio turns it off
    only for sockets that say they are TCP), every request after the first on a kept-alive
    connection waited 40 ms for the client's delayed ACK."""
    import asyncio
    import socket
    import threading

    from voiceclose.web.server import listen

    async def accepted_nodelay() -> int:
        seen = asyncio.get_running_loop().create_future()

        class Protocol(asyncio.Protocol):
            def connection_made(self, transport):
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        sock = listen(0)
        server = await asyncio.get_running_loop().create_server(Protocol, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname())
            try:
                return await asyncio.wait_for(seen, 10)
            finally:
                writer.close()

    # a thread of its own: Playwright's sync API, used by other tests of the run, leaves an
    # event loop running in this one
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(asyncio.run(accepted_nodelay())))
    thread.start()
    thread.join(30)
    assert seen and seen[0] != 0, seen


def test_help_does_not_import_the_web_stack():
    code = (
        "import sys; from voiceclose.cli import main\n"
        "try: main(['--help'])\nexcept SystemExit: pass\n"
        "print(sorted(m for m in ('starlette', 'uvicorn', 'python_multipart') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("[]")


def test_create_a_scenario_of_your_own_as_scenario_new_does(app, cli):
    new = {
        "name": "analyst-northwind",
        "role": "Data analyst",
        "organisation": "Northwind",
        "interviewer": "Priya",
        "pronoun": "she",
        "needs": ["cleaning messy sales data", " "],
        "concerns": ["skills_gap: You have not used Power BI before."],
    }
    with app.client() as c:
        r = c.post("/api/scenarios", json=new)
        assert r.status_code == 200, r.text
        made = r.json()["scenario"]
        assert made["name"] == "analyst-northwind" and made["own"] is True
        assert made["needs"] == ["cleaning messy sales data"]
        assert made["concerns"] == [
            {"kind": "skills_gap", "text": "You have not used Power BI before."}
        ]
        listed = {s["name"]: s for s in c.get("/api/scenarios").json()["scenarios"]}
        assert listed["analyst-northwind"]["own"] is True
        # the same store as the CLI's: voiceclose prompts lists it
        assert "analyst-northwind" in cli("prompts").out
        again = c.post("/api/scenarios", json=new)
        assert again.status_code == 400 and "already have a scenario" in again.json()["error"]
        for change, error in (
            ({"name": "emergency-nurse"}, "a bundled scenario's name"),
            ({"name": "a/b"}, "letters, digits, - and _ only"),
            ({"needs": []}, "a new scenario needs what the role needs most"),
            ({"needs": [" "]}, "a new scenario needs what the role needs most"),
            ({"role": " "}, "a new scenario needs the role you applied for"),
            ({"pronoun": "it"}, "the pronoun must be one of"),
            ({"needs": "one"}, "lists of text"),
        ):
            r = c.post("/api/scenarios", json={**new, "name": "other", **change})
            assert r.status_code == 400 and error in r.json()["error"], (change, r.text)
        assert c.post("/api/scenarios", content=b"[1]").status_code == 400
        # an empty form is told everything it lacks, in the form's words, as scenario new does
        r = c.post("/api/scenarios", json={"name": "", "pronoun": "they", "needs": []})
        assert r.status_code == 400
        assert r.json()["error"] == (
            "a new scenario needs the role you applied for, the organisation, the interviewer's "
            "name and what the role needs most (in the interviewer's words)"
        )
        r = c.post("/api/scenarios", json={**new, "name": ""})
        assert r.json()["error"].startswith("a new scenario needs a short name")
        # a concern typed in a hurry is said and shown as the interviewer's sentence
        hurried = {**new, "name": "hurried", "concerns": ["you have never led a team", "Why now?"]}
        made = c.post("/api/scenarios", json=hurried).json()["scenario"]
        assert [x["text"] for x in made["concerns"]] == ["You have never led a team.", "Why now?"]
        r = c.post("/api/practice/start", json={"scenario": "nope"})
        assert r.status_code == 400
        # removed as scenario remove removes it; a bundled or unknown one is refused
        assert c.delete("/api/scenarios/hurried").json() == {"ok": True, "removed": "hurried"}
        assert "hurried" not in cli("prompts").out
        for name, error in (("emergency-nurse", "only your own"), ("hurried", "no scenario")):
            r = c.delete(f"/api/scenarios/{name}")
            assert r.status_code == 400 and error in r.json()["error"], r.text


def practice_events(client) -> list[dict]:
    """The practice's events so far, as a page that opens now receives them (all, from the
    first), until ``end``."""
    seen = []
    with client.stream("GET", "/api/practice/events") as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                seen.append(json.loads(line[6:]))
                if seen[-1]["type"] == "end":
                    break
    return seen


def follow_until(client, wanted: str) -> None:
    """Follow the practice's events (as its page does) until ``wanted``, then go away."""
    with client.stream("GET", "/api/practice/events") as stream:
        for line in stream.iter_lines():
            if line.startswith("data: ") and json.loads(line[6:])["type"] == wanted:
                return


@pytest.mark.slow  # the app in a process of its own, recording from PulseAudio
def test_a_practice_its_page_left_stops_and_keeps_what_was_recorded(mic, user_home):
    import time

    import httpx

    from voiceclose.app.practise import STOPPED
    from voiceclose.web.session import PAGE_GONE_S

    from .conftest import SAMPLES
    from .test_web_pages import RunningApp

    running = RunningApp({**mic.env, "VOICECLOSE_HOME": str(user_home)})
    base, token = running.link.split("/?token=")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as c:
            assert c.get("/api/practice").json() == {"under_way": False}
            start = {"scenario": "emergency-nurse"}
            # 1. the page says it is going away (its pagehide beacon): stopped at once, kept
            assert c.post("/api/practice/start", json=start).status_code == 200
            follow_until(c, "started")
            speaking = mic.play(SAMPLES / "complete_close_slt.flac")
            time.sleep(4)
            assert c.get("/api/practice").json() == {
                "under_way": True,
                "scenario": "emergency-nurse",
                "followup": True,
            }
            busy = c.post("/api/practice/start", json=start)
            assert busy.status_code == 409 and busy.json()["under_way"] is True
            assert c.post("/api/practice/leave").status_code == 200
            left = practice_events(c)
            speaking.wait(timeout=60)
            # 2. the page is simply gone (no beacon: a crash, the lid shut): its stream closed
            assert c.post("/api/practice/start", json=start).status_code == 200
            follow_until(c, "started")
            speaking = mic.play(SAMPLES / "complete_close_slt.flac")
            gone_at = time.monotonic()
            gone = practice_events_when_done(c)
            waited = time.monotonic() - gone_at
            speaking.wait(timeout=60)
            attempts = c.get("/api/history").json()["attempts"]
    finally:
        running.stop()
    for events in (left, gone):
        kinds = [e["type"] for e in events]
        stopped = next(e for e in events if e["type"] == "stopped")
        assert stopped["how"] == STOPPED["page"], stopped
        report = next(e for e in events if e["type"] == "report")
        assert report["followup"] is False  # nobody there to answer the interviewer
        assert "concern" not in kinds and kinds[-1] == "end", kinds
    assert 2 < next(e for e in left if e["type"] == "stopped")["seconds"] < 10
    assert PAGE_GONE_S - 1 < next(e for e in gone if e["type"] == "stopped")["seconds"] < 20
    assert waited < 25  # not the 3-minute limit
    assert len(attempts) == 2, attempts


def practice_events_when_done(client, limit_s: float = 60) -> list[dict]:
    """Wait (no page following) until the practice is over, then read all its events."""
    import time

    deadline = time.monotonic() + limit_s
    while client.get("/api/practice").json()["under_way"] and time.monotonic() < deadline:
        time.sleep(0.25)
    return practice_events(client)


@pytest.mark.slow  # an audio file checked (the model)
def test_uploads_are_private_and_none_stays_that_nothing_lists(app):
    """A file sent to check is the user's voice: its folder and copy are theirs alone (0700,
    0600); one that could not be checked, or a transcript (stored as words), leaves nothing."""
    import io
    import stat

    import numpy as np
    import soundfile as sf

    quiet, rate = sf.read(SAMPLES / "silence_10s.flac", dtype="float32")
    own = io.BytesIO()  # not the bundled sample (never stored): a recording of the user's
    sf.write(own, np.concatenate([np.zeros(7, np.float32), quiet]), rate, format="FLAC")
    with app.client() as c:
        r = c.post("/api/check", files={"file": ("broken.wav", b"RIFF not really a wave")})
        assert r.status_code == 422
        assert post_text(c, COMPLETE).status_code == 200
        assert not any(p.is_file() for p in app.upload_dir.rglob("*"))
        r = c.post("/api/check", files={"file": ("mine.flac", own.getvalue())})
        assert r.status_code == 200 and r.headers.get("x-attempt-id"), r.json()
        [kept] = [p for p in app.upload_dir.rglob("*") if p.is_file()]
        assert kept.name == "mine.flac"
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
        # deleted with its recording: the upload's folder goes with it
        r = c.delete(f"/api/attempts/{r.headers['x-attempt-id']}?recordings=1")
        assert r.status_code == 200 and r.json()["files_deleted"] >= 1, r.json()
    assert list(app.upload_dir.iterdir()) == []


def test_the_page_s_no_sound_warning_points_to_its_own_microphone_list():
    """The terminal's warning sends you to `voiceclose devices`; the page has its own list."""
    from voiceclose.audio.levels import DEVICES_HINT, NO_SOUND
    from voiceclose.web.session import _for_the_page

    assert (
        _for_the_page(NO_SOUND + DEVICES_HINT) == NO_SOUND + " Choose it under Microphone, above."
    )
    assert _for_the_page("very quiet: speak up") == "very quiet: speak up"
    assert _for_the_page(None) is None


def test_skip_while_answering_stops_the_answer_to_keep_it_and_says_so():
    """Skip (or Try again) while the answer records stops it as Skip, to be checked and kept if
    anything was said (it threw the answer away); before the answer began it skips the round.
    A unit test of the session's logic: the round is a stand-in that notes how it was stopped."""
    from voiceclose.app.practise import STOPPED
    from voiceclose.app.scenarios import find
    from voiceclose.web.session import PracticeSession

    class Round:
        def __init__(self):
            self.stopped, self.hushed = [], False

        def stop(self, reason):
            self.stopped.append(reason)

        def hush(self):
            self.hushed = True

    session = PracticeSession(find("head-chef"), None)
    session._round = answering = Round()
    session._answer_started("answer.wav", type("Device", (), {"name": "mic"}), 16000)
    session.skip()
    assert answering.stopped == ["skip"] and not answering.hushed
    assert not session._skip.is_set() and session._skip_answer  # kept, if anything was said
    assert STOPPED["skip"] == "stopped with Skip or Try again in the app"
    session = PracticeSession(find("head-chef"), None)
    session._round = speaking = Round()
    session.skip()  # the interviewer still speaking: the round is skipped
    assert speaking.hushed and session._skip.is_set()
