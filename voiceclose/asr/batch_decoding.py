"""Greedy decoding of several windows side by side, each leaving the batch when it ends.

openai-whisper's decoding loop keeps every window of a batch in it until the last one has ended:
a window whose text ended long before the others is still fed through the decoder, and still
attends to its 1,500 cross-attention keys, at every step (writing end-of-text). Here a window
that has ended leaves the batch: its rows of the caches are dropped, and the others go on as
before. The tokens, log-probabilities and results are those of ``whisper.decode``.
"""

from __future__ import annotations


def decode_batch(model, mel, options, frames=None) -> list:
    """``whisper.decode(model, mel, options)`` for a batch of mel windows, or of their encoded
    features (greedy decoding only: beam search and best-of-n go to whisper.decode unchanged).
    ``frames``: how many of each window's features are its own, when they differ (features of
    windows encoded over fewer frames, padded to the longest; decoder_steps.DecoderSteps only)."""
    import whisper

    from voiceclose.asr.decoder_steps import DecoderSteps, decoding_task

    if mel.ndim != 3 or options.beam_size is not None or (options.best_of or 1) > 1:
        assert frames is None, "windows of several lengths decode with greedy decoding only"
        return whisper.decode(model, mel, options)
    task = decoding_task(model, options)
    if frames is not None:
        assert isinstance(task.inference, DecoderSteps), "windows of several lengths need steps"
        task.inference.frames = list(frames)
    task._main_loop = lambda features, tokens: _main_loop(task, features, tokens)
    return task.run(mel)


def _main_loop(task, audio_features, tokens):
    """DecodingTask._main_loop, with the ended windows dropped from the batch after each step."""
    import torch

    eot = task.tokenizer.eot
    n_batch = tokens.shape[0]
    sum_logprobs = torch.zeros(n_batch, device=audio_features.device)
    no_speech_probs = [float("nan")] * n_batch
    active = torch.arange(n_batch)
    features, running = audio_features, tokens
    try:
        for i in range(task.sample_len):
            logits = task.inference.logits(running, features)
            if i == 0 and task.tokenizer.no_speech is not None:
                probs_at_sot = logits[:, task.sot_index].float().softmax(dim=-1)
                no_speech_probs = probs_at_sot[:, task.tokenizer.no_speech].tolist()
            logits = logits[:, -1]
            for logit_filter in task.logit_filters:
                logit_filter.apply(logits, running)
            sums = sum_logprobs[active]
            running, completed = task.decoder.update(running, logits, sums)
            sum_logprobs[active] = sums
            # every window gets a column: the new tokens, end-of-text for those already ended
            column = torch.full((n_batch, 1), eot, dtype=tokens.dtype)
            column[active, 0] = running[:, -1]
            tokens = torch.cat([tokens, column], dim=-1)
            if completed or tokens.shape[-1] > task.n_ctx:
                break
            going = running[:, -1] != eot
            if not bool(going.all()):
                active, running, features = active[going], running[going], features[going]
                keep_rows = getattr(task.inference, "keep_rows", None)
                if keep_rows is not None:
                    keep_rows(going)
                else:
                    _keep_rows(task.inference.kv_cache, going)
    finally:
        task.inference.cleanup_caching()
    return tokens, sum_logprobs, no_speech_probs


def _keep_rows(kv_cache: dict, keep) -> None:
    """Drop the ended windows' rows from every cached key and value: (batch, ...) tensors, and
    the (2, batch, ...) stacks of acceleration.py's cross-attention cache."""
    for module, cached in kv_cache.items():
        stacked = getattr(module, "voiceclose_stacked_cache", False)
        kv_cache[module] = (cached[:, keep] if stacked else cached[keep]).detach()


# A short piece is encoded over the first SHORT_INPUT_FRAMES of its mel (10 s) instead of the 30 s
# window Whisper was trained on (as whisper.cpp's audio_ctx does): a third of the encoder's work,
# and a third of the keys each decoding step attends to. Samples cut at their pauses into pieces
# of at most 8 s: WER 0.0175 encoded so, 0.0197-0.0208 encoded over 30 s (17 pieces).
SHORT_PIECE_FRAMES = 800  # a piece holding at most this many mel frames of audio (8 s)...
SHORT_INPUT_FRAMES = 1000  # ...is encoded over this many (10 s)


def padded_features(model, mels, short: set[int]):
    """The encoder's features of ``mels`` ((n_mels, 3000) windows), those of the windows in
    ``short`` as ``encode_briefly`` made them, zero-padded to a whole window: (features, the
    frames each window's features hold), for ``decode_batch``."""
    import torch

    whole = [n for n in range(len(mels)) if n not in short]
    found = {}
    with torch.inference_mode():
        if whole:  # encoded together, as whisper.decode encodes a batch
            encoded = model.encoder(torch.stack([mels[n] for n in whole]))
            found.update(zip(whole, encoded, strict=True))
        for n in short:  # remembered by encode_briefly
            found[n] = model.encoder(mels[n].unsqueeze(0))[0]
        features = torch.zeros(len(mels), model.dims.n_audio_ctx, model.dims.n_audio_state)
        for n, out in found.items():
            features[n, : out.shape[0]] = out
    return features, [found[n].shape[0] for n in range(len(mels))]


def encode_briefly(model, mels) -> bool:
    """Encode ``mels`` ((n_mels, 3000) windows whose audio ends within SHORT_PIECE_FRAMES) over
    their first SHORT_INPUT_FRAMES, and have the model take that as their encoding from now on
    (decoding and word timing alike). False, and nothing done, for a model that cannot."""
    import torch

    remember = getattr(model.encoder, "voiceclose_remember", None)
    if remember is None:
        return False
    encoder = model.encoder
    with torch.inference_mode():
        x = torch.stack(list(mels))[..., :SHORT_INPUT_FRAMES]
        # openai-whisper's AudioEncoder.forward, over fewer frames and positions
        x = torch.nn.functional.gelu(encoder.conv1(x))
        x = torch.nn.functional.gelu(encoder.conv2(x)).permute(0, 2, 1)
        x = (x + encoder.positional_embedding[: x.shape[1]]).to(x.dtype)
        for block in encoder.blocks:
            x = block(x)
        remember(mels, encoder.ln_post(x))
    return True
