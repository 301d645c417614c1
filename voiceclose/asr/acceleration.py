"""Make openai-whisper fast on a CPU, without changing what it hears.

Profiling Whisper tiny.en on a 2-core machine shows where the time goes, and each change here
answers one finding:

- Decoding one token reads every decoder weight, and the vocabulary projection alone is 51,864 x
  384 floats (80 MB), four times the rest of the decoder. The work is bound by memory, so that
  projection is quantised to int8 with PyTorch's dynamic quantisation, one scale per vocabulary
  entry (a quarter of the bytes). Its input was quantised with one scale for the whole tensor,
  so a window's logits depended on the windows decoded beside it (on an AMD EPYC the 23-s
  sample's words changed when a shorter window left the batch); each row is now mapped onto the
  same range first, so that it is quantised over its own range, alone or in any batch (and
  nearer full precision). The decoder's own layers and the encoder stay in full
  precision: quantising them saved little time and cost accuracy (word error rate on the
  bundled samples 0.024 with the decoder layers in int8, 0.014 without, 0.013 in full precision;
  the whisper CLI's beam search 0.015), and the encoder in int8 cost macro-F1 on the development
  corpus's audio (0.886 against 0.917).
- Where the CPU computes bfloat16 natively (AVX-512 BF16 or AMX), the decoder's layers multiply
  in bfloat16: half the bytes per token, 0.4-0.6 s less on a 60-second close, and the same words
  (WER on the samples 0.013, as in full precision). The encoder stays in float32: in bfloat16 it
  was no faster and lost words (0.016).
- Every decoding step attends to the window's 1,500 cross-attention keys and values per layer;
  openai-whisper keeps them in a layout that scaled_dot_product_attention copies on every step,
  so they are cached already split into heads (0.2 s less on a 60-second close).
- A decoding step was about seventy module calls with hooks and caches grown by copying:
  decoder_steps.py takes each step as plain tensor operations on weights gathered once (the
  bfloat16 ones reordered once for the AMX units), the cross-attention's keys and values kept
  in float32 (4.1 ms a step instead of 7 for two windows side by side).
- Word timing runs the encoder a second time on the same 30-second window, and windows decoded
  as a batch (windows.py) are encoded again one by one; the last few outputs are kept and reused.
- Word timing's DTW is compiled by numba on first use, about 1.5 s in every new process; a numpy
  version over anti-diagonals gives identical paths in milliseconds.
"""

from __future__ import annotations

import contextlib
import threading
import types
import warnings

import numpy as np

QUANTISED = "voiceclose_int8"  # attribute set on a model once it has been quantised
REMEMBERED_WINDOWS = 8  # encoder outputs kept for reuse (a batch of windows, see windows.py)
LAYOUT = "int8vocab"  # what is quantised; part of the cache's name, so older layouts are not read


def accelerate(model) -> None:
    """Quantise ``model`` (an openai-whisper Whisper) in place and speed up word timing."""
    if getattr(model, QUANTISED, False):
        return
    model.decoder.voiceclose_logits = _int8_linear(model.decoder.token_embedding.weight, None)
    _install(model)


def quantised_checkpoint(model) -> dict:
    """What ``from_quantised_checkpoint`` needs to rebuild an accelerated model without
    quantising it again (a third of the loading time)."""
    import dataclasses

    return {"dims": dataclasses.asdict(model.dims), "state": model.state_dict()}


def from_quantised_checkpoint(checkpoint: dict):
    """An accelerated model from ``quantised_checkpoint``: an empty int8 vocabulary projection,
    then the weights."""
    from whisper.model import ModelDimensions, Whisper

    qdynamic, _ = _dynamic()
    with without_initialisation():
        model = Whisper(ModelDimensions(**checkpoint["dims"]))
    dims = model.dims
    # built 1 x 1 and given its shape by loading: at full size it would pack 20 million zeros
    # first (0.1 s), only to pack the real weights again
    projection = qdynamic.Linear(1, 1, bias_=False)
    model.decoder.voiceclose_logits = projection
    model.load_state_dict(checkpoint["state"])
    projection.in_features, projection.out_features = dims.n_text_state, dims.n_vocab
    _install(model)
    return model


_initialising = threading.Lock()


@contextlib.contextmanager
def without_initialisation():
    """Build layers without the random initial weights that loading overwrites anyway (most of
    the time it takes to build Whisper). Serialised: it briefly changes torch.nn classes."""
    import torch

    classes = (torch.nn.Linear, torch.nn.Embedding, torch.nn.Conv1d, torch.nn.LayerNorm)
    with _initialising:
        saved = {cls: cls.reset_parameters for cls in classes}
        for cls in classes:
            cls.reset_parameters = lambda self: None
        try:
            yield
        finally:
            for cls, method in saved.items():
                cls.reset_parameters = method


def _install(model) -> None:
    import functools

    import torch

    from voiceclose.asr import decoder_steps

    _project_vocabulary_in_int8(model.decoder)
    model.decoder.voiceclose_logit_sums = _row_sums(model.decoder.voiceclose_logits)
    _cross_attention_keys_head_major(model.decoder)
    bfloat16 = native_bfloat16()
    if bfloat16:
        _decoder_layers_in_bfloat16(model.decoder)
    decoder_steps.install(model.decoder, torch.bfloat16 if bfloat16 else torch.float32)
    model.decode = functools.partial(decoder_steps.decode, model)
    _reuse_encoder_output(model.encoder)
    use_numpy_dtw()
    setattr(model, QUANTISED, True)


def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (elsewhere it is slower, not faster)."""
    import re
    from pathlib import Path

    try:
        cpu = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return re.search(r"\b(avx512_bf16|amx_bf16)\b", cpu) is not None


def _decoder_layers_in_bfloat16(decoder) -> None:
    """Each Linear layer of the decoder's blocks multiplies with a bfloat16 copy of its weights
    (the float32 ones stay, for the cache and for anything that reads them)."""
    import torch

    for block in decoder.blocks:
        for layer in block.modules():
            if isinstance(layer, torch.nn.Linear):
                bias = None if layer.bias is None else layer.bias.detach().to(torch.bfloat16)
                layer.voiceclose_bfloat16 = (layer.weight.detach().to(torch.bfloat16), bias)
                layer.forward = types.MethodType(_bfloat16_forward, layer)


def _bfloat16_forward(layer, x):
    import torch

    weight, bias = layer.voiceclose_bfloat16
    return torch.nn.functional.linear(x.to(torch.bfloat16), weight, bias).to(x.dtype)


def _dynamic():
    import torch.ao.nn.quantized.dynamic as qdynamic
    from torch.ao.quantization import per_channel_dynamic_qconfig

    return qdynamic, per_channel_dynamic_qconfig


def _int8_linear(weight, bias):
    import torch

    qdynamic, qconfig = _dynamic()
    plain = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    plain.weight = torch.nn.Parameter(weight.detach().float(), requires_grad=False)
    if bias is not None:
        plain.bias = torch.nn.Parameter(bias.detach().float(), requires_grad=False)
    plain.qconfig = qconfig
    with warnings.catch_warnings():  # torch.ao.quantization announces its move to torchao
        warnings.simplefilter("ignore")
        return qdynamic.Linear.from_float(plain)


def _project_vocabulary_in_int8(decoder) -> None:
    """openai-whisper projects onto the vocabulary with ``x @ token_embedding.weight.T``; this
    routes it through ``decoder.voiceclose_logits``, the same weights in int8."""

    def forward(self, x, xa, kv_cache=None):
        # openai-whisper's TextDecoder.forward, with the last line through the int8 projection
        offset = next(iter(kv_cache.values())).shape[1] if kv_cache else 0
        x = self.token_embedding(x) + self.positional_embedding[offset : offset + x.shape[-1]]
        x = x.to(xa.dtype)
        for block in self.blocks:
            x = block(x, xa, mask=self.mask, kv_cache=kv_cache)
        return vocabulary_logits(self, self.ln(x))

    decoder.forward = types.MethodType(forward, decoder)


def _row_sums(projection):
    """Each vocabulary entry's weights, as the int8 projection multiplies them, summed."""
    import torch

    weight = projection.weight()
    integers = weight.int_repr().sum(dim=1, dtype=torch.int64)
    zero = weight.q_per_channel_zero_points() * weight.shape[1]
    return ((integers - zero).double() * weight.q_per_channel_scales()).float()


def vocabulary_logits(decoder, x):
    """``x @ token_embedding.weight.T`` (float32) through the int8 projection, each row of ``x``
    quantised over its own range: it is mapped onto exactly [-1, 1] (its least element to -1,
    its greatest to 1), so every row spans the range the projection quantises its whole input
    over, and the mapping is undone on the output (``W x = half * W x' + mid * W 1``)."""
    import torch

    x = x.float()
    lowest, highest = x.argmin(dim=-1, keepdim=True), x.argmax(dim=-1, keepdim=True)
    low, high = x.gather(-1, lowest), x.gather(-1, highest)
    mid, half = (high + low) / 2, ((high - low) / 2).clamp_min(1e-12)
    scaled = ((x - mid) / half).clamp_(-1.0, 1.0)
    scaled.scatter_(-1, lowest, -1.0)
    scaled.scatter_(-1, highest, 1.0)
    return torch.addcmul(
        mid * decoder.voiceclose_logit_sums, decoder.voiceclose_logits(scaled), half
    )


def _cross_attention_keys_head_major(decoder) -> None:
    """Each decoding step attends to the whole 30-second window (1,500 keys and values per
    layer). openai-whisper caches them as (batch, time, features) and splits the heads with a
    strided view, which scaled_dot_product_attention copies on every step; here they are cached
    already split, contiguous, once per window (0.2-0.3 ms less per layer and token)."""
    for block in decoder.blocks:
        attention = block.cross_attn
        if attention is not None:
            attention.voiceclose_stacked_cache = True  # keys and values as one (2, batch, ...)
            attention.forward = types.MethodType(
                _head_major_cross_attention(attention.forward), attention
            )


def _head_major_cross_attention(original):
    import torch
    from whisper.model import MultiHeadAttention

    def forward(self, x, xa=None, mask=None, kv_cache=None):
        if kv_cache is None or not MultiHeadAttention.use_sdpa:
            return original(x, xa, mask, kv_cache)  # word timing reads the attention weights
        keys_values = kv_cache.get(self)
        if keys_values is None:
            # .forward: past the hooks that would also cache them the usual way
            keys = _heads(self.key.forward(xa), self.n_head)
            values = _heads(self.value.forward(xa), self.n_head)
            keys_values = kv_cache[self] = torch.stack([keys, values]).contiguous()
        q = _heads(self.query(x), self.n_head)
        out = torch.nn.functional.scaled_dot_product_attention(q, keys_values[0], keys_values[1])
        return self.out(out.permute(0, 2, 1, 3).flatten(start_dim=2)), None

    return forward


def _heads(x, n_head: int):
    """(batch, time, features) as (batch, heads, time, features per head)."""
    return x.view(*x.shape[:2], n_head, -1).permute(0, 2, 1, 3)


def _reuse_encoder_output(encoder) -> None:
    """Word timing encodes the window decoding just encoded, and windows decoded as a batch are
    encoded again one by one; each is answered from the outputs remembered for the last few
    windows (compared by content: the same audio gives the same mel)."""
    import torch

    original = encoder.forward
    remembered: list[tuple[torch.Tensor, torch.Tensor]] = []  # (one window's mel, its output)
    lock = threading.Lock()

    def remember(mels, outputs) -> None:
        with lock:
            remembered.extend(zip(mels, outputs, strict=True))
            del remembered[:-REMEMBERED_WINDOWS]

    def forward(mel):
        with lock:
            outputs = [_remembered_output(remembered, window) for window in mel]
        if all(out is not None for out in outputs):
            return torch.stack(outputs)
        out = original(mel)
        remember(mel, out)
        return out

    encoder.forward = forward
    encoder.voiceclose_remember = remember  # what a window's mel is taken to encode to


def _remembered_output(remembered, window):
    import torch

    for mel, out in remembered:
        if mel.shape == window.shape and torch.equal(mel, window):
            return out
    return None


def import_whisper() -> None:
    """Import openai-whisper without numba, which costs 0.2 s in every process and only compiles
    the DTW of word timing that ``use_numpy_dtw`` replaces. A stand-in is in ``sys.modules`` only
    while whisper is imported: whatever imports numba later gets the real one."""
    import sys

    if "whisper.timing" not in sys.modules and "numba" not in sys.modules:
        stand_in = types.ModuleType("numba")
        stand_in.jit = lambda *args, **kwargs: lambda function: function
        sys.modules["numba"] = stand_in
        try:
            import whisper  # noqa: F401 - imports whisper.timing, which takes numba.jit
        finally:
            if sys.modules.get("numba") is stand_in:
                del sys.modules["numba"]
    use_numpy_dtw()


def use_numpy_dtw() -> None:
    """Replace openai-whisper's numba DTW (compiled anew in every process) with numpy, and its
    median filter with a sorting network."""
    import whisper.timing

    whisper.timing.dtw_cpu = dtw
    if getattr(whisper.timing.median_filter, "__name__", "") != "median_filter_of_seven":
        whisper.timing.median_filter = _median_filter(whisper.timing.median_filter)


# Devillard's network for the median of 7 (13 compare-exchanges): word timing filters the
# alignment heads' attention with a window of 7 along time, which openai-whisper does by sorting
# every window (a third of word timing's time on the 56-s close); the minima and maxima pick
# out the same value.
_MEDIAN_OF_SEVEN = (
    (0, 5), (0, 3), (1, 6), (2, 4), (0, 1), (3, 5), (2, 6),
    (2, 3), (3, 6), (4, 5), (1, 4), (1, 3), (3, 4),
)  # fmt: skip


def _median_filter(original):
    def median_filter_of_seven(x, filter_width: int):
        """openai-whisper's median_filter(x, filter_width), the same numbers, for width 7."""
        import torch

        if filter_width != 7 or x.shape[-1] <= filter_width // 2 or x.is_cuda:
            return original(x, filter_width)
        ndim = x.ndim
        if ndim <= 2:  # as openai-whisper pads it: reflect padding wants 3 or 4 dimensions
            x = x[None, None, :]
        x = torch.nn.functional.pad(x, (3, 3, 0, 0), mode="reflect")
        windows = x.unfold(-1, 7, 1)
        p = [windows[..., i] for i in range(7)]
        for a, b in _MEDIAN_OF_SEVEN:
            p[a], p[b] = torch.minimum(p[a], p[b]), torch.maximum(p[a], p[b])
        result = p[3]
        return result[0, 0] if ndim <= 2 else result

    return median_filter_of_seven


def dtw(x: np.ndarray) -> np.ndarray:
    """openai-whisper's dynamic time warping, the same path, computed an anti-diagonal at a time.

    The cells with i + j == d depend only on diagonals d - 1 and d - 2, so each diagonal is a
    handful of numpy operations. The costs are kept skewed, one row per diagonal (``cost[d, i]``
    is the cell (i, d - i)), so that the three cells a diagonal reads are plain slices: 12 ms
    instead of 24 for a window's 91 tokens by 1,326 frames (copying them out by index took half
    the time). Returns the (text index, time index) pairs of the path as a 2 x K array.
    """
    n, m = x.shape
    diagonals = n + m + 1
    cost = np.full((diagonals, n + 1), np.inf, dtype=np.float32)
    trace = np.full((diagonals, n + 1), -1, dtype=np.int8)
    cost[0, 0] = 0
    rows = np.arange(1, n + 1)[:, None]
    along = np.zeros((diagonals, n + 1), dtype=x.dtype)  # x skewed: along[i + j, i] = x[i-1, j-1]
    along[rows + np.arange(1, m + 1), np.broadcast_to(rows, x.shape)] = x
    for d in range(2, n + m + 1):
        lo, hi = max(1, d - m), min(n, d - 1)
        c0 = cost[d - 2, lo - 1 : hi]  # (i - 1, j - 1)
        c1 = cost[d - 1, lo - 1 : hi]  # (i - 1, j)
        c2 = cost[d - 1, lo : hi + 1]  # (i, j - 1)
        # ties resolved as openai-whisper does: diagonal, then up, else left
        choose0 = (c0 < c1) & (c0 < c2)
        choose1 = (c1 < c0) & (c1 < c2)
        c = np.where(choose0, c0, np.where(choose1, c1, c2))
        cost[d, lo : hi + 1] = along[d, lo : hi + 1] + c
        trace[d, lo : hi + 1] = 2 - 2 * choose0 - choose1
    i, j = np.arange(n + 1)[:, None], np.arange(m + 1)[None, :]
    return _backtrace(trace[i + j, np.broadcast_to(i, (n + 1, m + 1))])


def _backtrace(trace: np.ndarray) -> np.ndarray:
    i, j = trace.shape[0] - 1, trace.shape[1] - 1
    trace[0, :] = 2
    trace[:, 0] = 1
    path = []
    while i > 0 or j > 0:
        path.append((i - 1, j - 1))
        step = trace[i, j]
        if step == 0:
            i, j = i - 1, j - 1
        elif step == 1:
            i -= 1
        elif step == 2:
            j -= 1
        else:
            raise ValueError("unexpected trace value")
    return np.array(path)[::-1, :].T
