"""The phrase data's regular expressions, compiled once per machine instead of once per process.

A transcript needs a hundred or so of the phrase data's expressions, some of them 25,000
characters long once their vocabulary is spelled out; Python's ``re`` spends 0.3 s parsing them in
every process. What the parser produces (the regular expression engine's code) is kept in the
cache directory, keyed by the expression and by the Python and engine version, and later
processes build the compiled pattern from it directly. Anything unexpected in the file (another
Python, damage) means compiling as usual; the engine checks the code it is given.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import marshal
import os
import re
import sys
import threading
from array import array
from pathlib import Path

from voiceclose.paths import cache_dir

try:  # CPython's regular expression engine, which re.compile itself calls
    import _sre
    from re import _compiler, _parser

    if array("I").itemsize != _sre.CODESIZE:
        _sre = None
except ImportError:  # another Python: compile as usual
    _sre = None

FOLDER = "expressions"

_lock = threading.Lock()
_known: dict[str, tuple] | None = None  # key -> what _sre.compile takes, besides the pattern
_file: Path | None = None  # where _known was read from, and goes back to
_new = 0  # expressions compiled in this process and not yet saved


def compile(regex: str) -> re.Pattern:  # noqa: A001 - it is re.compile, remembered
    """``re.compile(regex)``, from the code this machine's cache holds for it when it can."""
    global _new
    if _sre is None:
        return re.compile(regex)
    key = hashlib.sha1(regex.encode()).hexdigest()
    with _lock:
        parts = _cached().get(key)
    if parts is not None:
        with contextlib.suppress(Exception):
            return _build(regex, parts)
    parsed = _parser.parse(regex, 0)  # raises re.error for a bad expression, as re.compile does
    groupindex = dict(parsed.state.groupdict)
    indexgroup = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    code = array("I", _compiler._code(parsed, 0))
    parts = (parsed.state.flags, code.tobytes(), parsed.state.groups - 1, groupindex, indexgroup)
    with _lock:
        _cached()[key] = parts
        if _new == 0:
            atexit.register(save)
        _new += 1
    return _build(regex, parts)


def save() -> None:
    """Write what this process compiled to the cache (best effort: a read-only or full disk
    only means compiling again next time)."""
    global _new
    with _lock:
        if not _new or _known is None:
            return
        path = _file
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
            partial.write_bytes(marshal.dumps(_known))
            os.replace(partial, path)
        except OSError:
            return
        _new = 0


def _build(regex: str, parts: tuple) -> re.Pattern:
    flags, code, groups, groupindex, indexgroup = parts
    return _sre.compile(
        regex, flags, array("I", code).tolist(), groups, groupindex, tuple(indexgroup)
    )


def _cached() -> dict[str, tuple]:
    """Keys to engine code; read from the cache file the first time (the lock is held)."""
    global _known, _file
    if _known is None:
        _known = {}
        _file = cache_dir() / FOLDER / f"{sys.implementation.cache_tag}-sre{_sre.MAGIC}.marshal"
        with contextlib.suppress(Exception):
            loaded = marshal.loads(_file.read_bytes())
            if isinstance(loaded, dict):
                _known = loaded
    return _known
