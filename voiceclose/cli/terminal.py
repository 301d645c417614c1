"""What the command line does to the terminal: a live level meter, and PortAudio's own noise
kept off the screen."""

from __future__ import annotations

import shutil
import sys
import textwrap

# PortAudio, ALSA and PulseAudio write their own diagnostics straight to file descriptor 2; the
# core's helper keeps those out of voiceclose's one-line messages (practice and devices use it).
from voiceclose.audio.native import native_stderr_silenced  # noqa: F401 - for the commands

# Warnings shortened to fit beside the checklist, by how the full warning begins.
SHORT_WARNINGS = {
    "clipping": "clipping: move back",
    "no sound": "no sound: muted mic?",
    "very quiet": "too quiet: speak up",
}
TINY_WARNINGS = {"clipping": "clipping", "no sound": "no sound", "very quiet": "too quiet"}
PARTS_LONG = {
    "interest": "interest",
    "fit": "fit",
    "reservations": "reservations",
    "thanks": "thanks",
}
PARTS_SHORT = {"interest": "int", "fit": "fit", "reservations": "res", "thanks": "tha"}
BAR_WIDTHS = (24, 12, 8, 4)  # the level bar shrinks before anything else goes


class Meter:
    """One line on the terminal: the timer, the four parts of a close (ticked as each is heard;
    ``parts=False`` for an answer to the interviewer's concern, which has other parts), the level
    meter and any warning. The line always fits the terminal's width, so it never wraps (a
    wrapped line would add a line at every refresh)."""

    WIDTH = BAR_WIDTHS[0]

    def __init__(self, suggested_s: float, heard=None, width=None, parts: bool = True):
        self.suggested_s = suggested_s
        self.heard = heard or (lambda: ())  # the parts heard so far
        self.parts = parts
        self._width = width or (lambda: shutil.get_terminal_size((80, 24)).columns)

    def show(self, level) -> None:
        print(f"\r\033[K{self.line(level)}", end="", file=sys.stderr, flush=True)

    def line(self, level) -> str:
        """The meter's line for ``level``, no wider than the terminal less one column."""
        room = max(10, self._width() - 1)
        heard = set(self.heard())
        timer = f"● {_clock(level.elapsed_s)} / {_clock(self.suggested_s)}"
        over = "past the suggested length" if level.elapsed_s > self.suggested_s else ""
        full_note = level.warning or over
        short_note = _short(level.warning) if level.warning else ("over time" if over else "")
        tiny_note = _short(level.warning, TINY_WARNINGS) if level.warning else ""
        for names, bar, db, note in (
            (PARTS_LONG, 24, True, full_note),
            (PARTS_LONG, 24, True, short_note),
            (PARTS_LONG, 12, True, short_note),
            (PARTS_SHORT, 12, True, short_note),
            (PARTS_SHORT, 8, False, short_note),
            (PARTS_SHORT, 4, False, tiny_note),  # a warning outlasts the meter's width...
            (PARTS_SHORT, 0, False, short_note),
            (PARTS_SHORT, 0, False, tiny_note),
            (PARTS_SHORT, 0, False, ""),  # ...and goes only where nothing else would fit
        ):
            checklist = _checklist(names, heard) if self.parts else ""
            text = _layout(timer, checklist, level, bar, db, note)
            if len(text) <= room:
                return text
        return text[: room - 1] + "…"

    def clear(self) -> None:
        print("\r\033[K", end="", file=sys.stderr, flush=True)


def _layout(timer: str, checklist: str, level, bar_width: int, db: bool, note: str) -> str:
    parts = [timer, checklist] if checklist else [timer]
    if bar_width:
        filled = max(0, min(bar_width, int((level.level_dbfs + 60) / 60 * bar_width)))
        meter = "[" + "█" * filled + "·" * (bar_width - filled) + "]"
        parts.append(meter + (f" {level.level_dbfs:6.1f} dB" if db else ""))
    if note:
        parts.append(note)
    return "  ".join(parts)


def _checklist(names: dict[str, str], heard: set[str]) -> str:
    gap = "  " if names is PARTS_LONG else " "
    return gap.join(f"{'✓' if part in heard else '·'} {name}" for part, name in names.items())


def _short(warning: str, forms: dict[str, str] = SHORT_WARNINGS) -> str:
    for start, short in forms.items():
        if warning.startswith(start):
            return short
    return warning.split(":")[0]


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def fitted(text: str, stream=None) -> str:
    """``text`` as it should be printed to ``stream``: at a terminal, each long line wrapped at
    word boundaries to the terminal's width (its indent kept, continued two spaces further in),
    so no word is broken across lines; unchanged anywhere else (files, pipes)."""
    stream = stream or sys.stdout
    if not stream.isatty():
        return text
    width = shutil.get_terminal_size().columns - 1
    lines = []
    for line in text.split("\n"):
        indent = line[: len(line) - len(line.lstrip(" "))]
        if len(line) <= width or width < len(indent) + 20:
            lines.append(line)
            continue
        lines.extend(
            textwrap.wrap(
                line.strip(),
                width,
                initial_indent=indent,
                subsequent_indent=indent + "  ",
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)
