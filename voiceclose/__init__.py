"""voiceclose: rehearse the close of a job interview out loud, and learn what it missed."""

import os

__version__ = "0.1.0"

# torch's OpenMP threads spin at each barrier for GOMP_SPINCOUNT rounds (300,000 by default) before
# they sleep. When other programs hold the cores, a spinning thread burns the time slice its partner
# needs, and a transcription of a one-minute close took 5-44 s instead of 2 on the 2-core
# machine; 10,000 rounds cost nothing when idle and remove those stalls
# (benchmarks/busy_machine.py).
# libgomp reads it once, when torch is first imported, which happens after this package is.
os.environ.setdefault("GOMP_SPINCOUNT", "10000")
