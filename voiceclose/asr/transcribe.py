"""Speech to words with timestamps, on the local Whisper model, crediting only heard speech."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from voiceclose.asr import compute_thread
from voiceclose.asr.long_audio import transcribe_at_pauses
from voiceclose.asr.weights import LoadedModel
from voiceclose.audio.decode import SAMPLE_RATE, Audio
from voiceclose.audio.voice_activity import detect_speech, speech_heard
from voiceclose.results import MIN_WORD_SPEECH, SpeechRegion, Transcript, Word, speech_fraction

EDGE_PAD_S = 0.4  # audio kept before the first and after the last speech region, seconds
# A segment Whisper invents (a "Thank you." squeezed into the last frames of speech) shows itself
# in Whisper's own numbers: its decode thought there was no speech, and its few words are too
# short to have been spoken, at low probability. Over 213 segments of real speech in rendered closes
# the no-speech probability never passed 0.53; the invented "Thank you." sat at 0.76 with an
# average log-probability of -0.97. The word anomaly score is openai-whisper's own (the one behind
# hallucination_silence_threshold), over a segment's first words as there.
NO_SPEECH_PROB = 0.6  # with a low average log-probability, Whisper thought it heard nothing
NO_SPEECH_LOGPROB = -0.7  # (Whisper's own skip uses 0.6 and -1.0)
DOUBT_NO_SPEECH_PROB = 0.5  # weaker doubt, enough for a short anomalous segment...
DOUBT_LOGPROB = -0.8  # ...or a low log-probability
SHORT_SEGMENT_WORDS = 4  # "Thank you." "Thanks for watching!" "Bye."
ANOMALY_WORDS = 8  # words scored, as in openai-whisper
ANOMALY_MIN_PROBABILITY = 0.15  # a word below this probability is suspicious
ANOMALY_MIN_DURATION_S = 0.133  # a word shorter than this is suspicious (in proportion)
ANOMALY_SCORE = 3.0  # a segment scoring this much (or one point per word) is anomalous
MIN_UNHEARD_S = 1.0  # this much speech after Whisper's last word is decoded again on its own
RETRIES = 2  # at most this many times for one clip
# speech in the middle of a recording with no word heard in this much of it is decoded again on
# its own: Whisper ended a window's text at a pause and took the window as done (a 125-s file
# lost 22 s of speech after "...meeting you both.": 324 words heard of 389)
MIN_UNHEARD_GAP_S = 3.0
WORD_SLACK_S = 0.3  # a word's time is taken to cover this much speech either side of it
MIN_WORD_S, MAX_WORD_S = 0.02, 2.0  # a word timed outside these was not placed where it was said
DECODE_OPTIONS = {"language": "en", "task": "transcribe", "fp16": False}
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # greedy first; sampling only when decoding fails
TRANSCRIBE_OPTIONS = {
    **DECODE_OPTIONS,
    "temperature": TEMPERATURES,
    "word_timestamps": True,
    # Conditioning on earlier text spreads one hallucination into the next window.
    "condition_on_previous_text": False,
    "verbose": None,
}


def transcript_from_text(text: str) -> Transcript:
    """A typed transcript: the same words, without times."""
    words = tuple(Word(t, None, None) for t in re.findall(r"\S+", text))
    return Transcript(words=words, speech_heard=bool(words))


def transcribe(audio: Audio, model: LoadedModel | Callable[[], LoadedModel]) -> Transcript:
    """Transcribe the speech in ``audio``; times are seconds from the start of the file.

    ``model`` may be a function that returns it, called only once there is speech to transcribe,
    so that a model loading in the background overlaps speech detection. Whichever thread asks,
    the work is done on the process's compute thread (see compute_thread.py).
    """
    return compute_thread.run(_transcribe, audio, model)


def _transcribe(audio: Audio, model: LoadedModel | Callable[[], LoadedModel]) -> Transcript:
    regions = detect_speech(audio.samples)
    shifted = tuple(
        SpeechRegion(r.start_s + audio.offset_s, r.end_s + audio.offset_s) for r in regions
    )
    if not speech_heard(regions):
        return Transcript(words=(), speech_heard=False, speech_regions=shifted)
    # Leading and trailing silence is where Whisper invents words; leave it out.
    first = max(0, int((regions[0].start_s - EDGE_PAD_S) * SAMPLE_RATE))
    last = min(len(audio.samples), int((regions[-1].end_s + EDGE_PAD_S) * SAMPLE_RATE))
    clip_offset = audio.offset_s + first / SAMPLE_RATE
    if callable(model):
        model = model()
    compute_thread.check_cancelled()  # given up while the model loaded
    clip_regions = [
        (r.start_s - first / SAMPLE_RATE, r.end_s - first / SAMPLE_RATE) for r in regions
    ]
    clip = audio.samples[first:last]
    heard, invented = _whisper_words(model, clip, clip_offset, clip_regions)
    heard, invented = _hear_the_rest(model, clip, clip_offset, clip_regions, heard, invented)
    heard, invented = _hear_the_gaps(model, clip, clip_offset, clip_regions, heard, invented)
    kept, dropped = [], list(invented)
    for word in heard:
        share = speech_fraction(list(shifted), word.start_s, word.end_s)
        (kept if share >= MIN_WORD_SPEECH else dropped).append(word)
    return Transcript(
        words=tuple(kept),
        speech_heard=bool(kept),
        speech_regions=shifted,
        dropped_words=tuple(dropped),
    )


def _hear_the_rest(model, clip, offset_s, regions, heard, invented):
    """Whisper sometimes ends its text early, leaving seconds of speech after its last word
    unheard ("...I built the re-dry and I didn't put in" for a 15-s close); such a tail is
    decoded again on its own (at most RETRIES times), so no speech is silently lost."""
    for _ in range(RETRIES):
        # its last words may be stretched over the rest, or squeezed into its last frame
        timed = [w.end_s for w in heard if MIN_WORD_S < w.end_s - w.start_s <= MAX_WORD_S]
        if not timed:
            break
        done_s = max(timed) - offset_s
        left = [(max(a, done_s), b) for a, b in regions if b > done_s + MIN_UNHEARD_S / 2]
        if sum(b - a for a, b in left) < MIN_UNHEARD_S:
            break
        more, more_invented = _decode_stretch(model, clip, offset_s, left, left[0][0], None)
        more = [w for w in more if w.start_s >= done_s + offset_s - 0.05]
        if not more:
            break
        before = [w for w in heard if w.end_s <= done_s + offset_s + 0.01]
        heard, invented = before + more, invented + more_invented
    return heard, invented


def _hear_the_gaps(model, clip, offset_s, regions, heard, invented):
    """Speech inside the recording that no word covers for MIN_UNHEARD_GAP_S is decoded again
    on its own (at most RETRIES stretches), and its words put in their place."""
    tried: list[tuple[float, float]] = []
    for _ in range(RETRIES):
        gap = _unheard_gap(heard, regions, offset_s, tried)
        if gap is None:
            break
        tried.append(gap)
        start_s, end_s = gap
        more, more_invented = _decode_stretch(model, clip, offset_s, regions, start_s, end_s)
        low, high = offset_s + start_s - WORD_SLACK_S, offset_s + end_s + WORD_SLACK_S
        more = [w for w in more if low <= w.start_s and w.end_s <= high]
        heard = sorted([*heard, *more], key=lambda w: (w.start_s, w.end_s))
        invented = invented + more_invented
    return heard, invented


def _decode_stretch(model, clip, offset_s, regions, start_s, end_s):
    """Words heard, and words invented, in the speech of ``clip`` from ``start_s`` to ``end_s``
    (seconds into the clip; None: to its end), decoded on its own with EDGE_PAD_S either side;
    ``regions`` (seconds into the clip) are cut to the stretch."""
    first = max(0, int((start_s - EDGE_PAD_S) * SAMPLE_RATE))
    last = len(clip) if end_s is None else min(len(clip), int((end_s + EDGE_PAD_S) * SAMPLE_RATE))
    lead_s, end_s = first / SAMPLE_RATE, float("inf") if end_s is None else end_s
    inside = [(max(a, start_s) - lead_s, min(b, end_s) - lead_s) for a, b in regions]
    return _whisper_words(
        model, clip[first:last], offset_s + lead_s, [(a, b) for a, b in inside if b > a]
    )


def _unheard_gap(heard, regions, offset_s, tried) -> tuple[float, float] | None:
    """The first stretch between two heard words (or before the first) whose speech ``regions``
    (seconds into the clip) hold MIN_UNHEARD_GAP_S of speech that no word covers: (start, end)
    of that speech, seconds into the clip; None if there is none (or it was tried already)."""
    timed = sorted(
        (w.start_s - offset_s, w.end_s - offset_s) for w in heard if w.start_s is not None
    )
    if not timed:
        return None
    bounds = [(None, timed[0][0])] + [(timed[n][1], timed[n + 1][0]) for n in range(len(timed) - 1)]
    for after, before in bounds:
        lo = -1.0 if after is None else after + WORD_SLACK_S
        hi = before - WORD_SLACK_S
        speech = [(max(a, lo), min(b, hi)) for a, b in regions if min(b, hi) > max(a, lo)]
        if sum(b - a for a, b in speech) < MIN_UNHEARD_GAP_S:
            continue
        gap = (speech[0][0], speech[-1][1])
        if gap not in tried:
            return gap
    return None


def _word_anomaly(word: dict) -> float:
    score = 0.0
    if word.get("probability", 0.0) < ANOMALY_MIN_PROBABILITY:
        score += 1.0
    duration = word["end"] - word["start"]
    if duration < ANOMALY_MIN_DURATION_S:
        score += (ANOMALY_MIN_DURATION_S - duration) * 15
    return score


def _invented(segment: dict) -> bool:
    """True for a segment that Whisper's own numbers say nobody spoke."""
    words = [w for w in segment.get("words", []) if w["word"].strip(" .,!?")]
    if not words:
        return False
    no_speech = segment.get("no_speech_prob", 0.0)
    logprob = segment.get("avg_logprob", 0.0)
    if no_speech > NO_SPEECH_PROB and logprob < NO_SPEECH_LOGPROB:
        return True
    if len(words) > SHORT_SEGMENT_WORDS:
        return False
    scored = words[:ANOMALY_WORDS]
    score = sum(_word_anomaly(w) for w in scored)
    anomalous = score >= ANOMALY_SCORE or score + 0.01 >= len(scored)
    return anomalous and (no_speech > DOUBT_NO_SPEECH_PROB or logprob < DOUBT_LOGPROB)


def _whisper_words(
    model: LoadedModel,
    samples: np.ndarray,
    offset_s: float,
    regions: Sequence[tuple[float, float]] = (),
) -> tuple[list[Word], list[Word]]:
    """Words Whisper heard, and words of segments it invented (see ``_invented``). ``regions``
    (seconds into ``samples``) let a long clip be cut at pauses and decoded a batch at a time."""
    import torch

    with torch.inference_mode():
        segments = transcribe_at_pauses(model.whisper, samples, regions, **TRANSCRIBE_OPTIONS)
    words, invented = [], []
    for segment in segments:
        target = invented if _invented(segment) else words
        for w in segment.get("words", []):
            text = w["word"].strip()
            if text:
                start, end = w["start"] + offset_s, w["end"] + offset_s
                target.append(Word(text, round(start, 2), round(end, 2)))
    return words, invented
