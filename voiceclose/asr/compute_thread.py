"""One thread for all of a process's transcription, so torch's OpenMP threads never throttle.

torch computes on a team of OpenMP threads, and libgomp gives every thread that calls torch a
team of its own. Once a process holds more of those threads than the machine has cores (on 2
cores: a second thread that has transcribed anything), libgomp stops spinning at each barrier
and every one of the thousands of small operations in a decoding step waits for a sleeping
thread to wake: a one-minute close took 2.2 s instead of 1.0 on the 2-core machine (a linear
layer of one decoding step 83 us instead of 13), in the thread that had transcribed before as
much as in the new one, for as long as both threads lived.

The app checks uploads on a pool of threads, a practice transcribes while it records and checks
at Stop, the CLI transcribes a practice's pieces beside its main thread: each ``transcribe``
(and the semantic signal's sentences, embedded once the words are in) runs here instead, on
one long-lived thread, one at a time (two at once would share the same 2 cores anyway). The
caller waits; Ctrl-C still reaches it at once, and the work it was waiting for stops at its
next decoding step (``check_cancelled``) before the caller goes on: a process
that ends while this thread is inside torch aborts ("terminate called without an active
exception"). For the same reason a process that is ending gives up the work under way here.

The little torch work done elsewhere (following speech frame by frame while recording, silero's
import) runs ``on_one_thread``: one OpenMP thread, so no team of its own (a recording's speech
follower slowed the transcription beside it 7-fold: 0.34 s for 3,000 small linear layers
instead of 0.045).
"""

from __future__ import annotations

import atexit
import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")

ENDING_WAIT_S = 10.0  # how long a process that is ending waits for the work here to stop

_jobs: queue.SimpleQueue = queue.SimpleQueue()
_started = threading.Lock()
_thread: threading.Thread | None = None
_running = threading.local()  # on the compute thread: the job's "given up" event
_idle = threading.Event()  # set while no job is running
_idle.set()
_ending = threading.Event()


class Cancelled(Exception):
    """The work was given up: whoever waited for it was interrupted, or the process is ending."""


# torch.set_num_threads also sets the count that threads starting on torch afterwards take:
# it is changed, and the compute thread takes its own, only under this lock
_thread_count = threading.RLock()


def run(function: Callable[..., T], *args, **kwargs) -> T:
    """``function(*args, **kwargs)``, computed on the compute thread (directly when called
    there); its exception, if it raises, is raised here."""
    if threading.current_thread() is _thread:
        return function(*args, **kwargs)
    _start()
    done: Future = Future()
    given_up = threading.Event()
    _jobs.put((done, given_up, function, args, kwargs))
    try:
        return done.result()
    except KeyboardInterrupt:
        given_up.set()
        done.exception()  # wait for it to stop (a second Ctrl-C ends this wait too)
        raise


def check_cancelled() -> None:
    """Raise Cancelled when the work running on the compute thread has been given up (called
    between decoding steps; elsewhere it does nothing)."""
    given_up = getattr(_running, "given_up", None)
    if given_up is not None and (given_up.is_set() or _ending.is_set()):
        raise Cancelled


def _start() -> None:
    global _thread
    with _started:
        if _thread is None:
            # a daemon: a process that is told to stop does not wait for a transcription
            _thread = threading.Thread(target=_work, daemon=True, name="voiceclose-compute")
            _thread.start()
            atexit.register(_give_up)


def _give_up() -> None:
    """At exit: stop the work under way, and wait (a while) until this thread is out of torch."""
    _ending.set()
    _idle.wait(ENDING_WAIT_S)


@contextlib.contextmanager
def on_one_thread() -> Iterator[None]:
    """torch work done on one OpenMP thread (see the module), the thread's count put back
    after (on the compute thread too: silero_vad sets one thread when imported)."""
    import torch

    with _thread_count:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


def _work() -> None:
    import torch

    with _thread_count:
        torch.get_num_threads()  # this thread's count is fixed now: torch's own, never one
    while True:
        done, given_up, function, args, kwargs = _jobs.get()
        if not done.set_running_or_notify_cancel():
            continue
        _idle.clear()
        _running.given_up = given_up
        try:
            if given_up.is_set() or _ending.is_set():
                raise Cancelled
            done.set_result(function(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - handed to the caller, who raises it
            done.set_exception(e)
        finally:
            _running.given_up = None
            _idle.set()
