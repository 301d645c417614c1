"""The live line at the terminal: the timer, the four parts ticked as heard, the level, and a
line that always fits the terminal (a wrapped line would scroll the screen at every refresh)."""

from __future__ import annotations

import pytest

from voiceclose.audio.levels import Level
from voiceclose.cli.terminal import Meter

NO_SOUND = "no sound from the microphone: is it muted, or the wrong one? (see devices)"


@pytest.mark.parametrize("columns", [200, 120, 100, 80, 60, 40, 24, 12])
@pytest.mark.parametrize(
    "warning", [None, NO_SOUND, "clipping: move back a little or turn the input volume down"]
)
def test_the_line_fits_the_terminal_at_any_width(columns, warning):
    meter = Meter(60, heard=lambda: ("interest", "thanks"), width=lambda: columns)
    line = meter.line(Level(75.0, -23.4, True, warning))
    assert len(line) < columns and "\n" not in line
    if columns >= 60:
        assert line.startswith("● 1:15 / 1:00")
        assert "✓ int" in line and "· fit" in line and "· res" in line and "✓ tha" in line
    if warning and columns >= 60:  # a warning is never dropped where the checklist fits
        assert any(w in line for w in ("no sound", "clipping"))
        assert "[" in line  # nor is the meter


def test_wide_terminals_show_the_parts_by_name_and_the_whole_warning():
    meter = Meter(60, heard=lambda: ("fit",), width=lambda: 200)
    line = meter.line(Level(5.0, -20.0, True, NO_SOUND))
    assert "· interest  ✓ fit  · reservations  · thanks" in line and NO_SOUND in line


def test_parts_are_ticked_as_they_are_heard():
    heard: list[str] = []
    meter = Meter(60, heard=lambda: heard, width=lambda: 100)
    assert "✓" not in meter.line(Level(1.0, -30.0, True, None))
    heard.append("reservations")
    assert "✓ reservations" in meter.line(Level(9.0, -30.0, True, None))


def test_reports_at_a_terminal_wrap_at_words_and_elsewhere_stay_whole(monkeypatch):
    from voiceclose.cli.terminal import fitted

    class Screen:
        def __init__(self, tty: bool):
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    monkeypatch.setenv("COLUMNS", "60")
    line = "        Tip: Link one of those to something you've done, with a result, in e-bikes."
    wrapped = fitted("  Missed:\n" + line, Screen(True)).splitlines()
    assert wrapped[0] == "  Missed:" and all(len(w) <= 59 for w in wrapped)
    assert wrapped[1].startswith("        Tip:") and wrapped[2].startswith("          ")
    assert " ".join(w.strip() for w in wrapped[1:]) == line.strip()  # no word broken or lost
    assert fitted(line, Screen(False)) == line  # a file or a pipe gets the line whole
