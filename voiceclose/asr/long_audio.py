"""Long recordings cut at pauses into pieces of one 30-second window, decoded as one batch.

openai-whisper transcribes a minute of speech as two windows, one after the other (the second
starts where the first one's words ended), and often a third for the last second or so. Each
decoding step reads every decoder weight and the window's cross-attention keys for one token;
that is bound by memory, not arithmetic, so windows decoded side by side cost little more than
one (a 60-second close on 2 cores: 1.9 s of transcription instead of 2.9, the same words).

Here the audio is cut where nobody speaks (the pauses between speech regions, or shorter quiet
moments between words) into as few pieces of at most a window as will do, and the pieces are
decoded together. A piece whose decode holds all of its speech is finished from it: segments and
word timing as whisper.transcribe makes them. Any other piece (its decode needs a fallback
temperature, or stopped before the speech did) goes through whisper.transcribe, whose first
decode is answered from the batch. On samples joined into 50-110 s recordings the word error
rate was 0.029, against 0.056 transcribing each recording whole.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from voiceclose.audio.decode import SAMPLE_RATE

WINDOW_S = 30.0  # Whisper hears 30 seconds at a time; a piece fits in one window
QUIET_FRAME_S = 0.08  # a cut between words goes in a stretch this long...
QUIET_STEP_S = 0.01
QUIET_SHARE = 0.05  # ...no louder than this share of the recording's median loudness...
QUIET_MIN_S = 0.15  # ...for at least this long (the speech detector bridges pauses up to 0.5 s)
QUIET_BLOCK_S = 2.0  # one quiet moment (the quietest) is considered in every this long
FORCED_STEP_S = 1.0  # where speech runs on for longer than a window, a cut may go every second
# Whisper often ends its text at a long pause, with one timestamp and no word after it, and
# whisper.transcribe then takes the window as done: the speech after the pause goes unheard (a
# 56-s close lost its last 24 s that way, after 1.8 s of silence) until transcribe.py decodes it
# again, one window after another. A pause this long is cut at whenever the recording needs
# more than one piece anyway, so the speech after it is decoded in the same batch.
LONG_PAUSE_S = 1.0
SPEECH_AFTER_S = 1.0  # speech ending this long after Whisper's last timestamp was not heard
MAX_BATCH = 4  # windows decoded side by side at most (more: little faster, 100 MB more memory)


def pieces_at_pauses(
    samples: np.ndarray, regions: Sequence[tuple[float, float]], window_s: float = WINDOW_S
) -> list[tuple[float, float]]:
    """Cut ``samples`` (16 kHz) into pieces of at most ``window_s``, (start, end) seconds. Cuts go
    in the pauses between speech ``regions`` (start, end seconds) or in shorter quiet moments
    between words: at every pause of LONG_PAUSE_S or more (unless that takes more pieces than
    one batch decodes), then as few pieces as can be, then as few cuts in quiet moments as can
    be. Only speech without any break for longer than a window is cut elsewhere."""
    end_s = len(samples) / SAMPLE_RATE
    if end_s <= window_s:
        return [(0.0, end_s)]
    gaps = list(zip(regions, regions[1:], strict=False))
    pauses = [(a[1] + b[0]) / 2 for a, b in gaps]
    long_pauses = [(a[1] + b[0]) / 2 for a, b in gaps if b[0] - a[1] >= LONG_PAUSE_S]
    candidates = sorted(
        [(p, (0, 0)) for p in pauses if 0 < p < end_s]
        + [(q, (0, 1)) for q in _quiet_moments(samples)]
        + [(float(t), (1, 0)) for t in np.arange(FORCED_STEP_S, end_s, FORCED_STEP_S)]
    )
    points = [(0.0, (0, 0)), *candidates, (end_s, (0, 0))]
    pieces = _fewest_cuts(points, long_pauses, window_s)
    if len(pieces) > MAX_BATCH:  # a second batch would cost more than a pause can
        pieces = min(pieces, _fewest_cuts(points, [], window_s), key=len)
    return pieces


def _fewest_cuts(points: list[tuple], long_pauses: list[float], window_s: float) -> list[tuple]:
    """Pieces from 0 to the last of ``points`` ((seconds, (forced, quiet)), in order) with the
    fewest (forced cuts, ``long_pauses`` not cut at, pieces, quiet cuts)."""
    # the cheapest way to reach each point, and the point before it
    best: list[tuple | None] = [None] * len(points)
    best[0] = ((0, 0, 0, 0), None)
    for j, (at, (forced, quiet)) in enumerate(points[1:], start=1):
        for i in range(j - 1, -1, -1):
            if at - points[i][0] > window_s:
                break
            if best[i] is None:
                continue
            (forced_cuts, uncut, pieces, quiet_cuts), _ = best[i]
            inside = sum(points[i][0] < p < at for p in long_pauses)
            cost = (forced_cuts + forced, uncut + inside, pieces + 1, quiet_cuts + quiet)
            if best[j] is None or cost < best[j][0]:
                best[j] = (cost, i)
    cuts, j = [], len(points) - 1
    while j:
        cuts.append(points[j][0])
        j = best[j][1]
    bounds = [0.0, *reversed(cuts)]
    return list(zip(bounds, bounds[1:], strict=False))


def _frame_energy(samples: np.ndarray) -> np.ndarray:
    """Mean energy of each QUIET_FRAME_S frame, one every QUIET_STEP_S."""
    frame, step = int(QUIET_FRAME_S * SAMPLE_RATE), int(QUIET_STEP_S * SAMPLE_RATE)
    if len(samples) < frame:
        return np.zeros(0)
    squared = np.concatenate([[0.0], np.cumsum(samples.astype(np.float64) ** 2)])
    starts = np.arange(0, len(samples) - frame + 1, step)
    return (squared[starts + frame] - squared[starts]) / frame


def _quiet_moments(samples: np.ndarray) -> list[float]:
    """In every QUIET_BLOCK_S of the recording, the middle of its quietest stretch if that is
    quiet enough, and long enough, to be a short pause between words (seconds)."""
    energy = _frame_energy(samples)
    if not energy.size:
        return []
    threshold = QUIET_SHARE * float(np.median(energy))
    per_block = int(QUIET_BLOCK_S / QUIET_STEP_S)
    moments = []
    for first in range(0, len(energy), per_block):
        block = energy[first : first + per_block]
        lowest = int(np.argmin(block))
        if block[lowest] > threshold:
            continue
        quiet = block <= block[lowest] + threshold / 10
        left, right = lowest, lowest  # the run of quiet frames around the quietest one
        while left > 0 and quiet[left - 1]:
            left -= 1
        while right < len(quiet) - 1 and quiet[right + 1]:
            right += 1
        if (right - left) * QUIET_STEP_S + QUIET_FRAME_S < QUIET_MIN_S:
            continue  # a dip inside a word, or the shortest of gaps: not safe to cut at
        moments.append((first + (left + right) / 2) * QUIET_STEP_S + QUIET_FRAME_S / 2)
    return moments


class _Answers:
    """Decoding results worked out in advance, each for one mel window and one set of options."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting: list[tuple] = []  # (mel, options, result)

    def add(self, mel, options, result) -> tuple:
        entry = (mel, options, result)
        with self._lock:
            self._waiting.append(entry)
        return entry

    def take(self, mel, options):
        import torch

        with self._lock:
            for n, (known, known_options, result) in enumerate(self._waiting):
                if (
                    known_options == options
                    and known.shape == mel.shape
                    and torch.equal(known, mel)
                ):
                    del self._waiting[n]
                    return result
        return None

    def discard(self, entries: list[tuple]) -> None:
        with self._lock:
            self._waiting = [e for e in self._waiting if not any(e is x for x in entries)]


_installing = threading.Lock()


def _answers_of(model) -> _Answers:
    """The model's store of advance answers; its ``decode`` looks there first."""
    with _installing:
        answers = getattr(model, "voiceclose_answers", None)
        if answers is None:
            answers = model.voiceclose_answers = _Answers()
            original = model.decode

            def decode(mel, options=None, **kwargs):
                import whisper

                options = options if options is not None else whisper.DecodingOptions()
                if not kwargs and mel.ndim == 2:
                    known = answers.take(mel, options)
                    if known is not None:
                        return known
                return original(mel, options, **kwargs)

            model.decode = decode
        return answers


def transcribe_at_pauses(
    model, samples: np.ndarray, regions: Sequence[tuple[float, float]], **options
) -> list[dict]:
    """``model.transcribe(samples, **options)``'s segments (with words; seconds into
    ``samples``), transcribed a piece at a time: ``samples`` are cut at the pauses between speech
    ``regions`` and the first window of every piece is decoded in one batch. A piece whose first
    window holds all of its speech is finished from that decode; any other goes through
    ``model.transcribe``, which finds that first decode done."""
    import whisper

    pieces = pieces_at_pauses(samples, regions)
    if len(pieces) == 1:
        return model.transcribe(samples, **options)["segments"]
    # as whisper.transcribe splits them: decoding options, and its own (temperature is both: it
    # gives the fallback temperatures, the first of which decodes first)
    decoding = whisper.DecodingOptions.__dataclass_fields__.keys() - {"temperature"}
    decode_options = {k: v for k, v in options.items() if k in decoding}
    segments = []
    clips = [clip_samples(samples, piece) for piece in pieces]
    with first_windows_in_a_batch(model, clips, **decode_options) as firsts:
        for (start_s, end_s), clip, first in zip(pieces, clips, firsts, strict=True):
            inside = [(max(a, start_s) - start_s, min(b, end_s) - start_s) for a, b in regions]
            inside = [(a, b) for a, b in inside if b > a]
            found = _whole_piece(model, first, inside, options)
            if found is None:
                found = model.transcribe(clip, **options)["segments"]
            segments.extend(_shifted(segment, start_s) for segment in found)
    return segments


@dataclass(frozen=True)
class FirstWindow:
    mel: object  # (n_mels, 3000) tensor, as whisper.transcribe makes it
    frames: int  # mel frames holding audio (the rest is padding)
    result: object  # the greedy DecodingResult


def _whole_piece(model, first: FirstWindow, regions, options: dict) -> list[dict] | None:
    """The piece's segments from its first window's decode, as ``model.transcribe(**options)``
    would make them, or None when that decode is not the whole story (it needs a fallback
    temperature, or speech goes on after its last timestamp, so Whisper would decode another
    window)."""
    from whisper.timing import add_word_timestamps
    from whisper.tokenizer import get_tokenizer

    verdict = _decode_verdict(first.result, options)
    if verdict != "speech":
        return [] if verdict == "silence" else None
    tokenizer = get_tokenizer(
        model.is_multilingual,
        num_languages=model.num_languages,
        language=options["language"],
        task=options.get("task", "transcribe"),
    )
    segments = _segments(first.result, tokenizer, regions)
    if segments is None:
        return None
    add_word_timestamps(
        segments=segments,
        model=model,
        tokenizer=tokenizer,
        mel=first.mel,
        num_frames=first.frames,
        last_speech_timestamp=0.0,
    )
    for segment in segments:  # as whisper.transcribe clears them
        if segment["start"] == segment["end"] or not segment["text"].strip():
            segment.update(text="", tokens=[], words=[])
    return segments


def _decode_verdict(result, options: dict) -> str:
    """What whisper.transcribe would make of a greedy decode: "retry" (a fallback temperature),
    "silence" (skipped as no speech) or "speech"."""
    import whisper

    def threshold(name: str) -> float:  # as given to transcribe, else transcribe's own default
        return options.get(name, inspect.signature(whisper.transcribe).parameters[name].default)

    logprob = threshold("logprob_threshold")
    silence = (
        result.no_speech_prob > threshold("no_speech_threshold") and result.avg_logprob < logprob
    )
    if result.compression_ratio > threshold("compression_ratio_threshold") or (
        result.avg_logprob < logprob and not silence
    ):
        return "retry"
    return "silence" if silence else "speech"


def _segments(result, tokenizer, regions) -> list[dict] | None:
    """The decode's tokens cut into segments at consecutive timestamps, as whisper.transcribe
    cuts them; None when the last segment is unfinished or speech goes on after it."""
    import torch
    from whisper.audio import TOKENS_PER_SECOND

    tokens = torch.tensor(result.tokens)
    timestamps = tokens.ge(tokenizer.timestamp_begin)
    ending = timestamps[-2:].tolist()
    consecutive = (torch.where(timestamps[:-1] & timestamps[1:])[0] + 1).tolist()
    if not consecutive or ending not in ([False, True], [True, True]):
        return None  # an unfinished segment: Whisper decodes on from its start

    def seconds(timestamp: torch.Tensor) -> float:
        # times the step, as whisper.transcribe does (a division can differ in the last bit)
        return (timestamp.item() - tokenizer.timestamp_begin) * (1 / TOKENS_PER_SECOND)

    last_s = seconds(tokens[-1])
    if ending == [True, True] and any(end > last_s + SPEECH_AFTER_S for _, end in regions):
        return None  # it stopped, but there is speech after its last timestamp
    bounds = [*consecutive, len(tokens)] if ending == [False, True] else consecutive
    segments, begin = [], 0
    for bound in bounds:
        piece = tokens[begin:bound]
        text = [t for t in piece.tolist() if t < tokenizer.eot]
        segments.append(
            {
                "seek": 0,
                "start": seconds(piece[0]),
                "end": seconds(piece[-1]),
                "text": tokenizer.decode(text),
                "tokens": piece.tolist(),
                "temperature": result.temperature,
                "avg_logprob": result.avg_logprob,
                "compression_ratio": result.compression_ratio,
                "no_speech_prob": result.no_speech_prob,
            }
        )
        begin = bound
    return segments


def _shifted(segment: dict, by_s: float) -> dict:
    words = [
        {**w, "start": w["start"] + by_s, "end": w["end"] + by_s} for w in segment.get("words", [])
    ]
    return {
        **segment,
        "start": segment["start"] + by_s,
        "end": segment["end"] + by_s,
        "words": words,
    }


@contextlib.contextmanager
def first_windows_in_a_batch(
    model, clips: Sequence[np.ndarray], **decode_options
) -> Iterator[list[FirstWindow]]:
    """Decode the first window of each clip (16 kHz samples) together, greedily, with
    ``decode_options``; ``model.transcribe`` on those clips, inside this, finds those decodes
    done. Clips that ``transcribe`` never reaches leave nothing behind."""
    import torch
    import whisper
    from whisper.audio import N_FRAMES, N_SAMPLES

    from voiceclose.asr.batch_decoding import (
        SHORT_PIECE_FRAMES,
        decode_batch,
        encode_briefly,
        padded_features,
    )
    from voiceclose.asr.decoder_steps import weights_of

    answers = _answers_of(model)
    # whisper.transcribe's first decode: this mel, the options with an empty prompt, greedy
    options = whisper.DecodingOptions(**decode_options, prompt=[], temperature=0.0)
    mels, frames, added = [], [], []
    for clip in clips:
        mel = whisper.log_mel_spectrogram(clip, model.dims.n_mels, padding=N_SAMPLES)
        frames.append(min(N_FRAMES, mel.shape[-1] - N_FRAMES))
        mels.append(whisper.pad_or_trim(mel[:, : frames[-1]], N_FRAMES))
    # short pieces are encoded over less than a window; the decoding steps attend to each
    # window's own features, so they are decoded beside the whole windows (with openai-whisper's
    # decoder, a batch of their own: the 56-s close's 5-s piece took 17 steps more, ~0.04 s)
    short = [n for n, f in enumerate(frames) if f <= SHORT_PIECE_FRAMES and len(clips) > 1]
    if short and not encode_briefly(model, [mels[n] for n in short]):
        short = []
    together = bool(short) and weights_of(model.decoder) is not None
    if together:  # the short ones last: each length is a run of rows, one attention call each
        groups = [[n for n in range(len(mels)) if n not in short] + short]
    else:
        groups = [[n for n in range(len(mels)) if n not in short], short]
    results = {}
    try:
        for group in groups:
            for first in range(0, len(group), MAX_BATCH):
                batch = group[first : first + MAX_BATCH]
                with torch.inference_mode():
                    if together:
                        batch_mels = [mels[n] for n in batch]
                        features, held = padded_features(
                            model, batch_mels, {i for i, n in enumerate(batch) if n in short}
                        )
                        decoded = decode_batch(model, features, options, frames=held)
                    else:
                        decoded = decode_batch(
                            model, torch.stack([mels[n] for n in batch]), options
                        )
                for n, result in zip(batch, decoded, strict=True):
                    added.append(answers.add(mels[n], options, result))
                    results[n] = FirstWindow(mels[n], frames[n], result)
        yield [results[n] for n in range(len(mels))]
    finally:
        answers.discard(added)


def clip_samples(samples: np.ndarray, piece: tuple[float, float]) -> np.ndarray:
    start, end = (int(round(s * SAMPLE_RATE)) for s in piece)
    return samples[start:end]
