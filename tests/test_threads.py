"""torch's OpenMP threads are told to stop spinning early, before torch is first imported."""

import os
import subprocess
import sys

PROBE = (
    "import sys, os; from voiceclose.asr import weights; import torch; "
    "print(os.environ['GOMP_SPINCOUNT'], torch.get_num_threads() > 0)"
)


def _probe(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_spin_count_is_set_before_torch_loads():
    spin, torch_loaded = _probe()
    assert spin == "10000" and torch_loaded == "True"
    bare = subprocess.run(
        [sys.executable, "-c", "import sys, voiceclose; print('torch' in sys.modules)"],
        capture_output=True,
        text=True,
    )
    assert bare.stdout.strip() == "False", "voiceclose's own import must not load torch"


def test_a_spin_count_the_user_set_is_kept():
    assert _probe(GOMP_SPINCOUNT="500")[0] == "500"
