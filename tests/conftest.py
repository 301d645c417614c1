"""Shared fixtures: an isolated user directory per test, one model cache per session, the CLI in-process."""

from __future__ import annotations

import os
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from voiceclose.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """One model cache for the whole run: converting the weights once is enough."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def user_home(tmp_path, monkeypatch, shared_cache) -> Path:
    """Every test gets its own user directory (history, recordings); the model cache is shared."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "cache").symlink_to(shared_cache, target_is_directory=True)
    monkeypatch.setenv("VOICECLOSE_HOME", str(home))
    return home


@dataclass
class CliRun:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.out.splitlines() if line.strip()]

    def json(self) -> list[dict]:
        import json

        return [json.loads(line) for line in self.lines]


@pytest.fixture
def cli(capsys):
    """Run ``voiceclose ARGS`` in this process; returns exit code and captured output."""

    def run(*args: str) -> CliRun:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:  # argparse usage errors
            code = e.code
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def manifest() -> list[dict]:
    with open(SAMPLES / "manifest.toml", "rb") as f:
        return tomllib.load(f)["sample"]


@pytest.fixture(scope="session")
def pulse(tmp_path_factory):
    """A running private PulseAudio server (see tests/pulse.py); restarted if a test stopped it."""
    from .pulse import PulseServer, require_pulse

    require_pulse()
    server = PulseServer(tmp_path_factory.mktemp("pulse-runtime"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mic(pulse):
    """The session's PulseAudio server, running."""
    if not pulse.running():
        pulse.start()
    return pulse


def require_tool(name: str) -> None:
    if shutil.which(name) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing in CI; scripts/setup.sh --test should install it")
        pytest.skip(f"{name} is not installed")


def require_path(path: Path, what: str) -> None:
    """Like require_tool, for a file or folder the test reads: ``what`` says where it comes from."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing in CI ({what})")
        pytest.skip(f"{path} is not there ({what})")
