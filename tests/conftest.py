"""Shared fixtures: an isolated user directory per test, one model cache per session, the CLI in-process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from voiceclose.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"


# Fixtures that bring in the Whisper model, synthetic speech, PulseAudio or a browser: a test using
# any of them is in the slow tier (pytest -m "not slow" leaves it out). Tests that run such things
# without a fixture carry @pytest.mark.slow themselves.
SLOW_FIXTURES = frozenset(
    {
        "model",
        "pulse",
        "mic",
        "browser",
        "chromium",
        "installed",
        "checked_batch",
        "batch_history",
        "single_page",
        "dev_audio",
        "dev_neural_audio",
        "reports",
        "long_close",
    }
)


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


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
def model(shared_cache):
    """The default model (tiny.en), loaded once for the tests that call the core directly."""
    from voiceclose.asr.weights import load_model

    with pytest.MonkeyPatch.context() as mp:
        home = shared_cache.parent / "model-home"
        home.mkdir(exist_ok=True)
        if not (home / "cache").exists():
            (home / "cache").symlink_to(shared_cache, target_is_directory=True)
        mp.setenv("VOICECLOSE_HOME", str(home))
        return load_model("tiny.en")


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


# The samples `checked_batch` checks, in this order (None: a file that is not there). Chosen so the
# history shows a trend: two incomplete closes, then two complete ones.
BATCH = (
    "no_fit_no_reservations_rms.flac",
    "no_reservations_awb.flac",
    None,
    "complete_close_slt.flac",
    "next_steps_slt.flac",
)


@dataclass(frozen=True)
class CheckedBatch:
    """One real `voiceclose check --json --csv --html` over BATCH, in a user directory of its own."""

    home: Path  # its VOICECLOSE_HOME
    inputs: list[Path]
    results: list[dict]  # the --json output, one object per input
    code: int
    err: str
    csv: Path
    html: Path

    @property
    def database(self) -> Path:
        return self.home / "data" / "history.db"

    @property
    def checked(self) -> list[dict]:
        """The results that were checked (and so stored), in order; their attempt ids are 1, 2, ..."""
        return [r for r in self.results if r["ok"]]


@pytest.fixture(scope="session")
def checked_batch(tmp_path_factory, shared_cache) -> CheckedBatch:
    """`voiceclose check` over four sample closes and a missing file, run once for the whole run
    (each recording is transcribed once): the history it stored, its JSON, CSV and page."""
    import contextlib
    import io
    import json

    root = tmp_path_factory.mktemp("batch")
    home = root / "home"
    home.mkdir()
    (home / "cache").symlink_to(shared_cache, target_is_directory=True)
    # copies: the bundled samples themselves are demonstration material, never stored
    copies = root / "closes"
    copies.mkdir()
    inputs = [
        Path(shutil.copy(SAMPLES / name, copies / name)) if name else root / "moved_away.flac"
        for name in BATCH
    ]
    csv, html = root / "batch.csv", root / "batch.html"
    out, err = io.StringIO(), io.StringIO()
    with (
        pytest.MonkeyPatch.context() as mp,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        mp.setenv("VOICECLOSE_HOME", str(home))
        code = main(["check", *map(str, inputs), "--json", "--csv", str(csv), "--html", str(html)])
    results = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    assert len(results) == len(inputs), err.getvalue()
    return CheckedBatch(home, inputs, results, code, err.getvalue(), csv, html)


@pytest.fixture
def batch_history(user_home, checked_batch) -> Path:
    """This test's user directory holding a copy of the history `checked_batch` stored."""
    (user_home / "data").mkdir()
    for suffix in ("", "-wal"):
        stored = Path(f"{checked_batch.database}{suffix}")
        if stored.exists():
            shutil.copy(stored, user_home / "data" / stored.name)
    return user_home / "data" / "history.db"


def voiceclose_in_a_process(env, *args, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m voiceclose ARGS`` in a process of its own: no terminal on stdin, output kept."""
    return subprocess.run(
        [sys.executable, "-m", "voiceclose", *map(str, args)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
    )


CHROMIUM = "/usr/bin/chromium"  # Debian's chromium; Playwright never downloads a browser here


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium driven by Playwright (Debian's binary, through executable_path)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is missing in CI; pip install -e .[test]")
        pytest.skip("playwright is not installed")
    path = shutil.which("chromium") or CHROMIUM
    if not Path(path).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI; scripts/setup.sh --test installs it")
        pytest.skip("chromium is not installed (Debian package chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=path, args=["--no-sandbox", "--headless", "--mute-audio"]
        )
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium):
    """A fresh page (its own context: no cookies shared between tests), desktop-sized."""
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()
