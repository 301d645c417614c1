"""Word timing's median filter, as a sorting network (voiceclose/asr/acceleration.py): the same
numbers as openai-whisper's sort of every window."""

from __future__ import annotations

import pytest

from voiceclose.asr import acceleration


def whisper_s_own(x, width: int = 7):
    """openai-whisper's median_filter on the CPU, as it computes it."""
    import torch

    ndim = x.ndim
    if ndim <= 2:
        x = x[None, None, :]
    x = torch.nn.functional.pad(x, (width // 2, width // 2, 0, 0), mode="reflect")
    result = x.unfold(-1, width, 1).sort()[0][..., width // 2]
    return result[0, 0] if ndim <= 2 else result


@pytest.mark.parametrize("shape", [(6, 40, 300), (1, 3, 5), (2, 11), (1, 4)])
def test_the_median_of_seven_is_whisper_s_exactly(shape):
    import torch

    acceleration.import_whisper()
    import whisper.timing

    assert whisper.timing.median_filter.__name__ == "median_filter_of_seven"
    generator = torch.Generator().manual_seed(len(shape))
    x = torch.randn(*shape, generator=generator)
    x[..., 1:3] = x[..., :1]  # ties, as softmax plateaus give
    assert torch.equal(whisper.timing.median_filter(x, 7), whisper_s_own(x))
    # other widths go to openai-whisper's own
    assert torch.equal(whisper.timing.median_filter(x, 3), whisper_s_own(x, 3))


def whisper_s_dtw(x):
    """openai-whisper's dtw_cpu (whisper/timing.py, compiled there by numba), line for line."""
    import numpy as np

    n, m = x.shape
    cost = np.ones((n + 1, m + 1), dtype=np.float32) * np.inf
    trace = -np.ones((n + 1, m + 1), dtype=np.float32)
    cost[0, 0] = 0
    for j in range(1, m + 1):
        for i in range(1, n + 1):
            c0, c1, c2 = cost[i - 1, j - 1], cost[i - 1, j], cost[i, j - 1]
            if c0 < c1 and c0 < c2:
                c, t = c0, 0
            elif c1 < c0 and c1 < c2:
                c, t = c1, 1
            else:
                c, t = c2, 2
            cost[i, j] = x[i - 1, j - 1] + c
            trace[i, j] = t
    i, j = trace.shape[0] - 1, trace.shape[1] - 1
    trace[0, :], trace[:, 0] = 2, 1
    path = []
    while i > 0 or j > 0:
        path.append((i - 1, j - 1))
        i, j = (
            (i - 1, j - 1) if trace[i, j] == 0 else (i - 1, j) if trace[i, j] == 1 else (i, j - 1)
        )
    return np.array(path)[::-1, :].T


@pytest.mark.parametrize("shape", [(12, 150), (30, 40), (1, 9), (9, 1), (5, 5)])
def test_the_time_warping_path_is_whisper_s_exactly(shape):
    import numpy as np

    rng = np.random.default_rng(sum(shape))
    x = -np.abs(rng.standard_normal(shape))
    whole = -rng.integers(0, 3, shape).astype(np.float64)  # equal costs: the order of preference
    for matrix in (x, whole, np.zeros(shape)):
        assert np.array_equal(acceleration.dtw(matrix.copy()), whisper_s_dtw(matrix))
