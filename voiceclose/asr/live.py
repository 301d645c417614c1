"""Transcribe a recording while it is being made, so the report is ready moments after it stops.

The recorder hands over every block it has written (16 kHz, and whether it held speech). Once a
few seconds of speech have built up and the speaker pauses, a background thread transcribes that
piece, cut in the middle of the pause, exactly as a file would be (speech detection, Whisper, the
same filters); at the end only the words after the last pause are left to do.

Pieces are cut only at real pauses (shorter pieces, cut at breaths, cost Whisper context: word
error 0.013 -> 0.033-0.047 on the samples), so a piece can take 25 s to come. For a live display
(``on_piece``), whenever no piece is ready the thread also transcribes the newest words not yet
in a piece, as a *preview*: shown, never kept, so the words ticked come seconds after they are
said while the transcript keeps its accuracy.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import numpy as np

from voiceclose.asr.transcribe import transcribe
from voiceclose.asr.weights import LoadedModel
from voiceclose.audio.decode import SAMPLE_RATE, Audio
from voiceclose.results import SpeechRegion, Transcript

MIN_PIECE_S = 4.0  # transcribe once this much is waiting and the speaker pauses...
MAX_PIECE_S = 25.0  # ...or, with no pause at all, once this much is waiting (Whisper takes 30)
PAUSE_S = 0.4  # this much non-speech between words is a place to cut
KEEP_S = 0.5  # never cut closer than this to the newest audio (a pause may be a breath)
PREVIEW_EVERY_S = 2.0  # a preview once this much new audio, some of it speech, has come...
PREVIEW_MAX_S = 10.0  # ...of at most the newest this many seconds not yet in a piece


class LiveTranscriber:
    """Feed it blocks while recording (``feed``); ``finish`` returns the whole transcript."""

    def __init__(
        self,
        model: Callable[[], LoadedModel],
        on_piece: Callable[[Transcript], None] | None = None,
    ):
        """``on_piece``, if given, is called (in the background thread) with the transcript so
        far each time a piece or a preview has been transcribed (then with the preview's words
        after the pieces')."""
        self._model = model
        self._on_piece = on_piece
        self._blocks: list[np.ndarray] = []
        self._speech: list[tuple[int, int, bool]] = []  # (start, end, speaking) per block
        self._total = 0  # samples received
        self._done = 0  # samples transcribed
        self._pieces: list[Transcript] = []
        self._held = np.zeros(0, np.float32)
        self._previewed = 0  # samples received when the last preview (or piece) was taken
        self._error: BaseException | None = None
        self._wake = threading.Condition()
        self._stopping = False
        self._cancelled = False
        self._worker = threading.Thread(target=self._work, daemon=True)
        self._worker.start()

    def feed(self, samples: np.ndarray, speaking: bool) -> None:
        """One block as written to the recording (16 kHz mono float32)."""
        with self._wake:
            self._blocks.append(samples.astype(np.float32, copy=False))
            self._speech.append((self._total, self._total + len(samples), speaking))
            self._total += len(samples)
            self._wake.notify()

    def so_far(self) -> Transcript:
        """What has been transcribed so far (the pieces done; the words after the last pause
        follow at ``finish``)."""
        with self._wake:
            pieces = list(self._pieces)
        return _join(pieces)

    def cancel(self) -> None:
        """Stop without transcribing what is left, once the piece in hand is done (a piece
        under way cannot be interrupted: it is inside the model)."""
        with self._wake:
            self._cancelled = self._stopping = True
            self._wake.notify()
        self._worker.join()

    def finish(self) -> Transcript:
        """Transcribe what is left and return the transcript of everything fed."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._worker.join()
        if self._error is not None:
            raise self._error
        return _join(self._pieces)

    # --- the background thread -----------------------------------------------------------------

    def _work(self) -> None:
        try:
            while (job := self._next_job()) is not None:
                audio, cut, at_pause = job
                if cut is None:  # a preview, for the live display only
                    self._tell(_join([*self._pieces, transcribe(audio, self._model)]))
                    continue
                if audio is None:
                    pass
                elif at_pause:
                    self._pieces.append(transcribe(audio, self._model))
                else:
                    self._hold_back(transcribe(audio, self._model), cut)
                if audio is not None and not self._stopping:
                    self._tell(_join(self._pieces))
        except BaseException as e:  # handed to finish(), in the caller's thread
            self._error = e

    def _next_job(self) -> tuple[Audio | None, int | None, bool] | None:
        """Wait for the next thing to transcribe: (audio, where the piece ends, whether that is
        in a pause), or (audio, None, False) for a preview; None when there is nothing more."""
        with self._wake:
            while True:
                if self._cancelled or (self._stopping and self._done >= self._total):
                    return None
                if self._stopping:
                    return self._take(self._total), self._total, True
                if (ready := self._next_cut()) is not None:
                    cut, at_pause = ready
                    return self._take(cut), cut, at_pause
                if self._preview_due():
                    return self._preview(), None, False
                self._wake.wait()

    def _tell(self, heard: Transcript) -> None:
        """Hand the words so far to ``on_piece``; a failure there never stops transcribing."""
        if self._on_piece is None:
            return
        # a live display only: the report does not depend on it
        with contextlib.suppress(Exception):
            self._on_piece(heard)

    def _preview_due(self) -> bool:
        """Whether the newest words are worth a preview (called holding the lock): someone is
        listening, enough new audio has come since the last one, and some of it was speech."""
        if self._on_piece is None or self._total - self._previewed < PREVIEW_EVERY_S * SAMPLE_RATE:
            return False
        return any(speaking for _, end, speaking in self._speech if end > self._previewed)

    def _preview(self) -> Audio:
        """The newest audio not yet in a piece, at most PREVIEW_MAX_S (called holding the lock);
        nothing is taken from the buffer."""
        self._previewed = self._total
        buffered = np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)
        newest = buffered[-int(PREVIEW_MAX_S * SAMPLE_RATE) :]
        start = self._total - newest.size
        return Audio(newest, start / SAMPLE_RATE, newest.size / SAMPLE_RATE, SAMPLE_RATE, 1)

    def _hold_back(self, piece: Transcript, cut: int) -> None:
        """A piece cut where the speaker did not pause may end inside a word: keep its whole
        sentences, and hear the rest again with what follows (as Whisper itself does)."""
        restart = _last_sentence_end(piece.words[:-1])
        if restart is None:
            self._pieces.append(piece)
            return
        restart_at = min(cut, int(restart * SAMPLE_RATE))
        with self._wake:
            back = cut - restart_at
            if back > 0:
                buffered = np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)
                self._blocks = [np.concatenate([self._held[-back:], buffered])]
                self._done = restart_at
        self._pieces.append(_before(piece, restart))

    def _next_cut(self) -> tuple[int, bool] | None:
        """Where to end the next piece, if one is ready, and whether that is in a pause (called
        holding the lock)."""
        waiting = self._total - self._done
        if waiting < MIN_PIECE_S * SAMPLE_RATE:
            return None
        latest = self._total - int(KEEP_S * SAMPLE_RATE)
        earliest = self._done + int(MIN_PIECE_S * SAMPLE_RATE)
        pause = _last_pause(self._speech, earliest, latest)
        if pause is not None:
            return pause, True
        if waiting >= MAX_PIECE_S * SAMPLE_RATE:
            return self._done + int(MAX_PIECE_S * SAMPLE_RATE), False
        return None

    def _take(self, cut: int) -> Audio | None:
        """The audio from the last cut to ``cut`` (called holding the lock). The buffer always
        begins where the last piece ended."""
        if cut <= self._done:
            return None
        buffered = np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)
        piece, rest = buffered[: cut - self._done], buffered[cut - self._done :]
        start, self._done = self._done, cut
        self._previewed = max(self._previewed, cut)
        self._blocks = [rest]
        self._held = piece  # until the piece is transcribed: its end may be heard again
        self._speech = [b for b in self._speech if b[1] > cut]
        return Audio(piece, start / SAMPLE_RATE, piece.size / SAMPLE_RATE, SAMPLE_RATE, 1)


def _last_pause(blocks: list[tuple[int, int, bool]], earliest: int, latest: int) -> int | None:
    """The middle of the last run of non-speech blocks of at least PAUSE_S in [earliest, latest]."""
    need = int(PAUSE_S * SAMPLE_RATE)
    run_end = None
    for start, end, speaking in reversed(blocks):
        if end > latest:
            continue
        if start < earliest:
            break
        if speaking:
            run_end = None
            continue
        if run_end is None:
            run_end = end
        if run_end - start >= need:
            return (start + run_end) // 2
    return None


def _last_sentence_end(words) -> float | None:
    """Where to start again after the last word that ends a sentence: between it and the next."""
    for i in range(len(words) - 1, -1, -1):
        if words[i].text.endswith((".", "?", "!")) and words[i].end_s is not None:
            following = words[i + 1].start_s if i + 1 < len(words) else None
            if following is None or following <= words[i].end_s:
                return words[i].end_s
            return (words[i].end_s + following) / 2
    return None


def _before(piece: Transcript, time_s: float) -> Transcript:
    """The part of ``piece`` before ``time_s``."""
    words = tuple(w for w in piece.words if w.end_s <= time_s)
    return Transcript(
        words=words,
        speech_heard=bool(words),
        speech_regions=tuple(
            SpeechRegion(r.start_s, min(r.end_s, time_s))
            for r in piece.speech_regions
            if r.start_s < time_s
        ),
        dropped_words=tuple(w for w in piece.dropped_words if w.end_s <= time_s),
    )


def _join(pieces: list[Transcript]) -> Transcript:
    return Transcript(
        words=tuple(w for p in pieces for w in p.words),
        speech_heard=any(p.speech_heard for p in pieces),
        speech_regions=tuple(r for p in pieces for r in p.speech_regions),
        dropped_words=tuple(w for p in pieces for w in p.dropped_words),
    )
