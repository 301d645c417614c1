"""The app's pages as a person sees them, in headless Chromium at phone width (375 px) and on a
desktop: every visible text readable (12 px or more as drawn, SVG labels scaled with their
picture), each row of a table told apart, names broken where a name breaks, silent recordings
called so, and the level meter with its value in words."""

from __future__ import annotations

import pytest

from . import webapp
from .conftest import SAMPLES
from .test_cli import COMPLETE

pytestmark = pytest.mark.slow

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
READABLE_PX = 12.0

# Every visible piece of text on the page with the size it is drawn at: an SVG label's font size
# times its picture's scale, an HTML text's computed font size; those under the limit come back.
SMALL_TEXT = """(limit) => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const parent = node.parentElement;
    if (!text || !parent || parent.closest("title, script, style")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;  // not drawn
    let size = parseFloat(getComputedStyle(parent).fontSize);
    if (parent instanceof SVGElement) size *= parent.getScreenCTM().a;
    if (size < limit) small.push([text.slice(0, 40), Math.round(size * 10) / 10]);
  }
  return small;
}"""

# Where each line of a cell's text begins: [the character before, the first character] pairs.
LINE_STARTS = """(cell) => {
  const starts = [];
  let top = null, before = "";
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      if (top !== null && rect.top > top + 2) starts.push([before, node.data[i]]);
      top = rect.top;
      before = node.data[i];
    }
  }
  return starts;
}"""

# A table shown whole in its panel at phone width (no column cut off at the right).
TABLE_FITS = """(table) => table.scrollWidth <= table.parentElement.clientWidth"""


@pytest.fixture
def app(tmp_path):
    running, stop = webapp.start(tmp_path / "uploads", warm=False)
    yield running
    stop()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


def check(app, path, name: str, **fields) -> int | None:
    with app.client() as c:
        r = c.post("/api/check", files={"file": (name, path.read_bytes())}, data=fields)
    assert r.status_code == 200, r.text
    return int(r.headers["x-attempt-id"]) if r.headers.get("x-attempt-id") else None


def small_text(page) -> list:
    return page.evaluate(SMALL_TEXT, READABLE_PX)


def test_the_reports_waveform_labels_are_readable_at_phone_width(app, page, model):
    heard = check(app, SAMPLES / "complete_close_slt.flac", "complete.flac")
    page.goto(app.link.replace("/?", f"/report/{heard}?"))
    page.wait_for_selector("svg.wave")
    assert small_text(page) == []
    key = page.locator(".wave-key").first
    assert key.is_visible()
    said = key.inner_text()
    for name in ("Interest", "Fit", "Reservations question", "Thanks"):
        assert name in said, said
    key.locator("[data-seek]").first.click()  # the key plays its moment, as a marker does
    page.wait_for_function("() => !document.querySelector('audio').paused")
    page.set_viewport_size(DESKTOP)  # on a desktop the picture carries its own labels
    assert key.is_hidden()
    assert small_text(page) == []
    assert page.locator("svg.wave .marker text").first.is_visible()
    assert not page.errors


def test_review_at_phone_width_is_readable_and_says_what_each_row_is(app, page, model):
    check(app, SAMPLES / "silence_10s.flac", "quiet_room.flac")
    check(app, SAMPLES / "complete_close_slt.flac", "take-0.flac")
    with app.client() as c:
        text = {"file": ("close_typed.txt", COMPLETE.encode())}
        c.post("/api/check", files=text, data={"scenario": "emergency-nurse"})
    page.goto(app.link.replace("/?", "/review?"))
    page.wait_for_selector("#attempts tbody tr >> nth=2")
    page.wait_for_selector("#chart svg.chart")
    assert small_text(page) == []
    rows = page.locator("#attempts tbody tr")
    shown = [rows.nth(i).inner_text() for i in range(3)]  # newest first
    # a checked file by its name, with the scenario it was checked for beside it
    assert "close_typed.txt" in shown[0] and "for senior staff nurse" in shown[0], shown
    assert "take-0.flac" in shown[1], shown
    assert "quiet_room.flac" in shown[2] and "no speech heard" in shown[2], shown
    # the summary counts what the rows show: three attempts, one of them left out as silent
    trend = page.locator("#trend").inner_text()
    assert trend.startswith("3 attempts, 1 with no speech heard (left out)"), trend
    assert "of the 2 with speech, 2 complete" in trend, trend
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#attempts").evaluate(TABLE_FITS)
    page.set_viewport_size(DESKTOP)
    assert small_text(page) == []
    assert "quiet_room.flac" in rows.nth(2).locator("td.name").inner_text()
    assert rows.nth(2).locator("td.when .what").is_hidden()  # its own column says it here
    assert not page.errors


def test_the_chart_at_phone_width_opens_on_the_newest_attempts(app, page):
    """Wider than a phone, it opened on the oldest attempts with the newest out of sight (a
    stranger saw 1-7 of 12); it opens scrolled to its right end, the oldest off to the left."""
    with app.client() as c:
        ids = [
            int(
                c.post("/api/check", files={"file": (f"try{n}.txt", COMPLETE)}).headers[
                    "x-attempt-id"
                ]
            )
            for n in range(12)
        ]
    page.goto(app.link.replace("/?", "/review?"))
    page.wait_for_selector("#chart svg.chart")
    wrap = page.locator("#chart .chart-wrap").bounding_box()

    def column(attempt: int) -> dict:
        return page.locator(f'#chart g.attempt[data-attempt="{attempt}"] rect').first.bounding_box()

    newest, oldest = column(ids[-1]), column(ids[0])
    assert wrap["x"] <= newest["x"] and newest["x"] + newest["width"] <= wrap["x"] + wrap["width"]
    assert oldest["x"] < wrap["x"]  # scrolled (partly) off: the chart is wider than the phone
    # only whole columns in view, at any phone's width: the first one seen is not cut through
    # (a stranger read ": 3 4 5" under it)
    for width in (360, 375, 390, 412, 430):
        page.set_viewport_size({"width": width, "height": PHONE["height"]})
        page.wait_for_timeout(100)
        box = page.locator("#chart .chart-wrap").bounding_box()
        seen = [b for b in map(column, ids) if b["x"] + b["width"] > box["x"] + 0.5]
        assert seen[0]["x"] >= box["x"] - 0.5, (width, seen[0], box)
    page.set_viewport_size(PHONE)
    assert (
        page.locator("#chart svg.chart text").first.evaluate("t => getComputedStyle(t).direction")
        == "ltr"
    )  # its labels are laid out as before
    names = page.locator("#chart svg.chart-labels").bounding_box()  # not scrolled away
    assert names["x"] >= 0 and names["x"] + names["width"] <= wrap["x"] + 1
    page.set_viewport_size(DESKTOP)  # where it fits, it stays on the left, as before
    svg = page.locator("#chart svg.chart").bounding_box()
    wrap = page.locator("#chart .chart-wrap").bounding_box()
    names = page.locator("#chart svg.chart-labels").bounding_box()
    assert svg["width"] <= wrap["width"] and abs(svg["x"] - wrap["x"]) < 1
    assert abs(names["x"] + names["width"] - svg["x"]) < 1  # the names right beside it
    assert wrap["x"] + wrap["width"] < DESKTOP["width"] / 2  # on the left, not stretched
    assert not page.errors


def test_review_shows_the_answer_to_the_concern_as_history_does(app, page, tmp_path):
    """`voiceclose history` has "answer: ack adr hi"; the app's table had no such column."""
    import dataclasses

    from voiceclose.app.outputs import Outputs

    from .test_followup_store import report_with_answer

    answered = report_with_answer(tmp_path)
    outputs = Outputs()
    outputs.add(answered)
    outputs.add(dataclasses.replace(answered, followup=None))  # a close without an answer
    outputs.finish()
    page.set_viewport_size(DESKTOP)
    page.goto(app.link.replace("/?", "/review?"))
    page.wait_for_selector("#attempts tbody tr >> nth=1")
    header = [page.locator("#attempts thead th").nth(i).inner_text() for i in range(10)]
    assert "Answer" in header, header
    rows = page.locator("#attempts tbody tr")  # newest first
    assert rows.nth(0).locator("td.answer").inner_text() == "–"
    cell = rows.nth(1).locator("td.answer")
    parts = answered.followup.elements
    marks = " ".join(
        "✓" if parts[p].found else "✗" for p in ("acknowledge", "address", "high_note")
    )
    assert cell.inner_text() == marks and "Address" in cell.get_attribute("title")
    page.set_viewport_size(PHONE)
    assert cell.is_hidden()  # at phone width, as the other optional columns
    assert page.locator("#attempts").evaluate(TABLE_FITS)
    assert not page.errors


def test_check_files_breaks_names_where_they_break_and_calls_silence_so(app, page, tmp_path):
    silent = tmp_path / "silent.wav"
    silent.write_bytes((SAMPLES / "silence_10s.flac").read_bytes())
    typed = tmp_path / "my_close-final_version.txt"
    typed.write_text(COMPLETE)
    broken = tmp_path / "broken_take.wav"  # its row holds the longest line: the error
    broken.write_bytes(b"RIFF, but not audio")
    page.goto(app.link.replace("/?", "/check?"))
    page.wait_for_selector("#scenario option", state="attached")
    page.set_input_files("#files", [str(silent), str(typed), str(broken)])
    page.wait_for_function(
        "() => { const t = document.querySelector('#results tbody').innerText;"
        " return t && !t.includes('checking') && !t.includes('waiting'); }",
        timeout=120_000,
    )
    rows = page.locator("#results tbody tr")
    for i in range(3):
        cell = rows.nth(i).locator("td").first
        for before, first in cell.evaluate(LINE_STARTS):
            assert before in "-_/ " or first in ". ", (cell.inner_text(), before, first)
    assert small_text(page) == []
    assert "no speech heard" in rows.nth(0).inner_text()
    assert rows.nth(1).locator("td.name").get_attribute("title") == typed.name
    assert page.locator("#results").evaluate(TABLE_FITS)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert not page.errors


def test_the_level_meter_says_its_level_in_words(app, page):
    page.set_viewport_size(DESKTOP)
    page.goto(app.link)
    page.wait_for_selector("#scenario option", state="attached")
    meter = page.locator("#meter")
    page.evaluate("() => { document.getElementById('live').hidden = false; }")
    meter.evaluate("m => m.setAttribute('aria-valuenow', '-23')")
    shown = meter.evaluate("m => getComputedStyle(m, '::after').content")
    assert "-23" in shown and "dB" in shown, shown
    assert meter.get_attribute("role") == "meter" and meter.get_attribute("aria-label")
