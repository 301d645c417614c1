"""The bundled samples, through the real model and the CLI: every expectation in the manifest."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from voiceclose.cli import main

from .conftest import SAMPLES

pytestmark = pytest.mark.slow  # the model, synthetic speech or PulseAudio

PARTS = ("interest", "fit", "reservations", "thanks")


@pytest.fixture(scope="module")
def reports(shared_cache, tmp_path_factory) -> dict[str, dict]:
    """`voiceclose check samples/ --json`, run once for the whole module."""
    home = tmp_path_factory.mktemp("home")
    (home / "cache").symlink_to(shared_cache, target_is_directory=True)
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out):
        mp.setenv("VOICECLOSE_HOME", str(home))
        code = main(["check", str(SAMPLES), "--json"])
    assert code in (0, 1), "every sample must be checkable"
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    return {r["source"].split("/")[-1]: r for r in lines}


def test_manifest_covers_what_the_samples_must_show(manifest):
    voices = {s["voice"] for s in manifest if s["expect"]["speech"]}
    assert len(manifest) >= 8 and len(voices) >= 3
    spoken = [s for s in manifest if s["expect"]["speech"]]
    assert any(all(s["expect"][p] for p in PARTS) for s in spoken), "a complete close"
    for part in PARTS:
        assert any(not s["expect"][part] for s in spoken), f"a close missing {part}"
    assert any(
        s.get("effects") and any(e.startswith("noise") for e in s["effects"]) for s in manifest
    )
    assert any(
        s.get("rate", 16000) in (44100, 48000) and s.get("channels", 1) == 2 for s in manifest
    )
    assert any(not s["expect"]["speech"] for s in manifest), "a silence-only sample"


def test_every_sample_is_reported(reports, manifest):
    assert sorted(reports) == sorted(s["file"] for s in manifest)


@pytest.mark.parametrize("part", [*PARTS, "speech_heard", "next_steps", "overconfident"])
def test_expectations_hold(reports, manifest, part):
    wrong = []
    for s in manifest:
        report = reports[s["file"]]
        if part == "speech_heard":
            expected, got = s["expect"]["speech"], report["extras"]["speech_heard"]
        elif part in PARTS:
            expected, got = s["expect"][part], report["elements"][part]["found"]
        elif part in s["expect"]:
            expected, got = s["expect"][part], report["extras"][part]
        else:
            continue
        if expected != got:
            wrong.append(
                f"{s['file']}: expected {part}={expected}, got {got} | {report['transcript']}"
            )
    assert not wrong, "\n".join(wrong)


def test_found_parts_come_with_evidence_and_times(reports):
    for report in reports.values():
        for part in PARTS:
            element = report["elements"][part]
            if element["found"]:
                assert element["evidence"] and element["start_s"] is not None
                assert element["start_s"] <= element["end_s"] <= report["duration_s"] + 0.5
