"""The command line's exit statuses, and the one a set of results earns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voiceclose.results import Result

EXIT_COMPLETE = 0  # every input checked, and complete
EXIT_MISSED = 1  # every input checked, something missed
EXIT_USAGE = 2  # the command line asks for something that cannot work
EXIT_FAILED = 3  # at least one input could not be checked
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


def exit_status(results: Sequence[Result]) -> int:
    if any(not r.ok for r in results):
        return EXIT_FAILED
    if any(r.missed for r in results):
        return EXIT_MISSED
    return EXIT_COMPLETE
