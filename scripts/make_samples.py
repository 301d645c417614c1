"""(Re)create the bundled sample recordings in samples/ from samples/manifest.toml.

Usage (from the repository root):

    .venv/bin/python scripts/make_samples.py                 every sample in the manifest
    .venv/bin/python scripts/make_samples.py --only NAME     just NAME (file name, with or without
                                                             .flac; repeat --only for several)
    .venv/bin/python scripts/make_samples.py --list          list the samples and exit

Each [[sample]] in the manifest names a synthetic voice and the text it speaks:

    espeak-ng:<voice>   espeak-ng -v <voice>           (e.g. espeak-ng:en-us, espeak-ng:en-gb+f3)
    flite:<voice>       flite -voice <voice>           (kal, awb, rms or slt)
    festival:slt        text2wave with (voice_cmu_us_slt_arctic_hts)
    none                no speech; only with the "silence=SECONDS" effect

The synthesised speech is peak-normalised to -18 dBFS (a quiet laptop microphone; it also keeps the
FLAC files small), then the manifest's effects are applied with sox, always in this order:

    silence=S              the file is S seconds of silence (voice "none", text "")
    speed=F                tempo F (1.1 = 10 % faster), pitch kept (sox "tempo -s")
    pad=A[:B]              A seconds of silence before the speech, B (default A) after it
    noise=AMP[:COLOUR]     pink (default), brown or white noise at peak amplitude AMP mixed in

and the result is written as 16-bit FLAC at the manifest's rate and channels (16 kHz mono unless it
says otherwise). sox runs in repeatable mode (-R: noise from a fixed seed) and without dither (-D),
so the same manifest and tools give byte-identical files. Needs espeak-ng, flite, festival (with
festvox-us-slt-hts) and sox; on Debian: apt-get install espeak-ng flite festival festvox-us-slt-hts
sox. A missing tool stops the script with that message before anything is written.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
MANIFEST = SAMPLES / "manifest.toml"

DEFAULT_RATE = 16000
DEFAULT_CHANNELS = 1
MIN_SPEECH_S, MAX_SPEECH_S = 10.0, 45.0  # what a rehearsed close plausibly lasts
PEAK_DB = -18.0  # speech peak, dBFS, before noise is mixed in
PARTS = ("interest", "fit", "reservations", "thanks")
OPTIONAL_EXPECT = ("next_steps", "overconfident")
FLITE_VOICES = ("kal", "awb", "rms", "slt")
FESTIVAL_VOICES = {"slt": "(voice_cmu_us_slt_arctic_hts)"}
NOISE_COLOURS = {"pink": "pinknoise", "brown": "brownnoise", "white": "whitenoise"}
# -R: fixed seeds for noise and dither, so reruns give identical files; -D: no dither, which would
# only add noise that FLAC cannot compress.
SOX = ["sox", "-R", "-D"]
TOOL_PACKAGES = {  # command -> Debian package that provides it
    "sox": "sox",
    "soxi": "sox",
    "espeak-ng": "espeak-ng",
    "flite": "flite",
    "text2wave": "festival festvox-us-slt-hts",
}


class SampleError(Exception):
    """A manifest entry or a tool run that cannot produce its sample."""


@dataclass(frozen=True)
class Effects:
    silence_s: float | None = None
    pad: tuple[float, float] | None = None
    speed: float | None = None
    noise: tuple[float, str] | None = None  # (peak amplitude, colour)


@dataclass(frozen=True)
class Sample:
    file: str
    engine: str  # espeak-ng, flite, festival or none
    voice: str
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
    effects = _parse_effects(where, entry.get("effects", []))
    engine, voice = _parse_voice(where, entry["voice"])
    text = " ".join(entry["text"].split())
    if effects.silence_s is not None:
        if engine != "none" or text:
            raise SampleError(f'{where}: a silence sample needs voice = "none" and text = ""')
    elif engine == "none" or not text:
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
    return Sample(file, engine, voice, text, rate, channels, effects, dict(expect))


def _parse_voice(where: str, spec: str) -> tuple[str, str]:
    if spec == "none":
        return "none", ""
    engine, _, voice = spec.partition(":")
    if engine == "espeak-ng" and voice and voice.replace("+", "").replace("-", "").isalnum():
        return engine, voice
    if engine == "flite" and voice in FLITE_VOICES:
        return engine, voice
    if engine == "festival" and voice in FESTIVAL_VOICES:
        return engine, voice
    raise SampleError(
        f"{where}: unknown voice {spec!r}; use espeak-ng:<voice>, "
        f"flite:<{'|'.join(FLITE_VOICES)}>, festival:<{'|'.join(FESTIVAL_VOICES)}> or none"
    )


def _parse_effects(where: str, raw: object) -> Effects:
    if not isinstance(raw, list) or not all(isinstance(e, str) for e in raw):
        raise SampleError(f"{where}: effects must be a list of strings")
    found: dict[str, object] = {}
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or name in found:
            raise SampleError(f"{where}: bad or repeated effect {item!r}")
        try:
            if name == "silence":
                found[name] = _positive(value)
            elif name == "pad":
                before, _, after = value.partition(":")
                found[name] = (_non_negative(before), _non_negative(after or before))
            elif name == "speed":
                found[name] = _positive(value)
            elif name == "noise":
                amp, _, colour = value.partition(":")
                colour = colour or "pink"
                if colour not in NOISE_COLOURS or not 0 < float(amp) < 1:
                    raise ValueError
                found[name] = (float(amp), colour)
            else:
                raise SampleError(f"{where}: unknown effect {item!r}")
        except ValueError:
            raise SampleError(f"{where}: bad value in effect {item!r}") from None
    if "silence" in found and ({"pad", "speed"} & set(found)):
        raise SampleError(f"{where}: silence=S cannot be combined with pad or speed")
    return Effects(
        silence_s=found.get("silence"),  # type: ignore[arg-type]
        pad=found.get("pad"),  # type: ignore[arg-type]
        speed=found.get("speed"),  # type: ignore[arg-type]
        noise=found.get("noise"),  # type: ignore[arg-type]
    )


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(value)
    return number


def _non_negative(value: str) -> float:
    number = float(value)
    if not number >= 0:
        raise ValueError(value)
    return number


# --- tools ----------------------------------------------------------------------------------------


def tools_for(samples: list[Sample]) -> list[str]:
    needed = ["sox", "soxi"]
    engine_tool = {"espeak-ng": "espeak-ng", "flite": "flite", "festival": "text2wave"}
    for s in samples:
        tool = engine_tool.get(s.engine)
        if tool and tool not in needed:
            needed.append(tool)
    return needed


def require_tools(tools: list[str]) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        packages = sorted({TOOL_PACKAGES[t] for t in missing})
        raise SampleError(
            f"missing command-line tool(s): {', '.join(missing)}; "
            f"on Debian/Ubuntu: apt-get install {' '.join(packages)}"
        )


def run(cmd: list[str], what: str) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise SampleError(f"{what}: could not run {cmd[0]}: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SampleError(
            f"{what}: {cmd[0]} exited with status {done.returncode}"
            + (f": {detail[-1]}" if detail else "")
        )
    return done.stdout + done.stderr


def duration_s(path: Path) -> float:
    return float(run(["soxi", "-D", str(path)], f"reading {path.name}").split()[0])


# --- making one sample ----------------------------------------------------------------------------


def synthesise(sample: Sample, work: Path) -> Path:
    """Speak the sample's text into a WAV file in ``work``; returns its path."""
    text_file = work / "text.txt"
    text_file.write_text(sample.text + "\n", encoding="utf-8")
    wav = work / "speech.wav"
    what = f"{sample.file}: synthesising with {sample.engine}:{sample.voice}"
    if sample.engine == "espeak-ng":
        cmd = ["espeak-ng", "-v", sample.voice, "-w", str(wav), "-f", str(text_file)]
    elif sample.engine == "flite":
        cmd = ["flite", "-voice", sample.voice, "-f", str(text_file), "-o", str(wav)]
    elif sample.engine == "festival":
        cmd = ["text2wave", "-eval", FESTIVAL_VOICES[sample.voice], "-o", str(wav), str(text_file)]
    else:
        raise SampleError(f"{sample.file}: nothing to synthesise")
    output = run(cmd, what)
    # festival reports a missing voice (a SIOD error) yet exits 0; catch an empty result too.
    if not wav.exists() or wav.stat().st_size < 1000 or duration_s(wav) < 1.0:
        said = " ".join(output.split())[:200]
        raise SampleError(f"{what}: no audio produced" + (f" ({said})" if said else ""))
    return wav


def make_sample(sample: Sample, out_dir: Path = SAMPLES) -> float:
    """Create ``out_dir/sample.file``; returns its duration in seconds."""
    target = out_dir / sample.file
    fx = sample.effects
    with tempfile.TemporaryDirectory(prefix="make_samples.") as tmp:
        work = Path(tmp)
        clean = work / "clean.wav"  # speech (or silence) at the output rate, before noise
        fmt = ["-r", str(sample.rate), "-c", str(sample.channels), "-b", "16"]
        if fx.silence_s is not None:
            run(
                [*SOX, "-n", *fmt, str(clean), "trim", "0", f"{fx.silence_s:g}"],
                f"{sample.file}: making silence",
            )
        else:
            speech = synthesise(sample, work)
            effects = ["gain", "-n", f"{PEAK_DB:g}"]
            if fx.speed is not None:
                effects += ["tempo", "-s", f"{fx.speed:g}"]
            if fx.pad is not None:
                effects += ["pad", f"{fx.pad[0]:g}", f"{fx.pad[1]:g}"]
            # rate last, so everything before it runs at the voice's own rate; channels are
            # duplicated (identical left and right) when the output is stereo.
            effects += ["rate", "-v", str(sample.rate), "channels", str(sample.channels)]
            run(
                [*SOX, str(speech), "-b", "16", str(clean), *effects],
                f"{sample.file}: processing speech",
            )
        mixed = clean
        if fx.noise is not None:
            amplitude, colour = fx.noise
            noise = work / "noise.wav"
            length = f"{duration_s(clean):.6f}"
            synth = ["synth", length, NOISE_COLOURS[colour], "vol", f"{amplitude:g}"]
            run([*SOX, "-n", *fmt, str(noise), *synth], f"{sample.file}: making noise")
            mixed = work / "mixed.wav"
            # -v 1 on each input: add the two signals as they are (sox -m would halve each).
            inputs = ["-v", "1", str(clean), "-v", "1", str(noise)]
            run([*SOX, "-m", *inputs, "-b", "16", str(mixed)], f"{sample.file}: mixing in noise")
        partial = work / sample.file
        run(
            [*SOX, str(mixed), *fmt, "-C", "8", str(partial)],
            f"{sample.file}: writing FLAC",
        )
        seconds = duration_s(partial)
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.move(str(partial), target)
    return seconds


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
                voice = f"{s.engine}:{s.voice}" if s.voice else s.engine
                print(f"{s.file:40} {voice:20} {s.rate}/{s.channels}  {parts}")
            return 0
        if args.only:
            wanted = {n.removesuffix(".flac") for n in args.only}
            unknown = wanted - {s.name for s in samples}
            if unknown:
                raise SampleError(f"not in the manifest: {', '.join(sorted(unknown))}")
            samples = [s for s in samples if s.name in wanted]
        require_tools(tools_for(samples))
        for s in samples:
            seconds = make_sample(s)
            note = ""
            if s.effects.silence_s is None and not MIN_SPEECH_S <= seconds <= MAX_SPEECH_S:
                note = f"  (warning: outside {MIN_SPEECH_S:g}-{MAX_SPEECH_S:g} s)"
            size_kb = (SAMPLES / s.file).stat().st_size / 1024
            print(f"{s.file}: {seconds:.1f} s, {size_kb:.0f} KB{note}")
    except SampleError as exc:
        print(f"make_samples: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
