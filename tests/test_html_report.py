"""The visual report (`--html`): one self-contained page, opened in headless Chromium to check its
DOM (checklist, highlights, waveform markers), that clicking a marker moves the player, and that it
renders (a screenshot)."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import struct
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from voiceclose.app.pages import WAVE_BINS
from voiceclose.report.page import COLOURS
from voiceclose.results import ELEMENTS

from .test_cli import COMPLETE, PARTIAL

COMPLETE_ATTEMPT = 3  # complete_close_slt.flac in the batch (see conftest.BATCH)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Browser:
    """One Playwright page in headless Chromium, with what these tests ask of it: JavaScript
    values, waits, real mouse clicks, screenshots, and the requests and errors while loading."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))

    def open(self, path: Path) -> None:
        self.requests.clear(), self.failed.clear(), self.errors.clear()
        self.page.goto(path.resolve().as_uri(), wait_until="load")

    def js(self, expression: str):
        """The value of a JavaScript expression in the page (promises are awaited)."""
        return self.page.evaluate(expression)

    def wait_until(self, expression: str, timeout: float = 30):
        """Poll a JavaScript expression until it is truthy; its value (a wait, not a timing)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"never true: {expression}")

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the first box of ``selector`` (text that wraps has
        one box per line, and between them is not the element)."""
        x, y = self.js(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getClientRects()[0];"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        self.page.mouse.click(x, y)

    def screenshot(self, path: Path) -> Path:
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="module")
def browser(chromium):
    """One page for the module (skips without Chromium or Playwright; fails in CI)."""
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    yield Browser(context.new_page())
    context.close()


def open_page(b: Browser, path: Path) -> None:
    b.open(path)
    b.wait_until("document.readyState === 'complete'")


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def seek_by_clicking(b: Browser, selector: str) -> float:
    """Click ``selector`` and return the time the player seeked to."""
    b.js(
        "window.seekedTo = null; document.querySelectorAll('audio').forEach(a => { a.pause();"
        " a.addEventListener('seeked', () => { window.seekedTo = a.currentTime; },"
        " {once: true}); })"
    )
    b.click(selector)
    return float(b.wait_until("window.seekedTo === null ? null : String(window.seekedTo)"))


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"(?i)\b(?:https?|ftp):|//[a-z0-9.-]+\.[a-z]{2,}/", text)
    tags = Tags(text).tags
    assert {t for t, _ in tags}.isdisjoint({"link", "iframe", "object", "embed", "img", "base"})
    for tag, attrs in tags:
        for name in ("src", "href", "xlink:href", "poster", "data", "action"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("data:", "#")), (tag, name, value[:80])
    assert "@import" not in text and not re.search(r"url\((?!\s*['\"]?data:)", text)
    assert [t for t, a in tags if t == "script" and "src" in a] == []


# --- self-contained ---------------------------------------------------------------------------


def test_the_page_is_self_contained(browser, checked_batch, tmp_path):
    assert_self_contained(checked_batch.html)
    page = tmp_path / "alone" / "page.html"  # in a folder of its own: it needs nothing beside it
    page.parent.mkdir()
    shutil.copy(checked_batch.html, page)
    open_page(browser, page)
    requested = browser.requests
    assert page.resolve().as_uri() in requested
    assert all(u == page.resolve().as_uri() or u.startswith("data:") for u in requested), requested
    assert browser.failed == [] and browser.errors == [], (browser.failed, browser.errors)
    # every recording on the page plays from the page itself
    durations = browser.wait_until(
        "(() => { const a = [...document.querySelectorAll('audio')];"
        " return a.every(x => x.readyState >= 1) ? a.map(x => x.duration) : null; })()"
    )
    checked = checked_batch.checked
    assert len(durations) == len(checked)
    for duration, result in zip(durations, checked, strict=True):
        assert abs(duration - result["duration_s"]) < 0.2


# --- one report, in the browser ---------------------------------------------------------------


@pytest.fixture(scope="module")
def single_page(checked_batch, tmp_path_factory) -> tuple[Path, dict]:
    """`voiceclose review 3 --html` on a copy of the batch's history: one complete close."""
    import contextlib
    import io

    from voiceclose.cli import main

    home = tmp_path_factory.mktemp("single") / "home"
    (home / "data").mkdir(parents=True)
    shutil.copy(checked_batch.database, home / "data" / "history.db")
    (home / "cache").symlink_to(checked_batch.home / "cache", target_is_directory=True)
    page = home.parent / "attempt.html"
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(io.StringIO()):
        mp.setenv("VOICECLOSE_HOME", str(home))
        with contextlib.redirect_stderr(err):
            code = main(["review", str(COMPLETE_ATTEMPT), "--html", str(page)])
    result = checked_batch.checked[COMPLETE_ATTEMPT - 1]
    assert code == 0 and result["missed"] == [], err.getvalue()
    assert f"Report page: {page}" in err.getvalue()
    return page, result


def test_checklist_highlights_and_markers(browser, single_page):
    page, result = single_page
    assert_self_contained(page)
    open_page(browser, page)
    js = browser.js
    assert js("document.querySelectorAll('section.report').length") == 1
    assert js("document.querySelector('.verdict').textContent") == (
        "All four parts of a strong close were there."
    )
    # the checklist: each part, heard, with what was heard
    items = js(
        "[...document.querySelectorAll('ol.checklist li')].map(li => "
        "[li.dataset.element, li.className, li.querySelector('.evidence').textContent])"
    )
    assert [i[0] for i in items] == list(ELEMENTS)
    for element, klass, evidence in items:
        assert klass == "item found" and result["elements"][element]["evidence"] in evidence
    # the transcript: each part's evidence highlighted, each in its own colour
    marks = js(
        "[...document.querySelectorAll('.transcript mark.ev')].map(m => [m.dataset.element,"
        " m.textContent, m.style.getPropertyValue('--c'), getComputedStyle(m).borderBottomColor])"
    )
    assert sorted(m[0] for m in marks) == sorted(ELEMENTS)
    for element, text, colour, border in marks:
        evidence = result["elements"][element]["evidence"]
        assert _words(text) and _words(text) <= _words(evidence), (element, text)
        assert colour == COLOURS[element] and border == rgb(COLOURS[element])
    assert len({m[3] for m in marks}) == len(ELEMENTS)
    # the waveform: its peaks, and a marker where each part was said, in time order
    peaks = js("document.querySelector('svg.wave path.peaks').getAttribute('d')")
    assert peaks.count("M") == WAVE_BINS
    markers = js(
        "[...document.querySelectorAll('svg.wave g.marker')].map(g => [g.dataset.element,"
        " parseFloat(g.dataset.seek), parseFloat(g.querySelector('line').getAttribute('x1')),"
        " g.querySelector('rect').getAttribute('fill'), g.getBoundingClientRect().width])"
    )
    assert [m[0] for m in markers] == list(ELEMENTS)
    width = js("document.querySelector('svg.wave').viewBox.baseVal.width")
    for element, seek, x, fill, shown_width in markers:
        start = result["elements"][element]["start_s"]
        assert abs(seek - start) < 0.01 and fill == COLOURS[element] and shown_width > 0
        assert abs(x - start / result["duration_s"] * width) < 2
    # the delivery extras
    extras = js(
        "Object.fromEntries([...document.querySelectorAll('.extra')].map(e =>"
        " [e.dataset.kind, e.textContent]))"
    )
    assert f"{round(result['extras']['words_per_minute'])} words a minute" in extras["pace"]
    assert "comfortable: 120–170" in extras["pace"] and "suggested: 0:30–2:00" in extras["length"]
    assert f"Filler words {result['extras']['fillers']}" in extras["fillers"]
    # the history chart: the attempts stored, this one outlined
    assert js("document.querySelectorAll('section.history g.attempt').length") == 4
    assert js("document.querySelector('g.attempt.current').dataset.attempt") == str(
        COMPLETE_ATTEMPT
    )


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


def test_clicking_a_marker_or_highlight_moves_the_player(browser, single_page):
    page, result = single_page
    open_page(browser, page)
    browser.wait_until("document.querySelector('audio').readyState >= 1")
    for element in ("thanks", "fit", "interest"):
        start = result["elements"][element]["start_s"]
        at = seek_by_clicking(browser, f'g.marker[data-element="{element}"] rect')
        assert abs(at - start) < 0.05, (element, at, start)
    reservations = result["elements"]["reservations"]["start_s"]
    at = seek_by_clicking(browser, 'mark.ev[data-element="reservations"]')
    assert abs(at - reservations) < 0.05
    at = seek_by_clicking(browser, "button.jump[data-seek]")  # the checklist's first ▶ button
    assert abs(at - result["elements"]["interest"]["start_s"]) < 0.05
    # the playhead follows the player
    browser.wait_until(
        "document.querySelector('.playhead').getAttribute('visibility') === 'visible'"
    )


def test_screenshot(browser, single_page, tmp_path):
    page, _ = single_page
    open_page(browser, page)
    shot = browser.screenshot(tmp_path / "page.png")
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 800 and height >= 900  # the whole page, beyond the first screen
    assert len(data) > 50_000
    # it shows something: draw it on a canvas and count the colours
    colours = browser.js(
        "new Promise(done => { const img = new Image(); img.onload = () => {"
        " const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;"
        " const g = c.getContext('2d'); g.drawImage(img, 0, 0);"
        " const px = g.getImageData(0, 0, c.width, c.height).data; const seen = new Set();"
        " for (let i = 0; i < px.length; i += 4 * 97) seen.add(px[i] << 16 | px[i+1] << 8 | px[i+2]);"
        " done(seen.size); }; img.src = 'data:image/png;base64,"
        + base64.b64encode(data).decode()
        + "'; })"
    )
    assert colours > 50


# --- a batch, missed parts, and pages with and without a history -------------------------------


def test_batch_page_has_a_table_of_all_inputs(browser, checked_batch):
    open_page(browser, checked_batch.html)
    js = browser.js
    rows = js(
        "[...document.querySelectorAll('table#batch tbody tr')].map(r => [r.className,"
        " r.querySelector('a').getAttribute('href'), r.textContent,"
        " [...r.querySelectorAll('td.part')].map(td => td.textContent)])"
    )
    results = checked_batch.results
    assert len(rows) == len(results) == 5
    for n, ((klass, href, text, ticks), result) in enumerate(zip(rows, results, strict=True), 1):
        assert href == f"#input-{n}" and js(f"!!document.querySelector('{href}')")
        assert Path(result["source"]).name in text
        if not result["ok"]:
            assert klass == "failed" and "could not be checked: no such file" in text
            assert ticks == []
            continue
        assert klass == ("complete" if result["missed"] == [] else "missed")
        assert ticks == ["✓" if result["elements"][e]["found"] else "✗" for e in ELEMENTS]
    summary = js("document.querySelector('.batch .summary').textContent")
    assert summary.endswith("1 could not be checked")
    # a section for each input; each recording with a marker for each part heard
    for n, result in enumerate(results, 1):
        markers = js(f"document.querySelectorAll('#input-{n} g.marker').length")
        if result["ok"]:
            assert markers == len(ELEMENTS) - len(result["missed"])
            assert js(f"!!document.querySelector('#input-{n} audio')")
        else:
            assert js(f"document.querySelector('#input-{n} .error').textContent").startswith(
                "Could not be checked"
            )
    # the history chart holds the batch's attempts, all of them outlined
    assert js("document.querySelectorAll('section.history g.attempt.current').length") == 4


def test_missed_parts_show_the_tip_and_a_line_to_try(browser, checked_batch):
    open_page(browser, checked_batch.html)
    for n, result in enumerate(checked_batch.results, 1):
        if not result["ok"]:
            continue
        tips = {t["element"]: t for t in result["feedback"]["tips"]}
        assert set(tips) == set(result["missed"])
        for element in result["missed"]:
            item = browser.js(
                f"(() => {{ const li = document.querySelector('#input-{n} "
                f'li.item.missed[data-element="{element}"]\');'
                " return [li.querySelector('.tip').textContent, li.querySelector('.try').textContent];"
                " })()"
            )
            assert item[0] == f"Tip: {tips[element]['tip']}"
            assert item[1] == f"Try: “{tips[element]['example']}”"
            lane = browser.js(
                f"[...document.querySelectorAll('#input-{n} .lane-missed')].map(t => t.textContent)"
            )
            assert any(t.endswith("not heard") for t in lane)


@pytest.mark.slow
def test_typed_close_without_history_has_no_chart(browser, cli, tmp_path):
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    page = tmp_path / "typed.html"
    run = cli("check", "--text", close, "--html", page, "--no-history")
    assert run.code == 0 and "Report page" in run.err
    assert_self_contained(page)
    open_page(browser, page)
    js = browser.js
    assert js("document.querySelectorAll('section.history').length") == 0
    assert js("document.querySelectorAll('audio, svg.wave').length") == 0  # nothing to play
    assert js("document.querySelectorAll('li.item.found').length") == 4
    assert sorted(js("[...document.querySelectorAll('mark.ev')].map(m => m.dataset.element)")) == (
        sorted(ELEMENTS)
    )
    # once there is a history, the page charts it
    partial = tmp_path / "partial.txt"
    partial.write_text(PARTIAL)
    assert cli("check", "--text", close).code == 0
    assert cli("check", "--text", partial, "--html", page).code == 1
    open_page(browser, page)
    assert js("document.querySelectorAll('section.history g.attempt').length") == 2
    assert js("document.querySelector('g.attempt.current').dataset.attempt") == "2"


def test_html_that_cannot_be_written_is_one_line_before_any_checking(cli, user_home, tmp_path):
    close = tmp_path / "close.txt"
    close.write_text(COMPLETE)
    for target, words in (
        (tmp_path / "no-such-folder" / "page.html", "does not exist"),
        (tmp_path, "it is a folder"),
    ):
        run = cli("check", "--text", close, "--html", target)
        assert run.code == 3 and run.out == "", run.out
        assert run.err.count("\n") == 1 and words in run.err and str(target) in run.err
    assert not (user_home / "data" / "history.db").exists()  # nothing was checked or stored


def test_special_characters_are_escaped(cli, tmp_path):
    close = tmp_path / "<i>close<i> & co.txt"
    close.write_text("Thank you for your time. <script>alert(1)</script> I really want this job.")
    page = tmp_path / "page.html"
    assert cli("check", "--text", close, "--html", page).code == 1
    text = page.read_text()
    assert "<script>alert(1)</script>" not in text and "<i>close<i>" not in text
    assert html.escape("<i>close<i> & co.txt") in text
    assert html.escape("<script>alert(1)</script>") in text


def test_a_recording_without_speech_shows_no_checklist_of_misses(tmp_path):
    """ "No speech was heard, so nothing could be checked" and then four ✗ with tips (a stranger's
    silent attempt in the app): nothing was checked, so no parts, tips or transcript; in a batch's
    table its row says "no speech"."""
    import dataclasses

    from voiceclose.app.checking import Checker, Item, Options
    from voiceclose.report.graphics import EmbeddedAudio
    from voiceclose.report.page import PageInput, render

    close = tmp_path / "close.txt"
    close.write_text(PARTIAL)
    with Checker(Options(text=True)) as checker:
        spoken = checker.run(Item(str(close), close))
    extras = dataclasses.replace(spoken.extras, speech_heard=False, words_per_minute=None)
    silent = dataclasses.replace(
        spoken, kind="audio", extras=extras, source="silent.wav", notes=["no speech heard"]
    )
    quiet = EmbeddedAudio("data:audio/wav;base64,", 0.0, 4.0, [0.0] * 10)
    page = render([PageInput(spoken), PageInput(silent, audio=quiet)])
    mine = page.split('id="input-2"', 1)[1]
    assert "No speech was heard." in mine and "So nothing in it could be checked." in mine
    # said once, not three times (a note "no speech heard" too); a file given to check is
    # not asked after the microphone, a recording practice made is
    assert "no speech heard" not in mine and "microphone" not in mine
    practised = dataclasses.replace(silent, recording="/tmp/take.wav")
    assert "Was the right microphone on?" in render([PageInput(practised)])
    # its waveform is shown, without a lane per part saying "not heard"
    assert 'class="wave"' in mine and "not heard" not in mine
    # the summary does not count it as a close that missed something
    assert "2 checked: 0 complete, 1 missed something, 1 with no speech" in page
    assert 'class="checklist"' not in mine and "Tip:" not in mine and "✗" not in mine
    assert 'class="checklist"' in page.split('id="input-2"', 1)[0]  # the spoken one keeps its
    row = re.search(r"<tr[^>]*><td>2</td>.*?</tr>", page).group(0)
    assert "no speech" in row and "✗" not in row


def test_the_waveform_s_last_time_label_fits_inside_it():
    """A label at the right edge was centred on it and cut ("0:1" for 0:16, a stranger's
    screenshot): one too near the edge ends at its tick instead."""
    from voiceclose.report import graphics

    audio = graphics.EmbeddedAudio("data:audio/wav;base64,", 0.0, 16.0, [0.1] * 10)
    ticks = re.findall(
        r'<text class="tick" x="([\d.]+)"[^>]*text-anchor="(\w+)">([^<]*)<',
        (graphics._time_axis(audio, 100)),
    )
    assert ticks[0][1:] == ("start", "0:00")
    x, anchor, label = ticks[-1]
    assert label == "0:16" and float(x) == graphics.WAVE_WIDTH and anchor == "end"
    assert all(a == "middle" for _, a, _ in ticks[1:-1])
