"""Adds each checked close to the history, and keeps checking when the history cannot be written."""

from __future__ import annotations

from pathlib import Path

from voiceclose.errors import HistoryError
from voiceclose.results import Failure, Result
from voiceclose.store.history import History, open_for_writing


class Keeper:
    """Adds each checked close to the history. If the history cannot be written, the reason is
    kept (to be told once) and the checking goes on without it."""

    def __init__(self, enabled: bool = True, path: Path | None = None, tag: str | None = None):
        self.enabled = enabled
        self.tag = tag
        self._path = path
        self._history: History | None = None
        self.problem: str | None = None
        self._told = False

    def add(self, result: Result) -> int | None:
        """The attempt id the result was stored as, or None (not stored, or a Failure)."""
        if not self.enabled or self.problem or isinstance(result, Failure):
            return None
        try:
            if self._history is None:
                self._history = open_for_writing(self._path)
            return self._history.add(result, tag=self.tag)
        except HistoryError as e:
            self.problem = f"history not saved: {e} (--no-history turns it off)"
            return None

    def warning(self) -> str | None:
        """The problem, the first time it is asked for; None after that."""
        if self.problem and not self._told:
            self._told = True
            return self.problem
        return None

    def close(self) -> None:
        if self._history is not None:
            self._history.close()
            self._history = None
