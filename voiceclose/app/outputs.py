"""What check and practice write besides the report: the history, CSV rows, and the page.

Every front end (the CLI, the app) hands each result to ``Outputs.add`` as it is checked and calls
``finish`` at the end; problems (the history or a cache that cannot be written) come back as one
line each, each told once, for the front end to show.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from voiceclose.app.pages import write_page
from voiceclose.check import regex_cache
from voiceclose.errors import OutputError, UsageError
from voiceclose.paths import cache_failures, cache_problem, private_file, samples_dir
from voiceclose.report.page import Page, check_target
from voiceclose.report.wording import counted
from voiceclose.report.writers import CsvWriter
from voiceclose.results import Result
from voiceclose.store.keeper import Keeper

MAX_TAG = 64  # characters in a --tag label


class Outputs:
    """The history (unless ``history`` is False), a CSV file and an HTML page, each optional.

    With ``answers`` (``check --concern``: answers to the interviewer's concern checked on their
    own), nothing is stored, the CSV has the answer's columns and the page has no chart of closes.
    """

    def __init__(
        self,
        history: bool = True,
        csv_path: Path | None = None,
        html: Path | None = None,
        tag: str | None = None,
        answers: bool = False,
    ):
        self.answers = answers
        self.keeper = Keeper(enabled=history and not answers, tag=check_tag(tag))
        self.tag = self.keeper.tag
        self.samples_not_stored = 0  # bundled samples checked: demonstration, not the user's
        self.html = html
        self.csv_path = csv_path
        self.results: list[Result] = []
        self.attempt_ids: list[int | None] = []
        self._csv = None
        self._csv_writer = CsvWriter(answers=answers)
        self._csv_problem: str | None = None
        self._cache_failures = cache_failures()  # problems before these outputs are not ours
        self._cache_told = False
        if html:
            check_target(html)  # fail now, not after a long batch
        if csv_path:
            try:  # Excel reads UTF-8 only with the byte-order mark
                # the user's only: it holds what people said (opened row by row, closed in finish)
                self._csv = open(  # noqa: SIM115
                    csv_path, "w", encoding="utf-8-sig", newline="", opener=private_file
                )
                self._write_csv(self._csv_writer.header())
            except OSError as e:
                raise OutputError(f"cannot write {csv_path} ({e.strerror or e})") from e

    def add(self, result: Result) -> list[str]:
        """Store ``result`` (before it is printed: a printed line is in the history) and add its
        CSV row; returns the problems not told yet (see ``warnings``)."""
        self.results.append(result)
        if self.answers:
            self.attempt_ids.append(None)  # not stored: see the class
        elif is_sample(result):
            self.samples_not_stored += 1
            self.attempt_ids.append(None)
        else:
            self.attempt_ids.append(self.keeper.add(result))
        if self._csv and not self._csv_problem:
            try:
                self._write_csv(self._csv_writer.result(result))
            except OSError as e:
                rows = len(self.results) - 1
                self._csv_problem = f"{e.strerror or e}; the CSV stops after {counted(rows, 'row')}"
        return self.warnings()

    def warnings(self) -> list[str]:
        """Problems not told yet, one line each: the history cannot be written, a cache cannot
        be written (checking goes on without either). Each is returned once."""
        found = [self.keeper.warning()]
        problem = cache_problem(after=self._cache_failures)
        if problem and not self._cache_told:
            self._cache_told = True
            found.append(problem)
        return [w for w in found if w]

    @property
    def last_attempt_id(self) -> int | None:
        return self.attempt_ids[-1] if self.attempt_ids else None

    def _write_csv(self, row: str) -> None:
        self._csv.write(row)
        self._csv.flush()  # rows so far survive a batch that is stopped

    def finish(self) -> Page | None:
        """Close the history and the CSV and write the page; returns the page, if one was asked
        for. Raises OutputError if the CSV or the page could not be written."""
        regex_cache.save()  # now, not at exit: a problem writing it can still be told
        self.keeper.close()
        if self._csv:
            with contextlib.suppress(OSError):
                self._csv.close()
        if self._csv_problem:
            raise OutputError(f"cannot write {self.csv_path} ({self._csv_problem})")
        if self.html:
            return write_page(
                self.html, self.results, self.attempt_ids, tag=self.tag, chart=not self.answers
            )
        return None


def check_tag(tag: str | None) -> str | None:
    """``tag`` tidied, or UsageError: a label is a short line of printable text."""
    if tag is None:
        return None
    tidy = " ".join(tag.split())
    if not tidy or len(tidy) > MAX_TAG or not tidy.isprintable():
        raise UsageError(f"a tag is up to {MAX_TAG} printable characters, not {tag!r}")
    return tidy


def is_sample(result: Result) -> bool:
    """Whether ``result`` is one of the bundled sample closes (a demonstration, not stored)."""
    samples = samples_dir()
    if not samples.is_dir():
        return False
    try:
        path = Path(result.source).resolve()
    except (OSError, ValueError):
        return False
    return path.is_relative_to(samples.resolve())
