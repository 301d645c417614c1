"""Punctuation across windows: do the second and later windows of a long recording come back
punctuated, and at what word error rate?

    .venv/bin/python benchmarks/punctuation.py

The spoken bundled samples are joined in pairs and threes (a second of silence between them)
into recordings of 40-110 seconds, which voiceclose cuts at pauses into windows decoded as a
batch. For each recording: the word error rate against the text spoken (normalised as Whisper's
own evaluation does), and the share of words in each window after the first that end a sentence
or clause (.,?!), against the first windows' share. Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceclose.asr import long_audio  # noqa: E402
from voiceclose.asr.transcribe import transcribe  # noqa: E402
from voiceclose.asr.weights import load_model  # noqa: E402
from voiceclose.audio.decode import Audio  # noqa: E402

GAP_S = 1.0  # silence between joined samples
GROUPS = 3  # samples joined into one recording, at most
MARKS = ".,?!"


def recordings() -> list[tuple[str, np.ndarray]]:
    samples = tomllib.loads((ROOT / "samples" / "manifest.toml").read_text())["sample"]
    spoken = [s for s in samples if s["text"].strip() and s.get("channels", 1) == 1]
    out = []
    for size in (2, GROUPS):
        for i in range(0, len(spoken) - size + 1, size):
            group = spoken[i : i + size]
            parts, texts = [], []
            for s in group:
                audio, rate = sf.read(ROOT / "samples" / s["file"], dtype="float32")
                if rate != 16000 or audio.ndim != 1:
                    continue
                parts += [audio, np.zeros(int(16000 * GAP_S), dtype=np.float32)]
                texts.append(" ".join(s["text"].split()))
            out.append((" ".join(texts), np.concatenate(parts)))
    return out


def word_error_rate(pairs: list[tuple[str, str]]) -> float:
    from rapidfuzz.distance import Levenshtein
    from whisper.normalizers import EnglishTextNormalizer

    normalise = EnglishTextNormalizer()
    errors = words = 0
    for reference, heard in pairs:
        ref, hyp = normalise(reference).split(), normalise(heard).split()
        errors += Levenshtein.distance(ref, hyp)
        words += len(ref)
    return errors / words


def main() -> int:
    model = load_model()
    pairs, first, later = [], [0, 0], [0, 0]  # [marked words, words]
    for said, samples in recordings():
        audio = Audio(samples, 0.0, len(samples) / 16000, 16000, 1)
        transcript = transcribe(audio, model)
        pairs.append((said, transcript.text))
        regions = [(r.start_s, r.end_s) for r in transcript.speech_regions]
        pieces = long_audio.pieces_at_pauses(samples, regions)
        for n, (start, end) in enumerate(pieces):
            words = [w for w in transcript.words if start <= (w.start_s or 0) < end]
            tally = first if n == 0 else later
            tally[0] += sum(1 for w in words if w.text.rstrip("\"')")[-1:] in MARKS)
            tally[1] += len(words)
        print(f"{len(samples) / 16000:5.1f} s, {len(pieces)} windows: {transcript.text[:90]}...")
    print(f"word error rate {word_error_rate(pairs):.3f} over {len(pairs)} recordings")
    print(
        f"punctuated words: first windows {first[0] / max(first[1], 1):.3f}, "
        f"later windows {later[0] / max(later[1], 1):.3f} ({later[1]} words)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
