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

    before = torch.get_num_threads()
    with compute_thread.on_one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    # the compute thread keeps its own count whatever other threads did first
    assert compute_thread.run(torch.get_num_threads) == before
    with compute_thread.on_one_thread():
        assert compute_thread.run(torch.get_num_threads) == before


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
