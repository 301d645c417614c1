"""Which of the four parts of a strong close a transcript holds, with evidence for each.

The parts (see DOMAIN notes in the README): interest in the role, fit (the candidate's own
experience tied to what the employer needs), the reservations question put to the interviewer,
and thanks. Matching is phrase patterns from data/phrases.toml with rapidfuzz reading mis-heard
words; the rules here decide what counts: negation and doubt cancel a cue, "thanks to my team" is
not thanks, the reservations question must be asked of the interviewer about hiring the candidate.
A second, semantic signal (``semantic``: sentence embeddings and a small classifier per part) may
add a part the rules missed, when it is confident and no rule cancelled that sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from voiceclose.check.clauses import MARKS
from voiceclose.check.context import Context, Span, span_of
from voiceclose.check.fit import fit_candidates
from voiceclose.check.needs import RoleNeed, role_needs
from voiceclose.check.patterns import Match
from voiceclose.check.rules import PatternList, Rules, load_rules
from voiceclose.check.tone import tone_extras
from voiceclose.results import (
    ELEMENTS,
    Candidate,
    CheckResult,
    ElementResult,
    Extras,
    SpeechRegion,
    Word,
)

if TYPE_CHECKING:
    from voiceclose.check.semantic import Semantic

QUESTION_WINDOW = 12  # tokens before a concern in which "is there"/"do you" makes it a question
OPEN_TAIL_MAX = 4  # words that may follow a concern left open ("any concerns on your side?")
ABOUT_WINDOW = 15  # tokens from a concern within which "me", "my CV" make it about the candidate
MIN_WPM_SPAN_S = 5.0  # shorter speech is too little to give a pace
SEMANTIC_PARTS = ("interest", "fit", "reservations", "thanks")  # parts the semantic may add
BARE_TOKENS = 3  # a sentence of this many words at most ("Cheers, mate.") is a cue on its own
PREVIOUS_SENTENCES = 2  # ...read in the light of this many sentences before it


def check(
    words: Sequence[Word],
    *,
    needs: Iterable[object] = (),
    speech_regions: Sequence[SpeechRegion] | None = None,
    rules: Rules | None = None,
    semantic: Semantic | None = None,
) -> CheckResult:
    """Check transcript words for the four parts of a close.

    ``needs`` are what this role needs (a scenario's needs, or plain strings): fit then counts
    only experience tied to one of them. ``speech_regions``, for audio, let only words over real
    speech count as evidence. ``semantic``, when given, adds its confident findings to the rules'.
    """
    rules = rules or load_rules()
    ctx = Context(words, rules, speech_regions)
    role: tuple[RoleNeed, ...] = role_needs(needs)
    scores = semantic.score(ctx, role) if semantic is not None and ctx.sentences else None
    candidates = [
        *generic(ctx, "interest"),
        *fit_candidates(ctx, role, scores),
        *reservations(ctx),
        *generic(ctx, "thanks"),
    ]
    if scores is not None:  # with a scenario, fit's semantic side is in fit_candidates
        parts = [p for p in SEMANTIC_PARTS if not (role and p == "fit")]
        candidates += scores.candidates(ctx, candidates, parts)
    elements = {name: best(name, candidates) for name in ELEMENTS}
    next_steps = best("next_steps", list(generic(ctx, "next_steps")))
    overconfident = best("overconfident", list(generic(ctx, "overconfident")))
    tone = tone_extras(ctx, scores)
    extras = Extras(
        speech_heard=bool(words),
        words_per_minute=_words_per_minute(words),
        fillers=sum(tone.fillers.values()),
        next_steps=next_steps.found,
        overconfident=overconfident.found,
        filler_words=tone.fillers,
        next_steps_line=next_steps.evidence,
        overconfident_line=overconfident.evidence,
        hedging=bool(tone.hedging_lines),
        hedging_lines=tone.hedging_lines,
        recap=tone.recap_line is not None,
        recap_line=tone.recap_line,
    )
    return CheckResult(elements, extras, tuple(candidates))


def best(element: str, candidates: Sequence[Candidate]) -> ElementResult:
    accepted = [c for c in candidates if c.element == element and c.accepted]
    if not accepted:
        return ElementResult(False, 0.0, None, None, None)
    # the rules' strongest match; on a tie the later one, since a close should end on these
    top = max(accepted, key=lambda c: (c.signal == "rules", c.score, c.first_word))
    covered = [n for n in dict.fromkeys(n for c in accepted for n in c.needs)]
    return ElementResult(True, top.score, top.evidence, top.start_s, top.end_s, covered, top.signal)


def generic(ctx: Context, element: str):
    """Cue patterns, cancelled by blockers that overlap them, precede them or share a sentence."""
    rules = ctx.rules
    cues = rules.get(element, "cues")
    overlap = rules.get(element, "block_overlap")
    before = rules.get(element, "block_before")
    anywhere = rules.get(element, "block_sentence")
    previous = rules.get(element, "block_previous")
    need_question = rules.flag(element, "require_question")
    seen: set[tuple[int, int, int]] = set()
    for n in range(len(ctx.sentences)):
        for m in ctx.matches(cues, n):
            if (n, m.start, m.end) in seen:
                continue
            seen.add((n, m.start, m.end))
            span = span_of(m)
            if blocker := ctx.overlapping(overlap, span):
                reason = f'not meant that way ("{ctx.phrase(blocker)}")'
            elif blocker := ctx.just_before(before, span):
                reason = f'negated or doubtful ("{ctx.phrase(blocker)}")'
            elif blocker := ctx.any_match(anywhere, n):
                reason = f'cancelled in the same sentence ("{ctx.phrase(blocker)}")'
            elif blocker := _said_before_bare(ctx, previous, span):
                reason = f'said on its own after "{ctx.phrase(blocker)}"'
            elif need_question and not (ctx.is_question(n) or ctx.asked_in_clause(span)):
                reason = "not asked as a question"
            else:
                yield ctx.candidate(element, [span], True, f'matched "{m.pattern}"')
                continue
            yield ctx.candidate(element, [span], False, reason)


def _said_before_bare(ctx: Context, patterns: PatternList, span: Span) -> Match | None:
    """A match of ``patterns`` in the sentences just before the cue's, when the cue is a sentence
    on its own: "No offence. Cheers." is grudging; "No offence. Thanks for seeing me." is not.
    In unpunctuated text the cue may end the run it was said after ("oh yeah i'm dying to do
    filing all day can't wait thanks"): then a match before it in its own sentence counts."""
    n = span.sentence
    if not patterns:
        return None
    tokens = ctx.tokens(n)
    if len([t for t in tokens[span.start :] if t not in MARKS]) <= BARE_TOKENS:
        for m in ctx.matches(patterns, n):
            if m.end <= span.start:
                return m
    if len([t for t in tokens if t not in MARKS]) > BARE_TOKENS:
        return None
    for before in range(max(0, n - PREVIOUS_SENTENCES), n):
        if blocker := ctx.any_match(patterns, before):
            return blocker
    return None


class _Reservations:
    """The reservations question's rules: a concern cue, asked of the interviewer, about the
    candidate (or about nothing else)."""

    def __init__(self, ctx: Context):
        get = ctx.rules.get
        self.ctx = ctx
        self.concern = get("reservations", "concern")
        self.own = get("reservations", "block_overlap")
        self.asked = get("reservations", "asked")
        self.openers = get("reservations", "question_openers")
        self.openers_after = get("reservations", "question_after")
        self.about = get("reservations", "about_candidate")
        self.not_about = get("reservations", "not_about_candidate")
        self.addressed = get("reservations", "addressed")
        self.other_topic = get("reservations", "other_topic")
        self.open_tail = frozenset(ctx.rules.words("reservations", "open_tail"))

    def about_the_candidate(self, span: Span) -> bool:
        # Near the concern, inside the question when it opens with "is there"/"are you" (in a
        # run-on transcript the sentence before is not part of it), and not "my" in "my worry is
        # the restructure" (the candidate's own concern) nor "me" in "can I ask" or "tell me".
        ctx = self.ctx
        openers_before = [
            m.start
            for m in ctx.matches(self.openers, span.sentence)
            if m.start <= span.start and span.start - m.end <= QUESTION_WINDOW
        ]
        question_start = max(openers_before, default=0)
        inserted = ctx.sentences[span.sentence].sentence.inserted
        return any(
            abs(m.start - span.start) <= ABOUT_WINDOW
            and m.start >= question_start
            # not past a clause break put into unpunctuated text: another remark begins there
            and not any(span.end <= i < m.start for i in inserted)
            and not ctx.overlapping(self.own, span_of(m))
            and not ctx.overlapping(self.not_about, span_of(m))
            for m in ctx.matches(self.about, span.sentence)
        )

    def judge(self, span: Span) -> tuple[bool, str]:
        ctx, n = self.ctx, span.sentence
        if blocker := ctx.overlapping(self.own, span):
            return False, f'the candidate\'s own view, not a question ("{ctx.phrase(blocker)}")'
        if not (
            ctx.is_question(n)
            or ctx.any_match(self.asked, n)
            or ctx.near(self.openers, span, QUESTION_WINDOW, after=False)
            or ctx.near(self.openers_after, span, QUESTION_WINDOW)
        ):
            return False, "not put to the interviewer as a question"
        if self.about_the_candidate(span):
            return True, "asks the interviewer's doubts about the candidate"
        if not ctx.any_match(self.addressed, n):
            return False, "not about hiring the candidate"
        if topic := ctx.any_match(self.other_topic, n):
            return False, f'about something else ("{ctx.phrase(topic)}")'
        if not self.left_open(span):
            return False, "a concern about something, not about hiring the candidate"
        return True, "asks the interviewer's doubts"

    def left_open(self, span: Span) -> bool:
        """True when only a few tail words ("for you", "at all") follow ``span`` in its clause."""
        tail = []
        for token in self.ctx.tokens(span.sentence)[span.end :]:
            if token in {",", ".", "?", "!"}:
                break
            tail.append(token)
        return len(tail) <= OPEN_TAIL_MAX and all(t in self.open_tail for t in tail)


def reservations(ctx: Context):
    rules = _Reservations(ctx)
    seen: set[tuple[int, int, int]] = set()
    for n in range(len(ctx.sentences)):
        for m in ctx.matches(rules.concern, n):
            if (n, m.start, m.end) not in seen:
                seen.add((n, m.start, m.end))
                accepted, reason = rules.judge(span_of(m))
                yield ctx.candidate("reservations", [span_of(m)], accepted, reason)


def _words_per_minute(words: Sequence[Word]) -> float | None:
    timed = [w for w in words if w.start_s is not None and w.end_s is not None]
    if len(timed) < 2:
        return None
    span = timed[-1].end_s - timed[0].start_s
    if span < MIN_WPM_SPAN_S:
        return None
    return round(len(timed) / (span / 60.0), 1)
