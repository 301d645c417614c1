"""A normal (not editable) `pip install .` into a fresh virtualenv, run from another folder, has
every bundled scenario and checks audio: nothing it needs is left behind in the repository."""

import json
import os
import site
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "complete_close_slt.flac"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtualenv with voiceclose pip-installed into it. Its dependencies (torch, the
    weights) come from the test environment through a .pth file, since they are not what is
    being tested and the network may not reach them; voiceclose itself comes only from the
    install."""
    env = tmp_path_factory.mktemp("fresh") / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(packages, "test-dependencies.pth").write_text(
        "\n".join(p for p in site.getsitepackages() if "site-packages" in p) + "\n"
    )
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", str(ROOT)],
        check=True,
        capture_output=True,
    )
    return python


def run(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VOICECLOSE_HOME": str(cwd / "home")}
    env.pop("VOICECLOSE_PROMPTS", None)
    return subprocess.run(
        [python, "-m", "voiceclose", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_the_installed_package_is_not_the_repository(installed, tmp_path):
    where = subprocess.run(
        [installed, "-c", "import voiceclose; print(voiceclose.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(ROOT) not in where and "site-packages" in where


def test_the_installed_package_lists_every_bundled_scenario(installed, tmp_path):
    done = run(installed, tmp_path, "prompts", "--json")
    assert done.returncode == 0, done.stderr
    names = {json.loads(line)["name"] for line in done.stdout.splitlines()}
    assert names == {p.stem for p in (ROOT / "prompts").glob("*.toml")}


def test_the_installed_package_checks_audio(installed, tmp_path):
    done = run(installed, tmp_path, "check", str(SAMPLE), "--json", "--no-history")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] and report["missed"] == []
