"""(Re)create the bundled sample recordings in samples/ from samples/manifest.toml.

Usage (from the repository root):

    .venv/bin/python scripts/make_samples.py                 every sample in the manifest
    .venv/bin/python scripts/make_samples.py --only NAME     just NAME (file name, with or without
                                                             .flac; repeat --only for several)
    .venv/bin/python scripts/make_samples.py --list          list the samples and exit

Each [[sample]] in the manifest names a synthetic voice (espeak-ng:<voice>, flite:<voice>,
festival:slt, or none for a silence-only sample), the text it speaks and its effects; the voices,
the effects and how they are applied are those of voiceclose.speak (see its docstring). The result
is written as 16-bit FLAC at the manifest's rate and channels (16 kHz mono unless it says
otherwise); the same manifest and tools give byte-identical files. Needs espeak-ng, flite, festival
(with festvox-us-slt-hts) and sox; on Debian: apt-get install espeak-ng flite festival
festvox-us-slt-hts sox. A missing tool stops the script with that message before anything is
written.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from voiceclose.evaluate.speak import Effects, SpeakError, Voice, render, require_tools, tools_for

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
MANIFEST = SAMPLES / "manifest.toml"

DEFAULT_RATE = 16000
DEFAULT_CHANNELS = 1
MIN_SPEECH_S, MAX_SPEECH_S = 10.0, 45.0  # what a rehearsed close plausibly lasts
PARTS = ("interest", "fit", "reservations", "thanks")
OPTIONAL_EXPECT = ("next_steps", "overconfident")


class SampleError(Exception):
    """A manifest entry that cannot produce its sample."""


@dataclass(frozen=True)
class Sample:
    file: str
    voice: Voice
    text: str
    rate: int
    channels: int
    effects: Effects
    expect: dict[str, bool]

    @property
    def name(self) -> str:
        return Path(self.file).stem


# --- the manifest ---------------------------------------------------------------------------------


def load_manifest(path: Path = MANIFEST) -> list[Sample]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SampleError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise SampleError(f"{path}: not valid TOML: {exc}") from None
    entries = data.get("sample")
    if not isinstance(entries, list) or not entries:
        raise SampleError(f"{path}: no [[sample]] tables")
    samples = [_parse_sample(i, entry) for i, entry in enumerate(entries, 1)]
    seen: set[str] = set()
    for s in samples:
        if s.file in seen:
            raise SampleError(f"{path}: {s.file} is listed twice")
        seen.add(s.file)
    return samples


def _parse_sample(index: int, entry: dict) -> Sample:
    where = f"sample #{index} ({entry.get('file', 'no file')})"
    file = entry.get("file")
    plain = isinstance(file, str) and "/" not in file and not file.startswith(".")
    if not plain or not file.endswith(".flac"):
        raise SampleError(f"{where}: file must be a plain name ending in .flac")
    for key in ("voice", "text", "description"):
        if not isinstance(entry.get(key), str):
            raise SampleError(f"{where}: {key} must be a string")
    if not entry["description"].strip():
        raise SampleError(f"{where}: description is empty")
    rate = entry.get("rate", DEFAULT_RATE)
    channels = entry.get("channels", DEFAULT_CHANNELS)
    if rate not in (8000, 16000, 22050, 24000, 32000, 44100, 48000):
        raise SampleError(f"{where}: unsupported rate {rate!r}")
    if channels not in (1, 2):
        raise SampleError(f"{where}: channels must be 1 or 2, not {channels!r}")
    raw_effects = entry.get("effects", [])
    if not isinstance(raw_effects, list) or not all(isinstance(e, str) for e in raw_effects):
        raise SampleError(f"{where}: effects must be a list of strings")
    try:
        effects = Effects.parse(raw_effects)
        voice = Voice.parse(entry["voice"])
    except SpeakError as exc:
        raise SampleError(f"{where}: {exc}") from None
    text = " ".join(entry["text"].split())
    if effects.silence_s is not None:
        if voice.engine != "none" or text:
            raise SampleError(f'{where}: a silence sample needs voice = "none" and text = ""')
    elif voice.engine == "none" or not text:
        raise SampleError(f"{where}: needs a voice and some text (or the silence=S effect)")
    expect = entry.get("expect")
    if not isinstance(expect, dict):
        raise SampleError(f"{where}: missing [sample.expect]")
    for key in ("speech", *PARTS):
        if not isinstance(expect.get(key), bool):
            raise SampleError(f"{where}: expect.{key} must be true or false")
    unknown = set(expect) - {"speech", *PARTS, *OPTIONAL_EXPECT}
    if unknown:
        raise SampleError(f"{where}: unknown expect keys: {', '.join(sorted(unknown))}")
    return Sample(file, voice, text, rate, channels, effects, dict(expect))


# --- making one sample ----------------------------------------------------------------------------


def make_sample(sample: Sample, out_dir: Path = SAMPLES) -> float:
    """Create ``out_dir/sample.file``; returns its duration in seconds."""
    return render(
        sample.text,
        sample.voice,
        sample.effects,
        out_dir / sample.file,
        rate=sample.rate,
        channels=sample.channels,
    )


# --- command line ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    only_help = "make only this sample (file name, .flac optional); repeatable"
    parser.add_argument("--only", action="append", metavar="NAME", help=only_help)
    parser.add_argument("--list", action="store_true", help="list the samples and exit")
    args = parser.parse_args(argv)
    try:
        samples = load_manifest()
        if args.list:
            for s in samples:
                parts = " ".join(p for p in PARTS if s.expect[p]) or "-"
                print(f"{s.file:40} {str(s.voice):20} {s.rate}/{s.channels}  {parts}")
            return 0
        if args.only:
            wanted = {n.removesuffix(".flac") for n in args.only}
            unknown = wanted - {s.name for s in samples}
            if unknown:
                raise SampleError(f"not in the manifest: {', '.join(sorted(unknown))}")
            samples = [s for s in samples if s.name in wanted]
        require_tools(tools_for(s.voice for s in samples))
        for s in samples:
            seconds = make_sample(s)
            note = ""
            if s.effects.silence_s is None and not MIN_SPEECH_S <= seconds <= MAX_SPEECH_S:
                note = f"  (warning: outside {MIN_SPEECH_S:g}-{MAX_SPEECH_S:g} s)"
            size_kb = (SAMPLES / s.file).stat().st_size / 1024
            print(f"{s.file}: {seconds:.1f} s, {size_kb:.0f} KB{note}")
    except (SampleError, SpeakError) as exc:
        print(f"make_samples: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
