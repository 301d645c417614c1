"""Inputs to results: find the recordings or transcripts, decode, transcribe, check.

Each input becomes a ``Report`` (it was checked) or a ``Failure`` (one line saying why not); one
bad input never stops the others. The Whisper model is loaded once, on the first audio input.
"""

from __future__ import annotations

import os
import stat
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from voiceclose.app.scenarios import Scenario, sidecar_scenario
from voiceclose.asr import transcript_cache
from voiceclose.asr.transcribe import transcribe, transcript_from_text
from voiceclose.asr.warm_up import warm_up_transcribing
from voiceclose.asr.weights import LoadedModel, ModelLoader
from voiceclose.audio.decode import AUDIO_SUFFIXES, Audio, load_audio
from voiceclose.audio.sniff import looks_like_audio, read_regular, text_codec
from voiceclose.check import semantic
from voiceclose.check.engine import check
from voiceclose.check.feedback import feedback_for
from voiceclose.check.rules import warm_up
from voiceclose.defaults import DEFAULT_LAST_MINUTES, DEFAULT_MODEL
from voiceclose.errors import InputError
from voiceclose.report.wording import counted
from voiceclose.results import (
    ELEMENTS,
    NO_SPEECH,
    CheckResult,
    ElementResult,
    Failure,
    Report,
    Result,
    Transcript,
    Window,
    clock,
)

TEXT_SUFFIXES = {".txt", ".text"}
MAX_TEXT_BYTES = 1_000_000  # a transcript of a close is a few hundred words; 1 MB is not one
SNIFF_BYTES = 4096  # bytes of a transcript looked at to tell text from audio, and its codec
STDIN = "-"


@dataclass(frozen=True)
class Options:
    model: str = DEFAULT_MODEL
    last_minutes: float = DEFAULT_LAST_MINUTES  # 0 checks the whole recording
    text: bool = False  # inputs are transcripts, not audio
    scenario: Scenario | None = None  # check against this practice scenario's needs
    semantic: bool = True  # the semantic second signal beside the rules, when it is installed


@dataclass(frozen=True)
class Item:
    """One input to check: a file, or standard input."""

    source: str  # as the user gave it (or as found under a directory they gave)
    path: Path | None  # None for standard input


def discover(paths: Sequence[str], text: bool = False) -> Iterator[Item | Failure]:
    """Expand the paths given into inputs; directories are searched recursively, sorted. A
    folder that cannot be read becomes a Failure naming it, and the search goes on."""
    suffixes = TEXT_SUFFIXES if text else AUDIO_SUFFIXES
    for given in paths:
        if given == STDIN and text:
            yield Item(STDIN, None)
            continue
        path = Path(given)
        try:
            is_dir = stat.S_ISDIR(path.stat().st_mode)
        except FileNotFoundError:
            yield Failure(given, "no such file or directory")
            continue
        except PermissionError:
            yield Failure(given, "permission denied: the file cannot be read")
            continue
        except OSError as e:
            yield Failure(given, f"cannot be read ({e.strerror or e})")
            continue
        if not is_dir:
            yield Item(given, path)
            continue
        found = _walk(path, suffixes)
        if not found:
            what = "transcripts (.txt)" if text else "audio files"
            yield Failure(given, f"no {what} found in this directory")
        yield from found


def _walk(root: Path, suffixes: set[str]) -> list[Item | Failure]:
    """The inputs under ``root`` and a Failure for each folder that could not be read, sorted
    by path."""
    found: list[tuple[str, Item | Failure]] = []

    def on_error(error: OSError) -> None:
        folder = str(error.filename or root)
        if isinstance(error, PermissionError):
            problem = "permission denied: the folder cannot be read"
        else:
            problem = f"the folder cannot be read ({error.strerror or error})"
        found.append((Path(folder).as_posix(), Failure(folder, problem)))

    for folder, dirs, files in os.walk(root, onerror=on_error):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in suffixes:
                child = Path(folder) / name
                found.append((child.as_posix(), Item(str(child), child)))
    return [entry for _, entry in sorted(found, key=lambda pair: pair[0])]


class Checker:
    """Checks inputs one by one, loading the model once, on the first audio input.

    Use it as a context manager (or call ``close``): the model and the rules load in background
    threads, and a process must not end while they are inside native code (PyTorch aborts the
    whole process: "terminate called without an active exception")."""

    def __init__(self, options: Options | None = None):
        self.options = options or Options()
        self._loader = ModelLoader(self.options.model)
        self._background: list[threading.Thread] = []

    def prefetch(self, all_rules: bool = False, audio: bool = True) -> None:
        """Start loading the model, the semantic signal and compiling the rules in the
        background (``all_rules``: every rule, not only those a transcript turns out to need;
        ``audio``: whether any input may be audio, else the model is not loaded)."""
        if audio and not self.options.text:
            self._loader.start()
        if self.options.semantic:
            semantic.prefetch()
        self._background.append(warm_up(all_rules))

    def warm_up(self) -> None:
        """Load the model and every rule, and run each stage of transcribing once (about a
        second more): for a server, whose first check is then as quick as the rest."""
        self.prefetch(all_rules=True)
        warm_up_transcribing(self.get_model())

    def close(self) -> None:
        """Wait for the background work to finish (it cannot be interrupted mid-way)."""
        self._loader.wait()
        semantic.wait()
        for thread in self._background:
            thread.join()
        self._background.clear()

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def model(self) -> LoadedModel:
        return self._loader.get()

    def get_model(self) -> LoadedModel:
        """The model, waiting for it if it is still loading (for work in other threads)."""
        return self._loader.get()

    def run(self, item: Item | Failure) -> Result:
        """Check one input; a problem with it becomes a Failure, never an exception."""
        if isinstance(item, Failure):
            return item
        try:
            if reads_as_text(self.options, item):
                return self._check_text(item)
            return self.check_audio_file(item.source, item.path)
        except InputError as e:
            return Failure(item.source, e.problem)

    def heard(self, audio: Audio, transcript: Transcript | None = None) -> Transcript:
        """The words in ``audio``: remembered from an earlier run, else transcribed (and then
        remembered). ``transcript``, when given, is what was heard while it was recorded: it is
        remembered for this audio, so checking the file again gives the same words."""
        cache_key = transcript_cache.key(audio, self.options.model)
        if transcript is None:
            transcript = transcript_cache.load(cache_key)
            if transcript is None:
                transcript = transcribe(audio, self._loader.get)
                transcript_cache.save(cache_key, transcript)
        else:
            transcript_cache.save(cache_key, transcript)
        return transcript

    def check_audio_file(
        self,
        source: str,
        path: Path,
        transcript: Transcript | None = None,
        scenario: Scenario | None = None,
    ) -> Report:
        """Check a recording; ``transcript``, when given, is what was heard while it was made
        (it is remembered for this audio, so checking the file again gives the same words);
        ``scenario`` overrides the options' (and the one a practice recording was made for)."""
        last_s = self.options.last_minutes * 60 if self.options.last_minutes > 0 else None
        audio = load_audio(path, last_s=last_s)
        transcript = self.heard(audio, transcript)
        window = None
        notes = list(audio.notes)
        if audio.offset_s > 0:
            window = Window(audio.offset_s, audio.file_duration_s, audio.file_duration_s)
            notes.append(
                f"checked the final {clock(audio.duration_s)} of a "
                f"{clock(audio.file_duration_s)} recording (--last changes how much)"
            )
        scenario = scenario or self.options.scenario or sidecar_scenario(path, notes)
        if not transcript.speech_heard:
            notes.append(NO_SPEECH)
        elif transcript.dropped_words:
            notes.append(
                f"left out {counted(len(transcript.dropped_words), 'word')} Whisper heard where "
                "the audio holds no speech"
            )
        return self._report(
            source, "audio", transcript, audio.file_duration_s, window, notes, scenario
        )

    def read_text(self, item: Item) -> str:
        """A transcript's text (``reads_as_text`` said it is one: --text, or its name)."""
        return read_text_input(item, by_name=not self.options.text)

    def _check_text(self, item: Item) -> Report:
        transcript = transcript_from_text(self.read_text(item))
        return self._report(item.source, "text", transcript, None, None, [], self.options.scenario)

    def _report(
        self, source, kind, transcript: Transcript, duration_s, window, notes, scenario
    ) -> Report:
        result = check(
            transcript.words,
            needs=scenario.needs if scenario else (),
            speech_regions=transcript.speech_regions if kind == "audio" else None,
            semantic=self._semantic(notes),
        )
        if kind == "audio" and not transcript.speech_heard:
            result = _nothing_heard(result)
        return Report(
            source=source,
            kind=kind,
            duration_s=round(duration_s, 2) if duration_s is not None else None,
            transcript=transcript.text,
            model=self.options.model if kind == "audio" else None,
            elements=result.elements,
            missed=result.missed,
            extras=result.extras,
            feedback=feedback_for(result, scenario, _speech_span(transcript)),
            window=window,
            notes=notes,
            words=list(transcript.words),
            candidates=list(result.candidates),
            prompt=scenario.name if scenario else None,
        )

    def _semantic(self, notes: list[str]) -> semantic.Semantic | None:
        """The semantic signal (waiting for it to finish loading); None, with a note saying
        why, when it cannot be used."""
        if not self.options.semantic:
            return None
        found = semantic.get()
        if found is None and (why := semantic.note()):
            notes.append(why)
        return found


def _speech_span(transcript: Transcript) -> float | None:
    timed = [w for w in transcript.words if w.start_s is not None and w.end_s is not None]
    return timed[-1].end_s - timed[0].start_s if timed else None


def _nothing_heard(result: CheckResult) -> CheckResult:
    """No speech: nothing is credited, whatever Whisper may have written."""
    empty = ElementResult(False, 0.0, None, None, None)
    return CheckResult({e: empty for e in ELEMENTS}, result.extras, ())


def reads_as_text(options: Options, item: Item) -> bool:
    """Whether ``item`` is a typed transcript: with --text, or named as one (check close.txt, as
    the hint for text in an audio file says; the app's uploads go by their names alone)."""
    return options.text or bool(item.path and item.path.suffix.lower() in TEXT_SUFFIXES)


def read_text_input(item: Item, by_name: bool = False) -> str:
    """A typed transcript's text, from a file or standard input; InputError says what is wrong.
    ``by_name``: read as text for its name alone (no --text), which is what a hint then names."""
    # why it was read as text, for a file that is not: the flag, or its name (the app has no flag)
    why = "its name ends in .txt, so it was read as one" if by_name else "check it without --text"
    if item.path is None:
        data = sys.stdin.buffer.read(MAX_TEXT_BYTES + 1)
    else:
        if item.path.is_dir():
            raise InputError(item.source, "is a directory, not a transcript")
        data = read_regular(item.path, item.source, MAX_TEXT_BYTES + 1)
    head = data[:SNIFF_BYTES]
    if looks_like_audio(head):
        # named as a transcript: only a new name gets it checked as the recording it is
        fix = "; rename it to its audio type, such as .wav, to check it" if by_name else ""
        raise InputError(item.source, f"this is audio, not a transcript ({why}{fix})")
    if len(data) > MAX_TEXT_BYTES:
        raise InputError(
            item.source,
            f"the transcript is over {MAX_TEXT_BYTES // 1_000_000} MB; a close is a few hundred "
            "words",
        )
    # text in a byte-order mark's codec, or else UTF-8 (which names the problem if it is not)
    codec = text_codec(head) or ("utf-8-sig" if b"\x00" not in head else None)
    if codec is None:  # zero bytes: binary, or UTF-16 saved without its byte-order mark
        hint = why if by_name else "use it without --text if it is audio"
        raise InputError(
            item.source,
            f"not a text file, or UTF-16 without a byte-order mark ({hint}; save text as UTF-8)",
        )
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as e:
        name = "UTF-8" if codec.startswith("utf-8") else codec.upper()
        raise InputError(
            item.source, f"not {name} text (save it as UTF-8 and check it again)"
        ) from e
    if not text.strip():
        raise InputError(item.source, "the transcript is empty")
    return text
