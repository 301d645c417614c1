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
