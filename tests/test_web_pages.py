"""The app's pages in headless Chromium (Playwright): check files, review, and the whole practice
flow against the PulseAudio microphone, with the app running as `voiceclose app` does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from . import webapp
from .conftest import ROOT, SAMPLES
from .test_cli import COMPLETE
from .test_followup import ANSWER, CONCERN
from .test_followup_store import stored_as_practised

pytestmark = pytest.mark.slow


@pytest.fixture
def app(tmp_path):
    running, stop = webapp.start(tmp_path / "uploads", warm=False)
    yield running
    stop()


def test_opening_the_link_keeps_the_token_and_cleans_the_url(app, browser):
    browser.goto(app.link)
    assert browser.url == f"{app.base}/"
    assert browser.locator("h1").inner_text() == "Practise your close"
    browser.wait_for_selector("#scenario option", state="attached")
    cookies = browser.context.cookies()
    assert [c["httpOnly"] for c in cookies if c["name"] == "voiceclose_token"] == [True]
    assert not browser.errors


def test_check_files_several_at_once_and_open_a_report(app, browser, tmp_path):
    typed = tmp_path / "close.txt"
    typed.write_text(COMPLETE)
    empty = tmp_path / "empty.txt"
    empty.write_text(" ")
    browser.goto(app.link)
    browser.click("nav >> text=Check files")
    browser.wait_for_selector("#scenario option", state="attached")
    browser.set_input_files("#files", [str(typed), str(empty)])
    rows = browser.locator("#results tbody tr")
    browser.wait_for_function(
        "() => { const t = document.querySelector('#results tbody').innerText;"
        " return t && !t.includes('checking') && !t.includes('waiting'); }"
    )
    assert rows.count() == 2
    assert "empty.txt" in rows.nth(1).inner_text()
    assert "the transcript is empty" in rows.nth(1).inner_text()
    assert rows.nth(0).locator("td.yes").count() == 4
    rows.nth(0).locator("button", has_text="Open report").click()
    frame = browser.frame_locator("#report")
    assert frame.locator("h1").inner_text() == "Interview close: close.txt"
    # lengths round as the CLI's do (10.98 s is 0:11, as `check` says); the live timer counts
    assert browser.evaluate("() => [clock(10.98), clock(3.85), clock(10.98, true)]") == [
        "0:11",
        "0:04",
        "0:10",
    ]
    assert not browser.errors


def test_check_files_as_answers_to_a_concern(app, browser, tmp_path):
    answer = tmp_path / "answer.txt"
    answer.write_text(ANSWER)
    browser.goto(app.link.replace("/?", "/check?"))
    browser.wait_for_selector("#scenario option", state="attached")
    browser.fill("#concern", CONCERN)
    browser.set_input_files("#files", [str(answer)])
    row = browser.locator("#answers tbody tr").first
    browser.wait_for_function(
        "() => { const t = document.querySelector('#answers tbody').innerText;"
        " return t && !t.includes('checking') && !t.includes('waiting'); }"
    )
    assert browser.locator("#results-panel").is_hidden()  # not a close: not in that table
    assert "answer.txt" in row.inner_text() and row.locator("td.yes").count() >= 1
    row.get_by_role("button", name="Feedback on answer.txt").click()
    shown = browser.locator("#answers tr.feedback").first.inner_text()
    assert CONCERN[:20] in shown and ("✓" in shown or "✗" in shown)
    # a silent answer says so, not three crosses and "did not end positively"
    browser.set_input_files("#files", [str(SAMPLES / "silence_10s.flac")])
    row = browser.locator("#answers tbody tr:not(.feedback)").nth(1)
    browser.wait_for_function(
        "() => { const t = document.querySelector('#answers tbody').innerText;"
        " return !t.includes('checking') && !t.includes('waiting'); }"
    )
    assert "no speech heard" in row.inner_text() and row.locator("td.no").count() == 0
    row.get_by_role("button", name="Feedback on silence_10s.flac").click()
    shown = browser.locator("#answers tr.feedback").nth(1).inner_text()
    assert "No speech heard, so the answer could not be checked." in shown
    assert "positively" not in shown
    assert not browser.errors


def test_the_chosen_scenario_is_kept_over_a_reload(app, browser, tmp_path):
    """A stranger's choice (and their scenario just saved and chosen) reset to the first on
    every reload."""
    browser.goto(app.link.replace("/?", "/practice?"))
    browser.wait_for_selector("#scenario option", state="attached")
    browser.select_option("#scenario", "head-chef")
    browser.reload()
    browser.wait_for_selector("#scenario-card h2")
    assert browser.locator("#scenario").input_value() == "head-chef"
    assert "head chef" in browser.locator("#scenario-card h2").inner_text()
    card = browser.locator("#scenario-card").inner_text()
    assert "null" not in card, card  # a bundled one's card ended in the word "null"
    # the link opened again (a new start, a new link): the scenario practised last
    from voiceclose.app.checking import Checker, Item, Options
    from voiceclose.app.scenarios import find
    from voiceclose.store.history import open_for_writing

    typed = tmp_path / "typed.txt"
    typed.write_text("I really want this job. Thanks for your time.")
    with Checker(Options(text=True, scenario=find("support-worker"))) as checker:
        report = checker.run(Item(str(typed), typed))
    with open_for_writing() as history:
        history.add(report)
    browser.goto(app.link)
    browser.wait_for_selector("#scenario-card h2")
    assert browser.locator("#scenario").input_value() == "support-worker"
    browser.goto(browser.url.split("?")[0] + "?scenario=no-such-one")  # gone: the first shown
    browser.wait_for_selector("#scenario-card h2")
    first = browser.locator("#scenario option").first.get_attribute("value")
    assert browser.locator("#scenario").input_value() == first
    assert not browser.errors


def test_your_own_scenario_can_be_removed_in_the_page(app, browser):
    """Removing one's own scenario was only possible at a terminal (a stranger looked for it)."""
    new = {"name": "mine", "role": "barista", "organisation": "Bean Co", "interviewer": "Tom",
           "pronoun": "he", "needs": ["latte art"], "concerns": []}  # fmt: skip
    with app.client() as c:
        assert c.post("/api/scenarios", json=new).status_code == 200
    browser.goto(app.link.replace("/?", "/practice?scenario=head-chef&"))
    browser.wait_for_selector("#scenario-card h2")
    assert browser.locator("#remove-scenario").count() == 0  # a bundled one stays
    browser.select_option("#scenario", "mine")
    browser.click("#remove-scenario")
    assert "Its attempts stay in your history" in browser.locator("#remove-row").inner_text()
    browser.keyboard.press("Escape")  # keep it
    assert browser.evaluate("() => document.activeElement.id") == "remove-scenario"
    browser.click("#remove-scenario")
    browser.click("#remove-yes")
    browser.wait_for_function(
        "() => document.getElementById('status').textContent.includes('Removed your scenario')"
    )
    assert "mine" not in browser.locator("#scenario option").evaluate_all(
        "os => os.map(o => o.value)"
    )
    with app.client() as c:  # gone from the store, not only from the page
        assert "mine" not in [x["name"] for x in c.get("/api/scenarios").json()["scenarios"]]
    assert not browser.errors


def test_review_lists_the_history_filters_and_opens_a_report(app, browser):
    with app.client() as c:
        for text, scenario in ((COMPLETE, "emergency-nurse"), ("Thanks for your time.", "")):
            c.post(
                "/api/check",
                files={"file": ("close.txt", text.encode())},
                data={"scenario": scenario} if scenario else {},
            )
    browser.goto(app.link.replace("/?", "/review?"))
    browser.wait_for_selector("#attempts tbody tr")
    assert browser.locator("#attempts tbody tr").count() == 2
    assert browser.locator("#chart svg.chart").count() == 1
    assert "2 attempts, 1 complete" in browser.locator("#trend").inner_text()
    # the filter names the scenario as Practise and Check files do, not by its file name
    nurse = browser.locator('#scenario option[value="emergency-nurse"]').inner_text()
    assert nurse == "senior staff nurse, Riverside General's emergency department", nurse
    browser.select_option("#scenario", "emergency-nurse")
    browser.wait_for_function("() => document.querySelectorAll('#attempts tbody tr').length === 1")
    # the filter is kept over a reload (a stranger found them all reset)
    browser.reload()
    browser.wait_for_selector("#attempts tbody tr")
    assert browser.locator("#scenario").input_value() == "emergency-nurse"
    assert browser.locator("#attempts tbody tr").count() == 1
    browser.locator("#attempts tbody tr button", has_text="Open").click()
    assert "All four parts" in browser.frame_locator("#report").locator("body").inner_text()
    # as tall as the report: the page scrolls once, not a frame inside it (a stranger's phone)
    fitted = """() => { const f = document.getElementById('report');
        return Math.abs(f.getBoundingClientRect().height - f.contentDocument.documentElement.scrollHeight) < 5
          && f.getBoundingClientRect().height > 1000; }"""
    browser.wait_for_function(fitted)
    assert not browser.errors


def test_review_filters_that_match_nothing_say_so_and_escape_cancels_a_delete(app, browser):
    """Filters that together match nothing said "No attempts yet" (a stranger thought the
    history was gone); the delete question had no way out by Escape."""
    with app.client() as c:
        c.post(
            "/api/check",
            files={"file": ("mine.txt", COMPLETE.encode())},
            data={"scenario": "emergency-nurse", "tag": "anna"},
        )
        c.post("/api/check", files={"file": ("other.txt", COMPLETE.encode())}, data={"tag": "ben"})
    browser.goto(app.link.replace("/?", "/review?"))
    browser.wait_for_selector("#attempts tbody tr >> nth=1")
    mine = browser.locator("#attempts tbody tr").nth(1)
    assert "mine.txt" in mine.inner_text() and "for senior staff nurse" in mine.inner_text()
    assert mine.get_by_role("button", name="Open the report of attempt 1").count() == 1
    mine.locator("button.delete").click()
    assert browser.locator("tr.confirm-row").count() == 1
    browser.keyboard.press("Escape")
    assert browser.locator("tr.confirm-row").count() == 0
    assert browser.evaluate("() => document.activeElement.classList.contains('delete')")
    browser.select_option("#scenario", "emergency-nurse")
    browser.wait_for_function("() => document.querySelectorAll('#attempts tbody tr').length === 1")
    browser.select_option("#tag", "ben")
    browser.wait_for_function("() => !document.getElementById('empty').hidden")
    said = browser.locator("#empty").inner_text()
    assert said.startswith("No attempts match these filters"), said
    assert browser.locator("#attempts").is_hidden()
    assert not browser.errors


def test_review_by_tag_play_a_moment_recheck_and_delete_with_the_keyboard(app, browser, model):
    sample = SAMPLES / "complete_close_slt.flac"
    with app.client() as c:
        r = c.post(
            "/api/check",
            files={"file": (sample.name, sample.read_bytes())},
            data={"scenario": "emergency-nurse", "tag": "anna"},
        )
        heard = int(r.headers["x-attempt-id"])
        c.post("/api/check", files={"file": ("close.txt", COMPLETE.encode())}, data={"tag": "ben"})
    browser.goto(app.link.replace("/?", "/review?"))
    browser.wait_for_selector("#attempts tbody tr >> nth=1")
    browser.select_option("#tag", "anna")
    browser.wait_for_function("() => document.querySelectorAll('#attempts tbody tr').length === 1")
    row = browser.locator(f'#attempts tr[data-attempt="{heard}"]')
    assert "anna" in row.inner_text()
    # play the moment the reservations question was asked: a ▶ tick, from the keyboard
    row.locator('button.play[data-part="reservations"]').focus()
    browser.keyboard.press("Enter")
    browser.wait_for_function(f"() => document.body.dataset.playing === '{heard}:reservations'")
    assert "Playing reservations question" in browser.locator("#status").inner_text()
    duration = browser.wait_for_function(
        "() => { const p = document.getElementById('player');"
        " return p.readyState >= 1 && p.duration; }"
    ).json_value()
    assert 1.0 < duration < 10.0  # the moment, not the whole close
    row.locator("button.recheck").click()
    browser.wait_for_function(
        "() => document.getElementById('status').textContent.includes('checked again')",
        timeout=120_000,
    )
    assert (
        f"Attempt {heard} checked again: nothing changed."
        in browser.locator("#status").inner_text()
    )
    # the report links the recording the app serves (nothing to encode first), and it plays
    with app.client() as c:
        page = c.get(f"/report/{heard}").text
        assert f'src="/api/attempts/{heard}/recording"' in page
        assert "media-src 'self' data:" in page
        whole = c.get(f"/api/attempts/{heard}/recording")
        assert whole.status_code == 200 and whole.headers["content-type"] == "audio/flac"
        part = c.get(f"/api/attempts/{heard}/recording", headers={"Range": "bytes=0-99"})
        assert part.status_code == 206 and part.content == whole.content[:100]
    row.locator("button", has_text="Open").click()
    player = browser.frame_locator("#report").locator("audio").first
    player.evaluate("a => new Promise(r => a.readyState >= 1 ? r() : a.onloadedmetadata = r)")
    assert 30 < player.evaluate("a => a.duration") < 34
    # delete: asked first (Cancel has the focus, so Enter alone deletes nothing)
    row.locator("button.delete").focus()
    browser.keyboard.press("Enter")
    assert "Delete attempt" in browser.locator("tr.confirm-row").inner_text()
    browser.keyboard.press("Enter")
    assert browser.locator("tr.confirm-row").count() == 0
    assert browser.evaluate("() => document.activeElement.classList.contains('delete')")
    browser.keyboard.press("Enter")
    browser.locator("tr.confirm-row button.confirm-files").click()
    browser.wait_for_function(
        "() => document.getElementById('status').textContent.includes('deleted')"
    )
    said = browser.locator("#status").inner_text()
    assert said.startswith("Attempt 1 deleted, with its recording."), said  # its one file
    # its report, open below the table, went with it
    assert browser.locator("#report").is_hidden()
    # anna's last attempt is gone, so is her tag: every attempt is shown again
    assert browser.locator("#tag option").all_inner_texts() == ["All tags", "ben"]
    assert browser.locator("#attempts tbody tr").count() == 1
    with app.client() as c:
        left = c.get("/api/history").json()["attempts"]
    assert [a["tag"] for a in left] == ["ben"]
    assert not list(app.upload_dir.rglob("*.flac"))  # the recording went with it
    assert not browser.errors


def test_a_file_checked_by_its_full_path_is_named_by_the_file_not_its_scenario(
    app, browser, tmp_path
):
    """A practised close is named by its scenario; a recording checked against a scenario by
    its full path (its source is then its recording's path, as practice's is) by the file."""
    import dataclasses

    from voiceclose.app.checking import Checker, Item, Options
    from voiceclose.app.scenarios import find
    from voiceclose.store.history import open_for_writing

    typed = tmp_path / "typed.txt"
    typed.write_text(COMPLETE)
    with Checker(Options(text=True, scenario=find("emergency-nurse"))) as checker:
        report = checker.run(Item(str(typed), typed))
    mine, made = tmp_path / "my close.wav", tmp_path / "practice-1.wav"
    checked = dataclasses.replace(report, kind="audio", source=str(mine))
    practised = dataclasses.replace(report, kind="audio", source=str(made), recording=str(made))
    # a file sent to the app is kept in its upload folder as the attempt's recording: named by
    # the file too (a stranger's three uploads all showed the scenario's name)
    sent = app.upload_dir / "20261205-120000-abcd1234" / "acme strong.wav"
    uploaded = dataclasses.replace(report, kind="audio", source=sent.name, recording=str(sent))
    with open_for_writing() as history:
        checked_id, practised_id = history.add(checked), history.add(practised)
        uploaded_id = history.add(uploaded)
    browser.goto(app.link.replace("/?", "/review?"))
    browser.wait_for_selector("#attempts tbody tr >> nth=2")
    row = browser.locator(f"#attempts tr[data-attempt='{uploaded_id}'] td.name").inner_text()
    assert row.startswith("acme strong.wav") and "for senior staff nurse" in row, row
    names = browser.locator("#attempts td.name")
    row = browser.locator(f"#attempts tr[data-attempt='{checked_id}'] td.name").inner_text()
    assert row.startswith("my close.wav") and "for senior staff nurse" in row, row
    row = browser.locator(f"#attempts tr[data-attempt='{practised_id}'] td.name").inner_text()
    assert row.startswith("emergency-nurse") and "for " not in row, row
    assert names.count() == 3
    assert not browser.errors


def test_a_practised_attempt_is_deleted_with_both_its_recordings(app, browser, tmp_path):
    """Practice records the close and the answer: the delete offers both, and says both went."""
    close, answer = tmp_path / "close.wav", tmp_path / "close-answer.wav"
    for path in (close, answer):
        path.write_bytes(b"")
    attempt_id = stored_as_practised(tmp_path, close, answer)
    browser.goto(app.link)
    browser.click("nav >> text=Review")
    row = browser.locator(f"#attempts tr[data-attempt='{attempt_id}']")
    row.locator("button.delete").click()
    offer = browser.locator("tr.confirm-row button.confirm-files")
    assert offer.inner_text() == "Delete with its 2 recordings (the close and your answer)"
    offer.click()
    browser.wait_for_function(
        "() => document.getElementById('status').textContent.includes('deleted')"
    )
    said = browser.locator("#status").inner_text()
    assert said == (
        f"Attempt {attempt_id} deleted, with its 2 recordings (the close and your answer)."
    ), said
    assert not close.exists() and not answer.exists()
    assert not browser.errors


def test_the_pages_work_at_phone_width_and_with_the_keyboard(app, chromium):
    context = chromium.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    try:
        for path in ("/practice", "/review", "/check"):
            page.goto(app.link.replace("/?", f"{path}?"))
            page.wait_for_load_state("networkidle")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 375, (path, width)
        page.goto(app.link)
        page.keyboard.press("Tab")  # the first stop is the navigation, then the form
        assert page.evaluate("() => document.activeElement.textContent") == "Practise"
        # the form for a scenario of your own: opened, filled and sent from the keyboard
        page.wait_for_selector("#scenario option", state="attached")
        page.locator("#new-scenario summary").focus()
        page.keyboard.press("Enter")
        for name, value in (("role", "Data analyst"), ("organisation", "Northwind")):
            page.locator(f"[name={name}]").focus()
            page.keyboard.type(value)
        page.keyboard.press("Tab")
        page.keyboard.type("Priya")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        page.locator("[name=needs]").focus()
        page.keyboard.type("cleaning messy sales data")
        page.locator("[name=name]").focus()
        page.keyboard.press("Enter")  # submits the form
        page.wait_for_function(
            "() => document.getElementById('scenario').value === 'data-analyst-northwind'"
        )
        assert page.evaluate("() => document.activeElement.id") == "start"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    finally:
        context.close()


class RunningApp:
    """`voiceclose app --no-browser` in a process of its own, recording from PulseAudio."""

    def __init__(self, env: dict):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voiceclose", "app", "--no-browser"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.link = self.proc.stdout.readline().split(": ", 1)[1].strip()

    def stop(self) -> str:
        import signal

        os.kill(self.proc.pid, signal.SIGINT)
        _, err = self.proc.communicate(timeout=120)
        return err


SCREENS = os.environ.get("VOICECLOSE_SCREENS")  # a folder: the practice test saves screenshots


def shot(page, name: str) -> None:
    if SCREENS:
        page.screenshot(path=f"{SCREENS}/{name}.png", full_page=True)


def create_scenario_in_the_page(browser) -> None:
    """The nurse's interview as the user's own scenario, typed into the page's form, with the one
    concern the follow-up round will ask (so its words are known)."""
    browser.locator("#new-scenario summary").click()
    browser.fill("[name=role]", "senior staff nurse")
    browser.fill("[name=organisation]", "Riverside General")
    browser.fill("[name=interviewer]", "Priya")
    browser.select_option("[name=pronoun]", "she")
    browser.fill("[name=needs]", "getting patients triaged faster\nworking night shifts")
    browser.fill("[name=concerns]", f"skills_gap: {CONCERN}")
    browser.fill("[name=name]", "my-nurse-interview")
    browser.locator("#new-form button[type=submit]").press("Enter")
    browser.wait_for_function(
        "() => document.getElementById('scenario').value === 'my-nurse-interview'"
    )
    assert "(yours)" in browser.locator("#scenario option:checked").inner_text()


def wait_for_status(browser, element: str, text: str, timeout: int = 120_000) -> None:
    try:
        browser.wait_for_function(
            f"() => document.getElementById('{element}').textContent.includes({text!r})",
            timeout=timeout,
        )
    except Exception:
        seen = browser.evaluate(
            "() => [document.body.dataset.events, document.getElementById('status').textContent,"
            " document.getElementById('followup-status').textContent]"
        )
        raise AssertionError(f"waited for {text!r} in #{element}; events, lines: {seen}") from None


def test_practice_in_the_browser_against_the_microphone(mic, browser, user_home, tmp_path):
    from voiceclose.evaluate.speak import Effects, Voice, render

    answer = tmp_path / "answer.wav"
    render(ANSWER, Voice.parse("flite:slt"), Effects(pad=(0.2, 0.5)), answer)
    env = {**mic.env, "VOICECLOSE_HOME": str(user_home)}
    running = RunningApp(env)
    try:
        browser.goto(running.link)
        browser.wait_for_selector("#scenario option", state="attached")
        create_scenario_in_the_page(browser)
        assert "Riverside General" in browser.locator("#scenario-card").inner_text()
        browser.wait_for_selector("#microphone option >> nth=1", state="attached")
        offered = browser.locator("#microphone option").all_inner_texts()
        assert sum("default" in o for o in offered) == 1, offered  # the default offered once
        browser.click("#start")
        wait_for_status(browser, "status", "Speak now")
        mic.play(SAMPLES / "complete_close_slt.flac").wait(timeout=60)
        browser.wait_for_function(
            "() => document.querySelectorAll('#parts li.heard').length >= 2", timeout=30_000
        )
        shot(browser, "4-practice-recording")
        assert browser.locator("#timer").inner_text().startswith("0:")
        level = browser.locator("#meter").get_attribute("aria-valuenow")
        assert level is not None
        browser.locator("body").press("Space")  # stop, as the space bar does
        browser.wait_for_function("() => document.body.dataset.stopToReport", timeout=240_000)
        stop_to_report = float(browser.evaluate("() => document.body.dataset.stopToReport"))
        report = browser.frame_locator("#report").locator("body").inner_text()
        assert "All four parts of a strong close were there." in report, report[:400]
        assert browser.locator("#parts li.heard").count() == 4
        # stopped: the meter shows no level (it kept the last one, "-120 dB")
        assert "idle" in browser.locator("#meter").get_attribute("class")
        played = browser.frame_locator("#report").locator("audio").first  # served, not embedded
        played.evaluate("a => new Promise(r => a.readyState >= 1 ? r() : a.onloadedmetadata = r)")
        assert 25 < played.evaluate("a => a.duration") < 40
        timings = browser.evaluate("() => document.body.dataset.serverTimings")
        print(f"Stop → report in the browser: {stop_to_report:.2f} s (server: {timings})")
        # the follow-up round: the concern is spoken into the sink (the microphone hears it, but
        # the answer's recording starts after it) and shown; then the answer is played
        wait_for_status(browser, "followup-status", "Answer now")
        assert CONCERN in browser.locator("#concern").inner_text()
        assert "Priya" in browser.locator("#concern").inner_text()
        # the answer has no suggested length, but says it stops by itself (a stranger waited)
        assert "stops by itself at 3:00" in browser.locator("#answer-timer").inner_text()
        shot(browser, "4-practice-followup-answering")
        mic.play(answer).wait(timeout=60)
        browser.wait_for_timeout(500)
        browser.locator("#answer-stop").press("Space")
        browser.wait_for_selector("#answer-result ul.answer-parts", timeout=240_000)
        result = browser.locator("#answer-result").inner_text()
        assert "all three parts were there" in result, result
        assert "idle" in browser.locator("#answer-meter").get_attribute("class")
        # the keyboard goes on from Try again, not the page's body (where Space starts anew)
        assert browser.evaluate("() => document.activeElement.id") == "again"
        assert "worry" not in result and "night shift" not in result  # no interviewer in it
        frame = browser.frame_locator("#report")
        frame.locator("#input-1-answer").wait_for(timeout=30_000)  # the report has the answer
        shot(browser, "4-practice-answer-checked")
        # Try again, at phone width: a second attempt at the same scenario says what changed
        browser.set_viewport_size({"width": 375, "height": 812})
        browser.locator("#again").focus()
        browser.keyboard.press("Enter")  # ready for another try: Start has the focus
        wait_for_status(browser, "status", "Ready for another try")
        browser.keyboard.press("Enter")
        wait_for_status(browser, "status", "Speak now")
        # the timer, meter and live checklist are on screen while speaking, not below the fold
        on_screen = "() => { const r = document.getElementById('live').getBoundingClientRect();"
        on_screen += " return r.top >= 0 && r.top < innerHeight - 100; }"
        assert browser.evaluate(on_screen)
        mic.play(SAMPLES / "no_thanks_en_us_m3.flac").wait(timeout=60)
        browser.click("#start")
        browser.wait_for_selector("#changes-panel:not([hidden])", timeout=240_000)
        changes = browser.locator("#changes").inner_text()
        assert re.search(r"thanks (was|were) missing", changes), changes
        # in the report the checklist says what was missed, not "not yet heard"
        thanks = browser.locator("#parts li[data-part=thanks]")
        assert "missed" in thanks.get_attribute("class") and "not heard" in thanks.inner_text()
        assert "yet" not in browser.locator("#parts").inner_text()
        shot(browser, "4-practice-try-again-phone")
        assert browser.evaluate("() => document.documentElement.scrollWidth") <= 375
        # Try again while answering: the round is left, but what was said is kept with the
        # attempt (a stranger lost an answer so), and a new try starts
        wait_for_status(browser, "followup-status", "Answer now")
        mic.play(answer).wait(timeout=60)
        browser.click("#again")
        wait_for_status(browser, "status", "Your answer was kept", timeout=240_000)
        assert "Ready for another try" in browser.locator("#status").inner_text()
        browser.click("#start")
        wait_for_status(browser, "status", "Speak now")
        mic.play(SAMPLES / "no_thanks_en_us_m3.flac").wait(timeout=60)
        browser.locator("body").press("Space")
        # and this time Skip ends the round: nothing was said, so nothing of it is kept
        wait_for_status(browser, "followup-status", "Answer now", timeout=240_000)
        browser.click("#skip")
        wait_for_status(browser, "followup-status", "Follow-up skipped")
        browser.wait_for_function("() => document.getElementById('start').textContent === 'Start'")
        assert not browser.errors
    finally:
        err = running.stop()
    assert "Traceback" not in err, err
    history = subprocess.run(
        [sys.executable, "-m", "voiceclose", "history", "--json"],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    attempts = [json.loads(line) for line in history.stdout.splitlines()]
    assert [a["scenario"] for a in attempts] == ["my-nurse-interview"] * 3
    assert [bool(a["followup"]) for a in attempts] == [True, True, False], attempts
    answers = list((user_home / "data" / "recordings").glob("*-answer.wav"))
    assert len(answers) == 2, answers  # the skipped answer's file (nothing said) is gone


def shots(page, name: str) -> None:
    """At 1280 px and at 375 px (a phone), when VOICECLOSE_SCREENS names a folder."""
    if not SCREENS:
        return
    size = page.viewport_size
    for width, tail in ((1280, "w"), (375, "p")):
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, f"{name}_{tail}")
    page.set_viewport_size(size)


def events_seen(page) -> str:
    return page.evaluate("() => document.body.dataset.events || ''")


def test_the_round_says_what_happened_skip_acts_at_once_and_try_again_waits(
    mic, browser, user_home
):
    env = {**mic.env, "VOICECLOSE_HOME": str(user_home)}
    running = RunningApp(env)
    try:
        browser.goto(running.link)
        browser.wait_for_selector("#scenario option", state="attached")
        browser.select_option("#scenario", "emergency-nurse")
        browser.click("#start")
        wait_for_status(browser, "status", "Speak now")
        mic.play(SAMPLES / "no_reservations_awb.flac").wait(timeout=60)
        browser.click("#start")
        # no reservations question: the round runs (as at the terminal), and says so
        wait_for_status(browser, "followup-why", "did not ask whether they have any")
        heading = browser.locator("#followup-h").inner_text()
        assert heading == "Follow-up: a concern the interviewer might not have said"
        assert "answers your question" not in heading
        wait_for_status(browser, "followup-status", "is speaking")
        shots(browser, "a1-concern-unasked")
        clicked = time.monotonic()
        browser.keyboard.press("Escape")  # Skip, from the keyboard: while the voice plays it
        wait_for_status(browser, "followup-status", "skipped")  # stops, and nothing is recorded
        print(f"Escape → 'Follow-up skipped': {time.monotonic() - clicked:.2f} s")
        # the Skip button went away: the keyboard goes on from Try again, not the page's top
        assert browser.evaluate("() => document.activeElement.id") == "again"
        browser.wait_for_function("() => document.getElementById('start').textContent === 'Start'")
        seen = events_seen(browser)
        assert "skipped" in seen and "answer-started" not in seen, seen
        # Try again: ready, not recording; the first attempt is kept to compare with
        browser.click("#again")
        wait_for_status(browser, "status", "Ready for another try")
        browser.wait_for_timeout(1000)
        assert browser.locator("#start").inner_text() == "Start"
        assert browser.evaluate("() => api('/api/practice').then(r => r.body.under_way)") is False
        shots(browser, "a2-try-again-ready")
        # Start, then Stop at once: no comparison of nothing, no round, said plainly
        browser.click("#start")
        wait_for_status(browser, "status", "Speak now")
        browser.click("#start")
        wait_for_status(browser, "status", "nothing to compare with attempt")
        browser.wait_for_function("() => document.getElementById('start').textContent === 'Start'")
        assert "no follow-up" in browser.locator("#status").inner_text()
        assert browser.locator("#changes-panel").is_hidden()
        assert browser.locator("#followup").is_hidden()
        assert "concern" not in events_seen(browser).rsplit("report", 1)[-1]
        shots(browser, "a3-nothing-said")
        assert not browser.errors
    finally:
        err = running.stop()
    assert "Traceback" not in err, err


def test_a_reopened_page_follows_the_practice_and_a_closed_one_stops_it(mic, chromium, user_home):
    import httpx

    env = {**mic.env, "VOICECLOSE_HOME": str(user_home)}
    running = RunningApp(env)
    base, token = running.link.split("/?token=")
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    try:
        first = context.new_page()
        first.goto(running.link)
        first.wait_for_selector("#scenario option", state="attached")
        # a tab already open before Start: it follows once it is looked at again
        waiting = context.new_page()
        waiting.goto(f"{base}/")
        waiting.wait_for_selector("#scenario option", state="attached")
        pressing = context.new_page()  # and one whose Start is pressed while it runs
        pressing.clock.install()  # its look every few seconds held back (the time paused)
        pressing.goto(f"{base}/")
        pressing.wait_for_selector("#scenario option", state="attached")
        pressing.clock.pause_at(pressing.evaluate("() => Date.now() + 1000"))
        first.select_option("#scenario", "emergency-nurse")
        first.locator("#followup-on").uncheck()
        first.click("#start")
        wait_for_status(first, "status", "Speak now")
        speaking = mic.play(SAMPLES / "complete_close_slt.flac")
        # a tab already open before Start follows it by itself within a few seconds (it showed
        # Start until looked at again: a stranger's second window never did)
        wait_for_status(waiting, "status", "Speak now", timeout=15_000)
        assert waiting.locator("#scenario").input_value() == "emergency-nurse"
        # its Start joins the practice under way, and says so (it did so without a word)
        pressing.click("#start")
        wait_for_status(pressing, "status", "already under way in another page")
        assert pressing.locator("#start").inner_text() == "Stop"
        pressing.close()
        # the link opened again (a tab closed by mistake, another tab): the practice is there
        second = context.new_page()
        second.goto(f"{base}/")
        wait_for_status(second, "status", "Speak now")
        assert second.locator("#start").inner_text() == "Stop"
        assert second.locator("#scenario").input_value() == "emergency-nurse"
        second.wait_for_function(
            "() => document.getElementById('timer').textContent.trim() > '0:02'"
        )
        shots(second, "b1-reopened-under-way")
        second.click("#start")
        second.wait_for_function("() => document.body.dataset.events.includes('report')")
        wait_for_status(first, "status", "Try again")  # the first page saw it too
        wait_for_status(waiting, "status", "Try again")
        waiting.close()  # done: closing it stops nothing
        speaking.wait(timeout=60)
        # a page closed while it records: the recording stops (no page follows it for 5 s), and
        # is kept
        second.click("#again")
        second.click("#start")
        wait_for_status(second, "status", "Speak now")
        speaking = mic.play(SAMPLES / "complete_close_slt.flac")
        # a reload while it records: the page follows it on (it stopped it: strangers' closes
        # were cut off and stored so)
        second.wait_for_timeout(1500)
        second.reload()
        wait_for_status(second, "status", "Speak now")
        assert second.locator("#start").inner_text() == "Stop"
        second.wait_for_timeout(3000)
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
            assert c.get("/api/practice").json()["under_way"]
        first.close()  # it follows this practice too (an open page looks every few seconds)
        second.close()
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
            deadline = time.monotonic() + 30  # the close played goes on for 30 s
            while c.get("/api/practice").json()["under_way"] and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not c.get("/api/practice").json()["under_way"]
            attempts = c.get("/api/history").json()["attempts"]
            assert len(attempts) == 2, attempts
            page = c.get(f"/report/{max(a['id'] for a in attempts)}").text
        assert "stopped when the app&#x27;s page was closed" in page or (
            "stopped when the app's page was closed" in page
        )
        speaking.wait(timeout=60)
    finally:
        context.close()
        err = running.stop()
    assert "Traceback" not in err, err
