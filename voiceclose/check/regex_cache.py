"""The phrase data's regular expressions, compiled once per machine instead of once per process.

A transcript needs a hundred or so of the phrase data's expressions, some of them 25,000
characters long once their vocabulary is spelled out; Python's ``re`` spends 0.3 s parsing them in
every process. What the parser produces (the regular expression engine's code) is kept in the
cache directory, keyed by the expression and by the Python and engine version, and later
processes build the compiled pattern from it directly.

The file is used only after it is verified: it starts with its format version and a SHA-256 of
the rest; every entry must have the shape ``_sre.compile`` takes and carry a SHA-256 of its own
expression and code, so an entry moved to another expression is refused even in a file whose
checksum was made again. Anything else (another Python, damage, an edited file) is a miss: the
expression is compiled as usual and the file is written again. The engine also checks the code
it is given.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import marshal
import os
import re
import sys
import tempfile
import threading
from array import array
from pathlib import Path

from voiceclose.paths import cache_dir, cache_unwritable, private_dir

try:  # CPython's regular expression engine, which re.compile itself calls
    import _sre
    from re import _compiler, _parser

    if array("I").itemsize != _sre.CODESIZE:
        _sre = None
except ImportError:  # another Python: compile as usual
    _sre = None

FOLDER = "expressions"
FORMAT = b"voiceclose-expressions 2\n"  # the file's first line; raise when its layout changes
_ENTRY_FIELDS = 6  # flags, code, groups, groupindex, indexgroup, SHA-256 of expression and code
_DIGEST_BYTES = 64 + 1  # the SHA-256 of the rest, in hex, and a newline

_lock = threading.Lock()
_known: dict[str, tuple] | None = None  # key -> what _sre.compile takes, and its binding
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
    if parts is not None and _well_formed(parts) and parts[5] == _binding(regex, parts[1]):
        with contextlib.suppress(Exception):
            return _build(regex, parts)
    parsed = _parser.parse(regex, 0)  # raises re.error for a bad expression, as re.compile does
    groupindex = dict(parsed.state.groupdict)
    indexgroup = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    code = array("I", _compiler._code(parsed, 0)).tobytes()
    groups = parsed.state.groups - 1
    parts = (parsed.state.flags, code, groups, groupindex, indexgroup, _binding(regex, code))
    with _lock:
        _cached()[key] = parts
        if _new == 0:
            atexit.register(save)
        _new += 1
    return _build(regex, parts)


def save() -> None:
    """Write what this process compiled to the cache (best effort: a read-only or full disk
    only means compiling again next time; the problem is recorded for the front end to tell)."""
    global _new
    with _lock:
        if not _new or _known is None:
            return
        payload = marshal.dumps(_known)
        data = FORMAT + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
        if _write(_file, data):
            _new = 0


def _write(path: Path, data: bytes) -> bool:
    """``data`` to ``path`` in one step (a reader never sees half a file); no file is left
    behind when it fails."""
    tmp = None
    try:
        private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".partial")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError as e:
        cache_unwritable(path.parent, e)
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.remove(tmp)


def _read(path: Path) -> dict[str, tuple]:
    """The entries in the cache file, or none when it is missing, damaged or another format."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    head, digest = data[: len(FORMAT)], data[len(FORMAT) : len(FORMAT) + _DIGEST_BYTES]
    payload = data[len(FORMAT) + _DIGEST_BYTES :]
    if head != FORMAT or digest != hashlib.sha256(payload).hexdigest().encode() + b"\n":
        return {}
    try:
        loaded = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _binding(regex: str, code: bytes) -> bytes:
    """What ties an entry to its expression: a SHA-256 of the expression and its code."""
    return hashlib.sha256(regex.encode() + b"\0" + code).digest()


def _well_formed(parts) -> bool:
    """Whether a cache entry has the shape ``_sre.compile`` takes: flags, code, the number of
    groups, and the group names both ways round, consistent with each other."""
    if not isinstance(parts, tuple) or len(parts) != _ENTRY_FIELDS:
        return False
    flags, code, groups, groupindex, indexgroup, _ = parts
    if not (isinstance(flags, int) and isinstance(code, bytes) and isinstance(groups, int)):
        return False
    if not code or len(code) % _sre.CODESIZE or groups < 0:
        return False
    if not isinstance(groupindex, dict) or not isinstance(indexgroup, list | tuple):
        return False
    if len(indexgroup) != groups + 1:
        return False
    if any(name is not None and not isinstance(name, str) for name in indexgroup):
        return False
    return all(
        isinstance(name, str) and isinstance(i, int) and 0 < i <= groups and indexgroup[i] == name
        for name, i in groupindex.items()
    )


def _build(regex: str, parts: tuple) -> re.Pattern:
    flags, code, groups, groupindex, indexgroup, _ = parts
    return _sre.compile(
        regex, flags, array("I", code).tolist(), groups, groupindex, tuple(indexgroup)
    )


def _cached() -> dict[str, tuple]:
    """Keys to engine code; read from the cache file the first time (the lock is held)."""
    global _known, _file
    if _known is None:
        _file = cache_dir() / FOLDER / f"{sys.implementation.cache_tag}-sre{_sre.MAGIC}.marshal"
        _known = _read(_file)
    return _known
