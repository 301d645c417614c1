"""History rows read back into results, refusing rows that are damaged.

SQLite and JSON keep whatever they are given: a damaged or hand-edited history row can fail to
parse, or parse and still hold a number where a name belongs, or a list where a part's result
belongs. Such a row is refused as damaged (``DamagedRow``) when it is read, checked against the
types its dataclass declares, instead of failing later where it is shown.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Sequence
from typing import Any

from voiceclose.results import Attempt, ElementResult, Report
from voiceclose.results_json import report_from_json

MAX_DEPTH = 8  # results nest a few levels; deeper values are not results


class DamagedRow(Exception):
    """A row whose columns do not hold what voiceclose wrote there."""


def attempt_from_row(row: Sequence, elements: dict[str, ElementResult]) -> Attempt:
    """The attempt in ``row``; DamagedRow if a column does not parse or has the wrong type."""
    try:
        attempt = Attempt(
            id=row[0],
            created_at=row[1],
            source=row[2],
            recording=row[3],
            kind=row[4],
            scenario=row[5],
            model=row[6],
            duration_s=row[7],
            complete=bool(row[8]),
            missed=json.loads(row[9]),
            elements=elements,
            words_per_minute=row[10],
            fillers=row[11],
            extras=json.loads(row[12]),
            tag=row[13] if len(row) > 13 else None,
        )
        attempt.local_time  # noqa: B018 - the time must parse: every listing shows it
    except (ValueError, TypeError) as e:
        raise DamagedRow(f"{type(e).__name__}: {e}") from e
    if not conforms(attempt):
        raise DamagedRow("a column holds the wrong kind of value")
    return attempt


def report_from_column(column) -> Report:
    """The whole report stored with an attempt; DamagedRow if it cannot be read back."""
    try:
        report = report_from_json(json.loads(column))
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise DamagedRow(f"its report: {type(e).__name__}: {e}") from e
    if not conforms(report):
        raise DamagedRow("its report holds the wrong kind of value")
    return report


def conforms(value: Any) -> bool:
    """Whether the dataclass instance ``value`` and everything in it match its type hints."""
    return _matches(value, type(value), 0)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _matches(value: Any, hint: Any, depth: int) -> bool:
    if depth > MAX_DEPTH:
        return False
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg, depth) for arg in args)
    if origin is typing.Literal:
        return value in args
    if origin in (list, tuple) or hint in (list, tuple):
        if not isinstance(value, list | tuple):
            return False
        inner = args[0] if args else Any
        return all(_matches(v, inner, depth + 1) for v in value)
    if origin is dict or hint is dict:
        key, item = args if args else (Any, Any)
        return isinstance(value, dict) and all(
            _matches(k, key, depth + 1) and _matches(v, item, depth + 1) for k, v in value.items()
        )
    if dataclasses.is_dataclass(hint):
        return isinstance(value, hint) and all(
            _matches(getattr(value, name), field_hint, depth + 1)
            for name, field_hint in _hints(hint).items()
        )
    return _scalar(value, hint)


def _scalar(value: Any, hint: Any) -> bool:
    if hint is float:  # JSON writes 3.0 as 3
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(hint, type) and isinstance(value, hint)
