"""Native libraries' own messages kept off the terminal.

libmpg123 (inside libsndfile) prints notes and errors about a broken MP3 straight to file
descriptor 2, and PortAudio, ALSA and PulseAudio do the same about devices. voiceclose describes
every problem in its own one line, so those writes are sent to /dev/null while native code runs.
Python's own ``sys.stderr`` keeps reaching the terminal meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

STDERR_FD = 2

_lock = threading.Lock()
_depth = 0  # callers inside the silence now (threads and nested calls share one silence)
_saved_fd: int | None = None  # the real file descriptor 2 while silenced
_saved_stream = None  # sys.stderr before it was pointed at _saved_fd, to put back


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send whatever native code writes to file descriptor 2 to /dev/null until the block ends.

    Nested and concurrent uses share one silence, undone when the last of them ends.
    """
    _enter()
    try:
        yield
    finally:
        _leave()


def _enter() -> None:
    global _depth, _saved_fd, _saved_stream
    with _lock:
        _depth += 1
        if _depth > 1:
            return
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        try:
            _saved_fd = os.dup(STDERR_FD)
            devnull = os.open(os.devnull, os.O_WRONLY)
        except OSError:  # no file descriptor 2, or none left: nothing to silence
            _saved_fd = None
            return
        os.dup2(devnull, STDERR_FD)
        os.close(devnull)
        if _writes_to_fd2(sys.stderr):
            _saved_stream = sys.stderr
            sys.stderr = os.fdopen(os.dup(_saved_fd), "w", buffering=1, errors="replace")


def _leave() -> None:
    global _depth, _saved_fd, _saved_stream
    with _lock:
        _depth -= 1
        if _depth > 0 or _saved_fd is None:
            return
        if _saved_stream is not None:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
                sys.stderr.close()
            sys.stderr = _saved_stream
            _saved_stream = None
        os.dup2(_saved_fd, STDERR_FD)
        os.close(_saved_fd)
        _saved_fd = None


def _writes_to_fd2(stream) -> bool:
    """Whether ``stream`` is the process's file descriptor 2 (not a test's capture, say)."""
    try:
        return stream.fileno() == STDERR_FD
    except (AttributeError, OSError, ValueError):
        return False
