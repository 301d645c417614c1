"""The semantic second signal: each sentence's meaning, scored by a small classifier per part.

Sentences are embedded with all-MiniLM-L6-v2 (``embedding``) and scored by one logistic
regression per head (interest, fit, reservations, thanks, hedging, and experience for fit with a
scenario), trained by scripts/train_semantic.py on labelled sentences written for the meaning of
each part; weights and thresholds ship in data/semantic.npz. The rules stay the core and the
explanation: a part the rules did not find is credited from a sentence only when its score
reaches the head's threshold (chosen for precision), and never where a rule cancelled a cue of
that part in the sentence (negation, "thanks to my team", a grudging "thanks, I guess").

The model loads in a background thread (``prefetch``), started while audio is transcribed; when
the package is not installed, ``get`` returns None and checking goes on with the rules alone.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from voiceclose.check.context import Context, Span
from voiceclose.check.embedding import EmbeddingUnavailable, MiniLM
from voiceclose.check.fit import curious
from voiceclose.check.needs import NEED_WORDS_ENOUGH, RoleNeed
from voiceclose.paths import data_file
from voiceclose.results import Candidate

HEADS = ("interest", "fit", "reservations", "thanks", "hedging", "experience")
HEADS_FILE = "semantic.npz"
TRAIN_FILE = "semantic_train.jsonl"
CREDITED = ("interest", "fit", "reservations", "thanks")  # parts the signal may add
SHOWN_FROM = 0.5  # --explain lists sentences scoring at least this for a part
GRATITUDE = ("thank", "cheer", "grateful", "gratitude", "appreciat", "oblig")  # word starts
GRATITUDE_WORDS = frozenset({"ta"})  # whole words
QUESTION_WORDS = frozenset({"question", "questions"})  # an invitation to ask, not a doubt
MIN_CLAUSE_TOKENS = 4  # a clause cut from unpunctuated text is scored alone from this long
NEED_SIMILARITY = 0.4  # cosine of a sentence and a need's words at which it speaks to the need
NEED_SUPPORT = 0.2  # ...or, when it shares a word with the need, the cosine that confirms it
# ...or, when the candidate says it is what the employer needs ("you said the reviews have been
# rough"), the cosine at which the need nearest it is the one recapped in other words
RECAP_SIMILARITY = 0.2
# Rule rejections that say only that a cue was incomplete, not that it was cancelled: the
# semantic signal may still credit those sentences.
SOFT_REASONS = ("not put to the interviewer as a question", "not asked as a question")
UNAVAILABLE_NOTE = "semantic signal off ({why}); checked on the rules alone"


@dataclass(frozen=True)
class Heads:
    names: tuple[str, ...]
    weights: np.ndarray  # heads x 384
    bias: np.ndarray  # heads
    thresholds: np.ndarray  # heads: the score at which a head is confident

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """Sentences x heads, each from 0 to 1."""
        return 1 / (1 + np.exp(-(embeddings @ self.weights.T + self.bias)))

    def threshold(self, head: str) -> float:
        return float(self.thresholds[self.names.index(head)])


@lru_cache(maxsize=1)
def load_heads() -> Heads:
    with np.load(data_file("check", HEADS_FILE), allow_pickle=False) as data:
        return Heads(
            tuple(str(h) for h in data["heads"]),
            data["weights"].astype(np.float32),
            data["bias"].astype(np.float32),
            data["thresholds"].astype(np.float32),
        )


@dataclass(frozen=True)
class Unit:
    """A stretch of a sentence that is scored: the whole sentence, or, where the checker cut
    unpunctuated text into clauses, each of those clauses too."""

    sentence: int
    start: int  # tokens
    end: int


def units(ctx: Context) -> list[Unit]:
    out = []
    for n, prepared in enumerate(ctx.sentences):
        tokens, inserted = prepared.sentence.tokens, sorted(prepared.sentence.inserted)
        out.append(Unit(n, 0, len(tokens)))
        bounds = [0, *inserted, len(tokens)]
        for start, end in zip(bounds, bounds[1:], strict=False):
            start += start in prepared.sentence.inserted
            if inserted and end - start >= MIN_CLAUSE_TOKENS:
                out.append(Unit(n, start, end))
    return out


class Semantic:
    """The model and the heads: ``score(ctx, needs)`` gives every sentence's scores."""

    def __init__(self, model: MiniLM, heads: Heads):
        self.model = model
        self.heads = heads

    def score(self, ctx: Context, needs: Sequence[RoleNeed] = ()) -> Scores:
        scored = units(ctx)
        texts = [ctx.text(u.sentence, u.start, u.end) for u in scored]
        vectors = self.model.embed(texts + [need.what for need in needs])
        embedded, need_vectors = vectors[: len(texts)], vectors[len(texts) :]
        similarity = embedded @ need_vectors.T if len(needs) else np.zeros((len(texts), 0))
        probabilities = self.heads.probabilities(embedded)
        return Scores(self.heads, scored, probabilities, similarity, len(ctx.sentences))


class Scores:
    """One transcript's semantic scores: per sentence (its best unit), each head's probability
    and each need's similarity."""

    def __init__(
        self,
        heads: Heads,
        scored: list[Unit],
        probabilities: np.ndarray,
        need_similarity: np.ndarray,
        sentences: int,
    ):
        self.heads = heads
        self.units = scored
        self.unit_probabilities = probabilities
        self.by_sentence: list[list[int]] = [[] for _ in range(sentences)]
        for i, unit in enumerate(scored):
            self.by_sentence[unit.sentence].append(i)
        self.need_similarity = np.array(
            [need_similarity[rows].max(axis=0) for rows in self.by_sentence]
        ).reshape(sentences, need_similarity.shape[1])

    def best_unit(self, head: str, sentence: int) -> int:
        """The unit of a sentence that scores highest for ``head`` (fit: the whole sentence,
        and only a sentence as written: the fit head reads a need and an experience together)."""
        column = self.heads.names.index(head)
        rows = self.by_sentence[sentence]
        if head == "fit":
            return rows[0]
        return max(rows, key=lambda i: self.unit_probabilities[i, column])

    def probability(self, head: str, sentence: int) -> float:
        unit = self.best_unit(head, sentence)
        if head == "fit" and len(self.by_sentence[sentence]) > 1:
            return 0.0  # cut from unpunctuated text: too long and mixed for the fit head
        return float(self.unit_probabilities[unit, self.heads.names.index(head)])

    def confident(self, head: str, sentence: int) -> bool:
        return self.probability(head, sentence) >= self.heads.threshold(head)

    def hedging(self, sentence: int) -> bool:
        return self.confident("hedging", sentence)

    def experience(self, sentence: int) -> bool:
        return self.confident("experience", sentence)

    def speaks_to(self, sentence: int, need: int, share: float) -> bool:
        """Whether a sentence speaks to a need: close to its words in meaning; or holding at
        least half of them (``share``); or holding some and not far from it in meaning."""
        similarity = float(self.need_similarity[sentence, need])
        if share >= NEED_WORDS_ENOUGH or similarity >= NEED_SIMILARITY:
            return True
        return share > 0 and similarity >= NEED_SUPPORT

    def similarity(self, sentence: int, need: int) -> float:
        """The cosine of a sentence and a need's words."""
        return float(self.need_similarity[sentence, need])

    def recapped_need(self, sentence: int) -> int | None:
        """The need a sentence recapping what the employer needs is nearest in meaning, when it
        is that near (RECAP_SIMILARITY); None otherwise."""
        if not self.need_similarity.shape[1]:
            return None
        best = int(self.need_similarity[sentence].argmax())
        return best if self.near_recapped(sentence, best) else None

    def near_recapped(self, sentence: int, need: int) -> bool:
        """Whether a sentence is as near a need in meaning as a recap of it must be."""
        return bool(self.need_similarity[sentence, need] >= RECAP_SIMILARITY)

    def candidates(
        self, ctx: Context, found: Sequence[Candidate], parts: Sequence[str] = CREDITED
    ) -> list[Candidate]:
        """A candidate for each sentence scoring at least SHOWN_FROM for a part: credited when
        confident and not cancelled by a rule in that sentence."""
        out = []
        for part in parts:
            threshold = self.heads.threshold(part)
            for n in range(len(ctx.sentences)):
                p = self.probability(part, n)
                if p < SHOWN_FROM:
                    continue
                blocked = _cancelled(ctx, found, part, n)
                if part == "fit" and blocked is None and not self.experience(n):
                    blocked = "no experience of the candidate's own in it"
                if part == "fit" and blocked is None and curious(ctx, n):
                    blocked = "wondering how they do things, not experience told"
                if part == "thanks" and blocked is None and not _grateful(ctx, n):
                    blocked = "no word of thanks in it (enjoying the talk is not thanking)"
                if part == "interest" and blocked is None:
                    blocked = _undermined(ctx, n)
                if part == "reservations" and blocked is None:
                    blocked = _only_questions(ctx, n)
                accepted = p >= threshold and blocked is None
                if blocked is not None:
                    reason = f"semantic {p:.2f}, but not credited: {blocked}"
                elif accepted:
                    reason = f"semantic {p:.2f} (confident from {threshold:.2f})"
                else:
                    reason = f"semantic {p:.2f}, below {threshold:.2f}"
                unit = self.units[self.best_unit(part, n)]
                out.append(_unit_candidate(ctx, part, unit, p, accepted, reason))
        return out


def _grateful(ctx: Context, n: int) -> bool:
    """Whether sentence ``n`` holds a word of gratitude: the semantic signal may find thanks
    put in other words, never in a sentence that only enjoyed the talk or praised the role."""
    return any(t.startswith(GRATITUDE) or t in GRATITUDE_WORDS for t in ctx.tokens(n))


def _undermined(ctx: Context, n: int) -> str | None:
    """Why sentence ``n`` is not interest however it scores: a self-undermining line ("I'm only
    here because the agency sent me", "I guess I'm kind of interested") wants the job by halves;
    what cancels interest in a sentence ("more of that kind of thing", "but not at this rate")
    cancels it for the semantic signal too."""
    if hedge := ctx.any_match(ctx.rules.get("hedging", "cues"), n):
        return f'a self-undermining line ("{ctx.phrase(hedge)}")'
    if other := ctx.any_match(ctx.rules.get("interest", "block_sentence"), n):
        return f'not wanting this job now ("{ctx.phrase(other)}")'
    return None


def _only_questions(ctx: Context, n: int) -> str | None:
    """Why sentence ``n`` is not the reservations question however it scores: it invites
    questions ("are there any questions you have for me?") and names no doubt or concern."""
    if QUESTION_WORDS & set(ctx.tokens(n)) and not ctx.any_match(
        ctx.rules.get("reservations", "concern"), n
    ):
        return "an invitation to ask questions, with no doubt or concern named"
    return None


def _words_of(ctx: Context, n: int) -> tuple[int, int]:
    index = ctx.sentences[n].sentence.word_index
    return min(index), max(index)


def _cancelled(ctx: Context, found: Sequence[Candidate], part: str, n: int) -> str | None:
    """Why a rule rejected a cue of ``part`` in sentence ``n`` (None when none did, or only for
    being incomplete)."""
    first, last = _words_of(ctx, n)
    for c in found:
        if c.element != part or c.accepted or c.first_word > last or c.last_word < first:
            continue
        if not c.reason.startswith(SOFT_REASONS):
            return c.reason
    return None


def _unit_candidate(
    ctx: Context, part: str, unit: Unit, p: float, accepted: bool, reason: str
) -> Candidate:
    span = Span(unit.sentence, unit.start, unit.end, round(p * 100, 1))
    return ctx.candidate(part, [span], accepted, reason, signal="semantic")


# --- loading, in the background ---------------------------------------------------------------


class _Loader:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.semantic: Semantic | None = None
        self.error: str | None = None
        self.done = threading.Event()  # waited on instead of join (see asr.weights.ModelLoader)

    def start(self) -> None:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, daemon=True)
                self.thread.start()

    def _run(self) -> None:
        try:
            self.semantic = Semantic(MiniLM(), load_heads())
        except (EmbeddingUnavailable, OSError, ValueError, KeyError) as e:
            self.error = str(e)
        finally:
            self.done.set()

    def get(self) -> Semantic | None:
        self.start()
        self.done.wait()
        return self.semantic


_loader = _Loader()


def prefetch() -> None:
    """Start loading the model and the heads in the background (once per process)."""
    _loader.start()


def wait() -> None:
    """Return once no loading is under way (a process must not end while torch is loading)."""
    if _loader.thread is not None:
        _loader.done.wait()


def get() -> Semantic | None:
    """The semantic signal, waiting for it to load; None when it cannot (see ``note``)."""
    return _loader.get()


def note() -> str | None:
    """One line saying why the semantic signal is off, or None when it is on (or not tried)."""
    return UNAVAILABLE_NOTE.format(why=_loader.error) if _loader.error else None
