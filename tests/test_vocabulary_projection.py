"""The int8 vocabulary projection (voiceclose/asr/acceleration.py): a row's logits do not depend
on the rows beside it, so a window decodes the same alone and in any batch."""

from __future__ import annotations

import types

import pytest

from voiceclose.asr import acceleration


@pytest.fixture(scope="module")
def decoder():
    """A stand-in for a decoder holding a 4,000-word projection, quantised as the model's is."""
    import torch

    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(4000, 64, generator=generator) * 0.05
    projection = acceleration._int8_linear(weight, None)
    return types.SimpleNamespace(
        weight=weight,
        voiceclose_logits=projection,
        voiceclose_logit_sums=acceleration._row_sums(projection),
    )


def rows(n: int, seed: int):
    import torch

    return torch.randn(n, 1, 64, generator=torch.Generator().manual_seed(seed))


def test_a_row_s_logits_are_the_same_alone_and_beside_a_louder_row(decoder):
    import torch

    x = rows(2, 1)
    x[1] = x[1] * 4 + 1  # another window's state, on another scale
    alone = acceleration.vocabulary_logits(decoder, x[:1])
    together = acceleration.vocabulary_logits(decoder, x)
    assert torch.equal(alone[0], together[0])
    # the projection quantising the whole input with one scale gave different numbers
    plain = decoder.voiceclose_logits
    assert not torch.equal(plain(x[:1])[0], plain(x)[0])


def test_each_position_of_the_first_step_is_quantised_on_its_own(decoder):
    import torch

    x = torch.cat([rows(1, 2), rows(1, 3) * 3, rows(1, 4) - 2], dim=1)  # (1 window, 3 tokens)
    every = acceleration.vocabulary_logits(decoder, x)
    for n in range(3):
        assert torch.equal(
            acceleration.vocabulary_logits(decoder, x[:, n : n + 1])[0, 0], every[0, n]
        )


def test_the_logits_stay_near_full_precision(decoder):
    x = rows(8, 5)
    exact = x @ decoder.weight.T
    got = acceleration.vocabulary_logits(decoder, x)
    alone = decoder.voiceclose_logits(x[:1])  # the projection's own error on one row
    assert (got - exact).abs().max() < 0.05 * exact.abs().max()
    assert (got[0] - exact[0]).abs().max() <= 1.5 * (alone[0] - exact[0]).abs().max()


def test_a_row_of_one_value_gives_numbers(decoder):
    import torch

    x = torch.full((1, 1, 64), 0.5)
    got = acceleration.vocabulary_logits(decoder, x)
    assert torch.isfinite(got).all()
    assert torch.allclose(got[0, 0], 0.5 * decoder.voiceclose_logit_sums, atol=1e-3)
