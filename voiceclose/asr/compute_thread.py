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

On a busy machine (other programs on the cores) two OpenMP threads wait for each other at every
barrier while one of them is not running: the 56-s close took 4.3-6.9 s on two threads with two
other processes spinning, against 2.5-3.1 s on one. So before each job the thread count is set
from what other programs used of the CPU in the last second (``MachineLoad``, read from
/proc/stat): the cores they leave free, at least one, at most torch's own count.

The little torch work done elsewhere (following speech frame by frame while recording, silero's
import) runs ``on_one_thread``: one OpenMP thread, so no team of its own (a recording's speech
follower slowed the transcription beside it 7-fold: 0.34 s for 3,000 small linear layers
instead of 0.045).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")

ENDING_WAIT_S = 10.0  # how long a process that is ending waits for the work here to stop
LOAD_EVERY_S = 0.25  # how often the machine's load is read...
LOAD_OVER_S = 1.0  # ...and over how long it is taken

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
    between decoding steps; elsewhere it does nothing). There, the thread count also follows
    the machine's load (at most every LOAD_EVERY_S)."""
    given_up = getattr(_running, "given_up", None)
    if given_up is not None and (given_up.is_set() or _ending.is_set()):
        raise Cancelled
    if given_up is not None:
        _fit_threads()


def _start() -> None:
    global _thread
    with _started:
        if _thread is None:
            # a daemon: a process that is told to stop does not wait for a transcription
            watch_load()
            _thread = threading.Thread(target=_work, daemon=True, name="voiceclose-compute")
            _thread.start()
            atexit.register(_give_up)


def watch_load() -> None:
    """Start reading the machine's load, if not yet started: early (as a model starts loading),
    so the first job already knows it (a first transcription on two threads of a busy machine
    took 19.5 s once, the next ones 3.4-3.8)."""
    _load.start()


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
        _counts["own"] = _counts["now"] = torch.get_num_threads()  # fixed now: torch's own
    while True:
        done, given_up, function, args, kwargs = _jobs.get()
        if not done.set_running_or_notify_cancel():
            continue
        _idle.clear()
        _fit_threads(at_once=True)
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


_counts = {"own": 1, "now": 1, "fitted_at": 0.0}  # the compute thread's: torch's own, now


def _fit_threads(at_once: bool = False) -> None:
    """On the compute thread: as many torch threads as other programs leave cores free."""
    now = time.monotonic()
    if not at_once and now - _counts["fitted_at"] < LOAD_EVERY_S:
        return
    _counts["fitted_at"] = now
    wanted = threads_for(_load.others_cores(), _counts["own"])
    if wanted != _counts["now"]:
        import torch

        with _thread_count:
            torch.set_num_threads(wanted)
        _counts["now"] = wanted


def threads_for(others_cores: float | None, own: int, cores: int | None = None) -> int:
    """Threads for the next job: the cores other programs leave free (rounded), at least one
    and at most ``own`` (torch's count); ``own`` when their use is not known."""
    if others_cores is None:
        return own
    cores = cores or os.cpu_count() or own
    return max(1, min(own, round(cores - others_cores)))


class MachineLoad:
    """What programs other than this process use of the CPU, read from /proc/stat every
    LOAD_EVERY_S (in a thread of its own) and taken over the last LOAD_OVER_S."""

    def __init__(self, read=None):
        self._read = read or _read_proc
        self._samples: deque = deque(maxlen=int(LOAD_OVER_S / LOAD_EVERY_S) + 1)
        self._lock = threading.Lock()
        self._started = False

    def start(self) -> None:
        """Read the load from now on (once: later calls do nothing)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        if self.sample():
            threading.Thread(target=self._run, daemon=True, name="voiceclose-load").start()

    def _run(self) -> None:
        while self.sample():
            time.sleep(LOAD_EVERY_S)

    def sample(self) -> bool:
        """Take one reading; False where the load cannot be read (not Linux, no /proc)."""
        reading = self._read()
        if reading is not None:
            with self._lock:
                self._samples.append(reading)
        return reading is not None

    def others_cores(self) -> float | None:
        """Cores' worth of CPU that other programs used over the last readings (None: not
        known yet)."""
        with self._lock:
            if len(self._samples) < 2:
                return None
            (t0, busy0, own0), (t1, busy1, own1) = self._samples[0], self._samples[-1]
        if t1 - t0 <= 0:
            return None
        return max(0.0, (busy1 - busy0) - (own1 - own0)) / (t1 - t0)


def _read_proc() -> tuple[float, float, float] | None:
    """(now, CPU seconds all programs have used, CPU seconds this process has used), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:9]]
        with open("/proc/self/stat") as f:
            own = f.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    # user nice system idle iowait irq softirq steal: all but idle and iowait is work (steal
    # too: time the hypervisor gave to other machines is time this one's threads did not run)
    busy = sum(fields) - fields[3] - fields[4]
    return time.monotonic(), busy / tick, (int(own[11]) + int(own[12])) / tick


_load = MachineLoad()
