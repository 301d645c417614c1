"""Whisper's decoding steps as plain tensor operations, with their caches laid out once.

A decoding step of Whisper tiny.en runs its four decoder blocks on one new token per window.
openai-whisper does that through about seventy module calls, each with its hooks, and the
key/value cache grows by concatenation (its forward hooks copy every cached key and value at
every step). On a 2-core machine that bookkeeping took more time than the arithmetic: about 7 ms
a step for two windows side by side. Here each step is the same arithmetic with the weights
gathered once per model (the self-attention's query, key and value in one matrix), the caches
allocated once per decode and written in place, and no module calls. In float32 the tokens are
openai-whisper's exactly (tests/test_decoder_steps.py); in bfloat16 (where the CPU has it) the
words and their times were the same on 121 of 125 recordings (the bundled samples, the samples
joined in pairs, the development corpus's 100 synthetic closes), a word's time or a last word
elsewhere. A step took 4.1 ms instead of 7 for two windows side by side; transcribing those 125
recordings 114 s instead of 149.

``DecoderSteps`` is a ``whisper.decoding.Inference``: ``decoding_task`` gives whisper's own
DecodingTask with it, so the token filters, the greedy or sampling decoder and the results are
openai-whisper's.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

from voiceclose.asr import compute_thread
from voiceclose.asr.acceleration import vocabulary_logits

STEPS_ATTRIBUTE = "voiceclose_decoder_steps"  # the gathered weights, kept on the decoder
_gathering = threading.Lock()


@dataclass(frozen=True)
class _Block:
    """One decoder block's weights, as the step multiplies them."""

    attn_ln: tuple  # (weight, bias) of each LayerNorm
    qkv: tuple  # (weight, bias, packed): the self-attention's query, key and value in one
    attn_out: tuple
    cross_ln: tuple
    cross_query: tuple
    cross_key: tuple
    cross_value: tuple
    cross_out: tuple
    mlp_ln: tuple
    mlp_in: tuple
    mlp_out: tuple


@dataclass(frozen=True)
class _Weights:
    blocks: tuple  # of _Block
    ln: tuple
    n_head: int
    n_ctx: int  # tokens a decode may hold
    dtype: object  # what the blocks' linear layers multiply in (bfloat16 where native)


def decoding_task(model, options):
    """openai-whisper's DecodingTask for ``model`` and ``options``, stepping with
    ``DecoderSteps`` when the model's decoder can (an accelerated model; see acceleration.py)."""
    from whisper.decoding import DecodingTask

    task = DecodingTask(model, options)
    weights = weights_of(model.decoder)
    if weights is not None:
        task.inference = DecoderSteps(model.decoder, weights, len(task.initial_tokens))
    return task


def decode(model, mel, options=None, **kwargs):
    """``whisper.decode(model, mel, options, **kwargs)``, stepping with ``DecoderSteps``."""
    import dataclasses

    import whisper

    options = options if options is not None else whisper.DecodingOptions()
    if single := mel.ndim == 2:
        mel = mel.unsqueeze(0)
    if kwargs:
        options = dataclasses.replace(options, **kwargs)
    result = decoding_task(model, options).run(mel)
    return result[0] if single else result


def install(decoder, dtype) -> None:
    """Gather ``decoder``'s weights for ``DecoderSteps``, its linear layers multiplying in
    ``dtype`` (torch.float32, or torch.bfloat16 on a CPU that computes it natively)."""
    import torch

    def linear(layer) -> tuple:
        return _packed(
            layer.weight.detach().to(dtype),
            None if layer.bias is None else layer.bias.detach().to(dtype),
        )

    def norm(layer) -> tuple:
        return (layer.weight.detach(), layer.bias.detach())

    blocks = []
    for block in decoder.blocks:
        attn, cross = block.attn, block.cross_attn
        zeros = torch.zeros_like(attn.query.bias)  # the key has no bias
        qkv = _packed(
            torch.cat([attn.query.weight, attn.key.weight, attn.value.weight]).detach().to(dtype),
            torch.cat([attn.query.bias, zeros, attn.value.bias]).detach().to(dtype),
        )
        blocks.append(
            _Block(
                attn_ln=norm(block.attn_ln),
                qkv=qkv,
                attn_out=linear(attn.out),
                cross_ln=norm(block.cross_attn_ln),
                cross_query=linear(cross.query),
                cross_key=linear(cross.key),
                cross_value=linear(cross.value),
                cross_out=linear(cross.out),
                mlp_ln=norm(block.mlp_ln),
                mlp_in=linear(block.mlp[0]),
                mlp_out=linear(block.mlp[2]),
            )
        )
    weights = _Weights(
        blocks=tuple(blocks),
        ln=norm(decoder.ln),
        n_head=decoder.blocks[0].attn.n_head,
        n_ctx=decoder.positional_embedding.shape[0],
        dtype=dtype,
    )
    with _gathering:
        setattr(decoder, STEPS_ATTRIBUTE, weights)


def weights_of(decoder) -> _Weights | None:
    return getattr(decoder, STEPS_ATTRIBUTE, None)


class DecoderSteps:
    """``whisper.decoding.PyTorchInference`` without module calls: the logits of each step from
    the gathered weights, the self-attention's keys and values written into caches allocated
    for the longest decode, the cross-attention's computed once per decode."""

    # The cross-attention's keys and values stay in float32, as whisper keeps them. In bfloat16
    # (half the bytes read at every step, 0.08 s less on the 56-s close) the word error rate was
    # a shade lower (samples 0.0131 against 0.0142, the development corpus's 100 synthetic
    # closes 0.0832 against 0.0836), but on that corpus's Debian voices the checker's macro-F1
    # fell 0.930 -> 0.915 (two reservations questions lost), as it had when tried before.

    def __init__(self, decoder, weights: _Weights, initial_token_length: int):
        self.decoder = decoder
        self.weights = weights
        self.initial_token_length = initial_token_length
        self.length = 0  # tokens in the caches
        self.self_cache: list | None = None  # per block: (2, batch, heads, n_ctx, head size)
        # per block, the windows' cross-attention keys and values, in runs of rows whose windows
        # are as long: ((first row, end row, (2, rows, heads, frames, head size)), ...)
        self.cross_cache: list | None = None
        # the encoder frames each window's features hold, where they differ (a short piece
        # encoded over less than a window, decoded beside whole windows: see decode_batch);
        # None: every window holds all of its features
        self.frames: list[int] | None = None

    def logits(self, tokens, audio_features):
        import torch

        compute_thread.check_cancelled()  # Ctrl-C, or the process is ending: stop here
        if tokens.shape[-1] > self.initial_token_length:
            tokens = tokens[:, -1:]  # only the newest token after the first step, as whisper
        with torch.no_grad():  # not inference_mode: whisper's token filters change the logits
            if self.cross_cache is None:
                self._start(audio_features, tokens.shape[0])
            return self._step(tokens)

    def _start(self, audio_features, batch: int) -> None:
        """Caches for ``batch`` rows of tokens; each window's features may serve several rows
        in a row (best-of-n sampling repeats the tokens, not the features)."""
        import torch

        w = self.weights
        xa = audio_features.float()
        frames = self.frames or [xa.shape[1]] * xa.shape[0]
        if batch != xa.shape[0]:
            xa = xa.repeat_interleave(batch // xa.shape[0], dim=0)
            frames = [f for f in frames for _ in range(batch // len(frames))]
        runs, first = [], 0  # (first row, end row, the rows' features over their own frames)
        for length, rows in itertools.groupby(frames):
            end = first + len(list(rows))
            runs.append((first, end, xa[first:end, :length]))
            first = end
        self.cross_cache = [
            tuple((a, b, _keys_values(x, block, w)) for a, b, x in runs) for block in w.blocks
        ]
        head_size = xa.shape[-1] // w.n_head
        self.self_cache = [torch.empty(2, batch, w.n_head, w.n_ctx, head_size) for _ in w.blocks]
        self.length = 0

    def _step(self, tokens):
        from torch.nn.functional import gelu, layer_norm, scaled_dot_product_attention

        w = self.weights
        n_batch, n_new = tokens.shape
        start, end = self.length, self.length + n_new
        decoder = self.decoder
        x = decoder.token_embedding.weight[tokens] + decoder.positional_embedding[start:end]
        x = x.float()
        # a layer's output stays in the type it was multiplied in where the next operation
        # takes it as it is (an addition to the float32 residual, the cache's casting copy):
        # the same numbers, without a conversion of its own
        for block, cache, cross in zip(w.blocks, self.self_cache, self.cross_cache, strict=True):
            h = layer_norm(x, x.shape[-1:], *block.attn_ln)
            qkv = _multiply(h, block.qkv, w.dtype).view(n_batch, n_new, 3, w.n_head, -1)
            qkv = qkv.permute(2, 0, 3, 1, 4)  # (q/k/v, batch, heads, new tokens, head size)
            cache[:, :, :, start:end] = qkv[1:]
            a = scaled_dot_product_attention(
                qkv[0].float(), cache[0, :, :, :end], cache[1, :, :, :end], is_causal=n_new > 1
            )
            x = x + _multiply(_merged(a), block.attn_out, w.dtype)
            h = layer_norm(x, x.shape[-1:], *block.cross_ln)
            q = _heads(_linear(h, block.cross_query, w.dtype), w.n_head)
            a = _cross_attention(q, cross)
            x = x + _multiply(_merged(a), block.cross_out, w.dtype)
            h = layer_norm(x, x.shape[-1:], *block.mlp_ln)
            h = gelu(_multiply(h, block.mlp_in, w.dtype))
            x = x + _multiply(h, block.mlp_out, w.dtype)
        self.length = end
        x = layer_norm(x, x.shape[-1:], *w.ln)
        return vocabulary_logits(decoder, x)

    def keep_rows(self, keep) -> None:
        """Go on with only the windows ``keep`` selects (a boolean mask or indices)."""
        import torch

        kept = torch.arange(self.self_cache[0].shape[1])[keep]  # the rows kept, in their new order
        self.self_cache = [cache[:, keep] for cache in self.self_cache]
        self.cross_cache = [_kept_runs(runs, kept) for runs in self.cross_cache]

    def rearrange_kv_cache(self, source_indices) -> None:
        if self.self_cache is not None and source_indices != list(range(len(source_indices))):
            self.keep_rows(source_indices)

    def cleanup_caching(self) -> None:
        self.self_cache = self.cross_cache = None
        self.length = 0


def _keys_values(x, block: _Block, w: _Weights):
    """The cross-attention's keys and values of features ``x``, (2, batch, heads, frames, head
    size), computed once per decode."""
    import torch

    keys = _heads(_linear(x, block.cross_key, w.dtype), w.n_head)
    values = _heads(_linear(x, block.cross_value, w.dtype), w.n_head)
    return torch.stack([keys, values]).contiguous()


def _cross_attention(q, runs: tuple):
    """Each row of ``q`` attending to its own window's keys and values (``runs`` as in
    DecoderSteps.cross_cache): one call where all windows are as long, else one per run."""
    import torch
    from torch.nn.functional import scaled_dot_product_attention

    if len(runs) == 1:
        keys_values = runs[0][2]
        return scaled_dot_product_attention(q, keys_values[0], keys_values[1])
    return torch.cat([scaled_dot_product_attention(q[a:b], kv[0], kv[1]) for a, b, kv in runs])


def _kept_runs(runs: tuple, kept) -> tuple:
    """``runs`` (DecoderSteps.cross_cache's, for one block) for the rows ``kept``: the old
    positions of the new rows, in order (any order for one run; increasing for several)."""
    if len(runs) == 1:
        return ((0, len(kept), runs[0][2][:, kept]),)
    assert bool((kept[1:] > kept[:-1]).all()), "windows of several lengths keep their order"
    found, first = [], 0
    for a, b, keys_values in runs:
        mine = kept[(kept >= a) & (kept < b)] - a
        if len(mine):
            found.append((first, first + len(mine), keys_values[:, mine]))
            first += len(mine)
    return tuple(found)


def _multiply(x, weights: tuple, dtype):
    """A linear layer's output, multiplied and returned in ``dtype``."""
    import torch

    weight, bias, packed = weights
    if packed is not None:
        return torch.ops.mkldnn._linear_pointwise(x.to(dtype), packed, bias, "none", [], "")
    return torch.nn.functional.linear(x.to(dtype), weight, bias)


# torch multiplies a bfloat16 weight for the AMX units by first reordering it into their blocked
# layout, at every call: for the handful of rows of a decoding step that is most of a linear
# layer's time (64 us instead of 36 for 384 x 1536). Reordered once, with oneDNN's own ops (as
# torch's compiler does for frozen weights), the layer gives the same numbers.
PACK_ROWS = 2  # the rows a step usually multiplies (the layout suits any number)


def _packed(weight, bias) -> tuple:
    """(weight, bias, the weight reordered for oneDNN or None): None where torch cannot, or where
    the reordered weight does not give exactly the plain layer's numbers."""
    import torch

    if weight.dtype != torch.bfloat16 or not torch.backends.mkldnn.is_available():
        return weight, bias, None
    try:
        packed = torch.ops.mkldnn._reorder_linear_weight(weight, PACK_ROWS)
        probe = torch.randn(
            PACK_ROWS, 1, weight.shape[1], generator=torch.Generator().manual_seed(0)
        )
        probe = probe.to(weight.dtype)
        same = torch.equal(
            torch.ops.mkldnn._linear_pointwise(probe, packed, bias, "none", [], ""),
            torch.nn.functional.linear(probe, weight, bias),
        )
    except (RuntimeError, AttributeError):
        return weight, bias, None
    return weight, bias, packed if same else None


def _linear(x, weights: tuple, dtype):
    """A linear layer's output in float32 (the residual stream's type), multiplied in ``dtype``."""
    return _multiply(x, weights, dtype).float()


def _heads(x, n_head: int):
    """(batch, time, features) as (batch, heads, time, features per head)."""
    return x.view(*x.shape[:2], n_head, -1).permute(0, 2, 1, 3)


def _merged(a):
    """(batch, heads, time, features per head) back as (batch, time, features)."""
    return a.permute(0, 2, 1, 3).flatten(start_dim=2)
