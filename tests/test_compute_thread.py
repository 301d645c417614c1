"""All transcription on one thread, and torch work elsewhere on one OpenMP thread (see
voiceclose/asr/compute_thread.py): libgomp throttles every team once a process holds more of
its threads than the machine has cores."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from voiceclose.asr import compute_thread


class Idle:
    """A machine with nothing else running (the thread count then is torch's own)."""

    def start(self) -> None:
        pass

    def others_cores(self) -> float:
        return 0.0


@pytest.fixture(autouse=True)
def quiet_machine(monkeypatch):
    """The compute thread's count as on an idle machine, whatever else runs here meanwhile."""
    monkeypatch.setattr(compute_thread, "_load", Idle())


def test_work_from_any_thread_runs_on_one_thread_and_returns_or_raises_there():
    names = []

    def work(n):
        names.append(threading.current_thread().name)
        return n * 2

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda n: compute_thread.run(work, n), range(8))) == list(
            range(0, 16, 2)
        )
    assert compute_thread.run(work, 5) == 10  # and from the main thread
    assert set(names) == {"voiceclose-compute"}

    def fails():
        raise ValueError("bad audio")

    with pytest.raises(ValueError, match="bad audio"):
        compute_thread.run(fails)
    # a call made on the compute thread runs at once (waiting for itself would never end)
    assert compute_thread.run(lambda: compute_thread.run(work, 1)) == 2


def test_elsewhere_torch_runs_on_one_thread_and_the_count_is_put_back():
    import torch

    own = compute_thread.run(torch.get_num_threads)
    before = torch.get_num_threads()  # this thread's (an earlier test may have set it)
    with compute_thread.on_one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    # the compute thread keeps its own count whatever other threads did first
    assert compute_thread.run(torch.get_num_threads) == own
    with compute_thread.on_one_thread():
        assert compute_thread.run(torch.get_num_threads) == own


def _native_threads() -> int:
    return len(os.listdir(f"/proc/{os.getpid()}/task"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux's /proc")
def test_a_recording_s_speech_follower_starts_no_team_of_threads():
    """The follower runs Silero frame by frame in the recorder's thread: that thread must not
    get OpenMP threads of its own (the transcription beside it ran 7 times slower)."""
    import torch

    from voiceclose.audio.voice_activity import SpeechFollower

    # the compute thread itself is not counted below; its count is torch's default
    default = compute_thread.run(torch.get_num_threads)
    speech = (0.3 * np.sin(np.arange(16000 * 2) * 2 * np.pi * 220 / 16000)).astype(np.float32)
    counted, done = [], threading.Event()

    def follow():
        torch.set_num_threads(default)  # as a thread starting on torch takes it
        follower = SpeechFollower()
        for start in range(0, len(speech), 1600):
            follower.feed(speech[start : start + 1600])
        counted.append(_native_threads())
        done.wait(5)

    before = _native_threads()
    worker = threading.Thread(target=follow)
    worker.start()
    while not counted and worker.is_alive():
        worker.join(0.01)
    done.set()
    worker.join()
    assert counted == [before + 1]  # the follower's thread, and nothing started by it


def test_speech_detection_on_the_compute_thread_leaves_it_its_threads():
    """silero_vad sets torch to one thread when it is imported: imported on the compute thread
    (the first transcription of a process) it must not leave every transcription after it on
    one thread."""
    import sys

    import torch

    from voiceclose.audio import voice_activity

    default = compute_thread.run(torch.get_num_threads)
    for name in [m for m in sys.modules if m == "silero_vad" or m.startswith("silero_vad.")]:
        del sys.modules[name]  # imported afresh, as in a new process
    voice_activity._silero.cache_clear()
    speech = (0.3 * np.sin(np.arange(16000) * 2 * np.pi * 220 / 16000)).astype(np.float32)
    compute_thread.run(voice_activity.detect_speech, speech)
    assert compute_thread.run(torch.get_num_threads) == default


def test_ctrl_c_while_waiting_stops_the_work_before_the_caller_goes_on():
    """A process must never end while the compute thread is inside torch (it aborts): the work
    a Ctrl-C'd caller waited for stops at its next decoding step, then the caller gets the
    KeyboardInterrupt."""
    import signal
    import time

    steps, stopped = [], threading.Event()

    def decoding():
        try:
            while True:
                compute_thread.check_cancelled()
                steps.append(1)
                time.sleep(0.01)
        finally:
            stopped.set()

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        with pytest.raises(KeyboardInterrupt):
            compute_thread.run(decoding)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert stopped.is_set() and steps  # it had begun, and it was over before run() returned
    assert compute_thread.run(lambda: "free again") == "free again"
    compute_thread.check_cancelled()  # outside the compute thread: nothing to give up


def test_threads_are_the_cores_other_programs_leave_free():
    assert compute_thread.threads_for(None, 2, cores=2) == 2  # not known: torch's own
    assert compute_thread.threads_for(0.0, 2, cores=2) == 2
    assert compute_thread.threads_for(0.4, 2, cores=2) == 2
    assert compute_thread.threads_for(0.6, 2, cores=2) == 1
    assert compute_thread.threads_for(2.0, 2, cores=2) == 1  # never none
    assert compute_thread.threads_for(2.0, 8, cores=16) == 8  # never more than torch's own
    assert compute_thread.threads_for(11.0, 8, cores=16) == 5


def test_the_load_of_other_programs_leaves_this_process_s_own_out():
    readings = iter([(0.0, 10.0, 1.0), (0.5, 10.9, 1.5), (1.0, 11.8, 2.0)])
    load = compute_thread.MachineLoad(read=lambda: next(readings))
    assert load.others_cores() is None  # nothing read yet
    for _ in range(3):
        load.sample()
    # 1.8 CPU-seconds in 1 s, 1.0 of them this process's own
    assert abs(load.others_cores() - 0.8) < 1e-9
    assert not compute_thread.MachineLoad(read=lambda: None).sample()  # no /proc: not known


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="needs Linux's /proc/stat")
def test_on_a_busy_machine_the_work_runs_on_fewer_threads(monkeypatch):
    """Two other processes spinning on the CPU: the next job runs on the cores they leave (one,
    on a 2-core machine: two threads would wait for each other at every barrier)."""
    import time

    import torch

    from .terminal_session import busy_cpu

    own = compute_thread.run(torch.get_num_threads)  # an idle machine's (quiet_machine)
    cores = os.cpu_count() or own
    load = compute_thread.MachineLoad()  # the real one, read from /proc/stat
    with busy_cpu(2):
        load.start()
        monkeypatch.setattr(compute_thread, "_load", load)
        time.sleep(compute_thread.LOAD_OVER_S + 4 * compute_thread.LOAD_EVERY_S)
        busy = compute_thread.run(torch.get_num_threads)
    assert load.others_cores() is not None
    assert (busy <= max(1, cores - 1) and busy < own) or own == 1, (busy, own, cores)


def test_once_the_machine_is_quiet_again_the_work_has_all_its_threads(monkeypatch):
    import torch

    own = compute_thread.run(torch.get_num_threads)
    busy = [(0.0, 0.0, 0.0), (1.0, 2.0, 0.0)]  # two cores' worth, none of it this process's
    monkeypatch.setattr(
        compute_thread, "_load", compute_thread.MachineLoad(read=iter(busy).__next__)
    )
    compute_thread._load._started = True  # read here only
    for _ in range(2):
        compute_thread._load.sample()
    assert compute_thread.run(torch.get_num_threads) == max(1, min(own, (os.cpu_count() or 2) - 2))
    monkeypatch.setattr(compute_thread, "_load", Idle())
    assert compute_thread.run(torch.get_num_threads) == own
