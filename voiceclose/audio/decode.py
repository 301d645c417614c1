"""Decode any recording to 16 kHz mono float32, the only thing the rest of voiceclose sees.

WAV, FLAC, OGG and MP3 decode through libsndfile (bundled with the soundfile wheel), so no system
ffmpeg is needed for them; m4a/mp4/webm go through ffmpeg when it is installed. A WAV whose header
was never finalised (what a killed recorder leaves behind) is read from the bytes actually present.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from voiceclose.audio.native import native_stderr_silenced
from voiceclose.audio.sniff import read_regular, text_codec
from voiceclose.errors import InputError

SAMPLE_RATE = 16000  # Hz; what Whisper and the speech detector expect
MAX_DURATION_S = 6 * 3600  # a "recording" longer than 6 hours is not a practice session
LIBSNDFILE_SUFFIXES = {".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif"}
FFMPEG_SUFFIXES = {".m4a", ".mp4", ".aac", ".webm", ".mkv", ".mov", ".wma", ".amr"}
AUDIO_SUFFIXES = LIBSNDFILE_SUFFIXES | FFMPEG_SUFFIXES
_WAV_UNSET_SIZES = {0, 0xFFFFFFFF, 0x7FFFFFFF}  # what recorders leave before finalising a header
_SNIFF_BYTES = 4096  # bytes looked at to tell text from audio
MIN_SOURCE_RATE = 1000  # Hz; a header giving less (or more than the next) is corrupt
MAX_SOURCE_RATE = 768_000  # Hz; the highest rate audio interfaces record at
MAX_CHANNELS = 64  # a header claiming more channels than this is corrupt
UNKNOWN_FRAMES = 2**63 - 1  # libsndfile's length for a stream whose header has none
STREAM_BLOCK_FRAMES = 1 << 16  # frames read at a time from a file of unknown length


@dataclass(frozen=True)
class Audio:
    """A decoded recording, or the final part of one."""

    samples: np.ndarray  # float32, mono, SAMPLE_RATE
    offset_s: float  # where samples[0] sits in the original file, in seconds
    file_duration_s: float  # length of the whole file, in seconds
    source_rate: int  # the file's own sample rate, Hz
    source_channels: int
    notes: tuple[str, ...] = field(default=())  # things worth telling the user about the file

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def load_audio(path: Path | str, last_s: float | None = None) -> Audio:
    """Decode ``path`` to 16 kHz mono; with ``last_s``, only the final ``last_s`` seconds.

    Raises InputError, naming the file, for anything that cannot be read as audio.
    """
    path = Path(path)
    source = str(path)
    _check_readable(path, source)
    suffix = path.suffix.lower()
    head = _read_head(path, source)
    if not head:
        raise InputError(source, "the file is empty")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        audio = _load_wav(path, source, head, last_s)
    elif _looks_like_text(head):
        raise _not_audio(source, head)
    elif suffix in FFMPEG_SUFFIXES:
        audio = _load_with_ffmpeg(path, source, last_s)
    else:
        audio = _load_with_libsndfile(path, source, head, last_s)
    if audio.samples.size == 0:
        raise InputError(source, "the recording holds no audio (0 seconds)")
    return audio


def _check_readable(path: Path, source: str) -> None:
    try:
        if path.is_dir():
            raise InputError(source, "is a directory, not a recording")
        if not path.exists():
            raise InputError(source, "no such file")
    except PermissionError as e:
        raise InputError(source, "permission denied: the file cannot be read") from e


def _read_head(path: Path, source: str) -> bytes:
    return read_regular(path, source, _SNIFF_BYTES)


def _looks_like_text(head: bytes) -> bool:
    return text_codec(head) is not None


def _not_audio(source: str, head: bytes) -> InputError:
    if _looks_like_text(head):
        return InputError(
            source,
            "this is a text file, not audio (a transcript is checked as one when its name "
            "ends in .txt)",
        )
    return InputError(source, "not a recognisable audio file (corrupt, or an unsupported format)")


def _check_length(source: str, duration_s: float) -> None:
    if duration_s > MAX_DURATION_S:
        raise InputError(
            source,
            f"the recording is {duration_s / 3600:.1f} hours long; voiceclose checks recordings "
            f"of up to {MAX_DURATION_S // 3600} hours (cut out the close first)",
        )


def _window(total_frames: int, rate: int, last_s: float | None) -> int:
    """The first frame to read so that only the final ``last_s`` seconds are decoded."""
    if last_s is None or last_s <= 0:
        return 0
    return max(0, total_frames - int(round(last_s * rate)))


def _to_mono_16k(data: np.ndarray, rate: int) -> np.ndarray:
    data = np.asarray(data, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1, dtype=np.float32)
    if rate != SAMPLE_RATE and data.size:
        data = soxr.resample(data, rate, SAMPLE_RATE).astype(np.float32, copy=False)
    return np.ascontiguousarray(data)


def _finish(source, data, rate, channels, start_frame, total_frames, notes=()) -> Audio:
    return Audio(
        samples=_to_mono_16k(data, rate),
        offset_s=start_frame / rate,
        file_duration_s=total_frames / rate,
        source_rate=rate,
        source_channels=channels,
        notes=tuple(notes),
    )


# --- libsndfile: FLAC, OGG, MP3, AIFF ----------------------------------------------------------


def _load_with_libsndfile(path: Path, source: str, head: bytes, last_s: float | None) -> Audio:
    # libmpg123 reports each broken MP3 frame on file descriptor 2; the error raised says enough
    with native_stderr_silenced():
        try:
            info = sf.info(str(path))
        except (sf.LibsndfileError, RuntimeError, TypeError) as e:
            raise _not_audio(source, head) from e
        rate, channels, frames = info.samplerate, info.channels, info.frames
        _check_format(source, rate, channels)
        if frames == UNKNOWN_FRAMES:  # streamed: the length is only known once read to the end
            return _read_stream(path, source, rate, channels, last_s)
        if frames <= 0:
            raise InputError(source, "the recording holds no audio (0 seconds)")
        _check_length(source, frames / rate)
        start = _window(frames, rate, last_s)
        try:
            with sf.SoundFile(str(path)) as f:
                if start:
                    f.seek(start)
                data = f.read(dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as e:
            raise InputError(source, f"the file is truncated or corrupt ({_sf_reason(e)})") from e
    expected = frames - start
    # libsndfile stops quietly at a cut in a compressed stream; a big shortfall is a truncated file
    if len(data) < expected * 0.98 and expected - len(data) > rate // 2:
        raise InputError(
            source,
            f"the file is truncated or corrupt (decoding stopped at "
            f"{(start + len(data)) / rate:.1f} s of {frames / rate:.1f} s)",
        )
    return _finish(source, data, rate, channels, start, frames)


def _check_format(source: str, rate: int, channels: int) -> None:
    """A header's sample rate and channel count, checked before anything is read by them."""
    if not (MIN_SOURCE_RATE <= rate <= MAX_SOURCE_RATE) or not (1 <= channels <= MAX_CHANNELS):
        raise InputError(
            source,
            f"the audio header is corrupt (it gives {rate} Hz and {channels} channel(s))",
        )


def _read_stream(path: Path, source: str, rate: int, channels: int, last_s: float | None) -> Audio:
    """Decode a file whose header gives no length (``ffmpeg ... -f flac -`` writes one) block by
    block to its end, keeping only the final ``last_s`` seconds in memory when asked to."""
    keep = int(round(last_s * rate)) if last_s and last_s > 0 else None
    limit = int(MAX_DURATION_S * rate)
    blocks: deque[np.ndarray] = deque()
    kept = total = 0
    try:
        with sf.SoundFile(str(path)) as f:
            for block in _blocks(f, channels):
                total += len(block)
                if total > limit:
                    _check_length(source, total / rate)
                blocks.append(block)
                kept += len(block)
                while keep is not None and blocks and kept - len(blocks[0]) >= keep:
                    kept -= len(blocks.popleft())
    except (sf.LibsndfileError, RuntimeError) as e:
        raise InputError(source, f"the file is truncated or corrupt ({_sf_reason(e)})") from e
    if total == 0:
        raise InputError(source, "the recording holds no audio (0 seconds)")
    data = np.concatenate(blocks) if blocks else np.zeros(0, np.float32)
    if keep is not None and len(data) > keep:
        data = data[-keep:]
    return _finish(source, data, rate, channels, total - len(data), total)


def _blocks(f: sf.SoundFile, channels: int):
    """Mono blocks of ``f`` to its end. soundfile's own ``read`` seeks after every block, which
    fails at the end of a stream of unknown length, so libsndfile is called directly."""
    from soundfile import _ffi, _snd

    buffer = np.empty((STREAM_BLOCK_FRAMES, channels), dtype=np.float32)
    pointer = _ffi.cast("float *", buffer.ctypes.data)
    while True:
        got = _snd.sf_readf_float(f._file, pointer, STREAM_BLOCK_FRAMES)
        if got <= 0:
            return
        yield buffer[:got].mean(axis=1, dtype=np.float32)


def _sf_reason(e: Exception) -> str:
    text = str(e).strip().rstrip(".")
    return text.split(": ", 1)[-1] if ": " in text else text


# --- WAV, tolerant of headers that were never finalised ----------------------------------------

_WAV_FORMATS = {  # (format tag, bits) -> numpy dtype of one sample
    (1, 8): np.uint8,
    (1, 16): np.dtype("<i2"),
    (1, 32): np.dtype("<i4"),
    (3, 32): np.dtype("<f4"),
    (3, 64): np.dtype("<f8"),
}
_WAVE_FORMAT_EXTENSIBLE = 0xFFFE


@dataclass
class _WavLayout:
    format_tag: int
    channels: int
    rate: int
    bits: int
    block_align: int
    data_offset: int
    data_bytes: int  # bytes of audio actually present
    notes: list[str]


def _parse_wav(path: Path, source: str, head: bytes) -> _WavLayout:
    file_size = path.stat().st_size
    pos, fmt = 12, None
    with open(path, "rb") as f:
        while True:
            f.seek(pos)
            chunk = f.read(8)
            if len(chunk) < 8:
                raise InputError(source, "the WAV file is truncated: it has no audio data")
            cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"fmt ":
                body = f.read(min(size, 40))
                if len(body) < 16:
                    raise InputError(source, "the WAV header is truncated or corrupt")
                tag, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", body[:16])
                if tag == _WAVE_FORMAT_EXTENSIBLE and len(body) >= 26:
                    tag = struct.unpack("<H", body[24:26])[0]
                fmt = (tag, channels, rate, bits, block_align)
            elif cid == b"data":
                if fmt is None:
                    raise InputError(source, "the WAV header is corrupt (audio data before format)")
                data_offset = pos + 8
                present = file_size - data_offset
                notes = []
                if size in _WAV_UNSET_SIZES or size > present:
                    if size not in _WAV_UNSET_SIZES:
                        notes.append(
                            "the WAV header promises more audio than the file holds "
                            "(an interrupted recording?); reading what is there"
                        )
                    else:
                        notes.append("the WAV header was never finalised; reading what is there")
                    size = present
                tag, channels, rate, bits, block_align = fmt
                return _WavLayout(tag, channels, rate, bits, block_align, data_offset, size, notes)
            pos += 8 + size + (size & 1)
            if pos >= file_size:
                raise InputError(source, "the WAV file has no audio data")


def _load_wav(path: Path, source: str, head: bytes, last_s: float | None) -> Audio:
    try:
        w = _parse_wav(path, source, head)
    except OSError as e:
        raise InputError(source, f"cannot be read ({e.strerror or e})") from e
    if w.block_align <= 0:
        raise InputError(source, "the WAV header is corrupt (no sample rate or channels)")
    _check_format(source, w.rate, w.channels)
    frames = w.data_bytes // w.block_align
    if frames <= 0:
        raise InputError(source, "the recording holds no audio (0 seconds)")
    _check_length(source, frames / w.rate)
    dtype = _WAV_FORMATS.get((w.format_tag, w.bits))
    if dtype is None or np.dtype(dtype).itemsize * w.channels != w.block_align:
        # unusual encodings (24-bit, A-law...) go to libsndfile, which knows them all
        return _load_with_libsndfile(path, source, head, last_s)
    start = _window(frames, w.rate, last_s)
    raw = np.memmap(path, dtype=dtype, mode="r", offset=w.data_offset, shape=(frames, w.channels))
    data = _pcm_to_float(np.asarray(raw[start:]))
    del raw
    return _finish(source, data, w.rate, w.channels, start, frames, w.notes)


def _pcm_to_float(data: np.ndarray) -> np.ndarray:
    if data.dtype == np.uint8:
        return (data.astype(np.float32) - 128.0) / 128.0
    if data.dtype.kind == "i":
        return data.astype(np.float32) / float(np.iinfo(data.dtype).max + 1)
    return data.astype(np.float32)


# --- ffmpeg: m4a, mp4, webm ---------------------------------------------------------------------


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None


def _load_with_ffmpeg(path: Path, source: str, last_s: float | None) -> Audio:
    if not ffmpeg_available():
        raise InputError(
            source,
            f"{path.suffix.lower()} files need ffmpeg to decode, and it is not installed "
            "(install ffmpeg, or convert the file to WAV, FLAC, OGG or MP3)",
        )
    duration = _ffprobe_duration(path)
    if duration is not None:
        _check_length(source, duration)
    cmd = ["ffmpeg", "-nostdin", "-v", "error"]
    start_s = 0.0
    if last_s and duration and duration > last_s:
        start_s = duration - last_s
        cmd += ["-ss", f"{start_s:.3f}"]
    cmd += ["-i", str(path), "-vn", "-f", "s16le", "-ac", "1", "-ar", str(SAMPLE_RATE), "-"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        reason = proc.stderr.decode(errors="replace").strip().splitlines()
        detail = reason[-1].split(": ", 1)[-1] if reason else "ffmpeg failed"
        raise InputError(source, f"not a recognisable audio file ({detail})")
    pcm = np.frombuffer(proc.stdout, dtype="<i2")
    samples = pcm.astype(np.float32) / 32768.0
    total = duration if duration is not None else start_s + len(samples) / SAMPLE_RATE
    return Audio(samples, start_s, total, SAMPLE_RATE, 1)


def _ffprobe_duration(path: Path) -> float | None:
    if shutil.which("ffprobe") is None:
        return None
    proc = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
    )
    try:
        return float(proc.stdout.strip())
    except ValueError:
        return None
