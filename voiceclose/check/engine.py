"""Which of the four parts of a strong close a transcript holds, with evidence for each.

The parts (see DOMAIN notes in the README): interest in the role, fit (the candidate's own
experience tied to what the employer needs), the reservations question put to the interviewer,
and thanks. Matching is phrase patterns from data/phrases.toml with rapidfuzz reading mis-heard
words; the rules here decide what counts: negation and doubt cancel a cue, "thanks to my team" is
not thanks, the reservations question must be asked of the interviewer about hiring the candidate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voiceclose.check.normalise import hesitation_count, sentences
from voiceclose.check.patterns import Match, PreparedSentence, find, prepare
from voiceclose.check.rules import PatternList, Rules, load_rules
from voiceclose.results import (
    ELEMENTS,
    MIN_WORD_SPEECH,
    Candidate,
    CheckResult,
    ElementResult,
    Extras,
    SpeechRegion,
    Word,
    speech_fraction,
)

NEGATION_WINDOW = 5  # tokens before a cue in which "not"/"never" cancels it
QUESTION_WINDOW = 12  # tokens before a concern in which "is there"/"do you" makes it a question
DOUBT_WINDOW = 10  # tokens from a fit cue within which self-doubt cancels it
OPEN_TAIL_MAX = 4  # words that may follow a concern left open ("any concerns on your side?")
ABOUT_WINDOW = 15  # tokens from a concern within which "me", "my CV" make it about the candidate
MIN_EVIDENCE_SPEECH = MIN_WORD_SPEECH  # share of a cue's span that must lie in detected speech
EVIDENCE_MAX_TOKENS = 30  # longer sentences are quoted by the clauses around the cue
MIN_WPM_SPAN_S = 5.0  # shorter speech is too little to give a pace


@dataclass(frozen=True)
class _Span:
    sentence: int
    start: int
    end: int
    score: float


class _Context:
    """One transcript, prepared for matching, with helpers the rules share."""

    def __init__(self, words: Sequence[Word], rules: Rules, regions: Sequence[SpeechRegion] | None):
        self.words = words
        self.rules = rules
        self.regions = list(regions) if regions is not None else None
        self.sentences: list[PreparedSentence] = [
            prepare(s, rules.lexicon) for s in sentences([w.text for w in words])
        ]
        self._cache: dict[tuple[int, int], list[Match]] = {}
        self.question_openers = frozenset(rules.words("sentences", "question_openers"))
        self.lead_ins = frozenset(rules.words("sentences", "lead_ins"))

    def matches(self, patterns: PatternList, sentence: int) -> list[Match]:
        key = (id(patterns), sentence)
        if key not in self._cache:
            prepared = self.sentences[sentence]
            self._cache[key] = [m for p in patterns for m in find(p, prepared, sentence)]
        return self._cache[key]

    def any_match(self, patterns: PatternList, sentence: int) -> Match | None:
        found = self.matches(patterns, sentence)
        return found[0] if found else None

    def overlapping(self, patterns: PatternList, span: _Span) -> Match | None:
        for m in self.matches(patterns, span.sentence):
            if m.start < span.end and span.start < m.end:
                return m
        return None

    def just_before(self, patterns: PatternList, span: _Span) -> Match | None:
        """A match ending shortly before ``span``, in the same clause."""
        tokens = self.sentences[span.sentence].sentence.tokens
        for m in self.matches(patterns, span.sentence):
            if m.start < span.start and m.end <= span.start + 1:
                between = tokens[m.end : span.start]
                if "," not in between and span.start - m.end <= NEGATION_WINDOW:
                    return m
        return None

    def near(
        self, patterns: PatternList, span: _Span, window: int, after: bool = True
    ) -> Match | None:
        """A match within ``window`` tokens of ``span`` (before it, or on either side)."""
        for m in self.matches(patterns, span.sentence):
            gap_before = span.start - m.end
            gap_after = m.start - span.end
            if m.start <= span.start and gap_before <= window:
                return m
            if after and m.start >= span.start and gap_after <= window:
                return m
        return None

    def is_question(self, sentence: int) -> bool:
        tokens = self.sentences[sentence].sentence.tokens
        if tokens and tokens[-1] == "?":
            return True
        for token in tokens[:6]:
            if token in self.lead_ins:
                continue
            return token in self.question_openers
        return False

    def candidate(
        self, element: str, spans: Sequence[_Span], accepted: bool, reason: str
    ) -> Candidate:
        first, last = self._evidence_words(spans)
        start_s, end_s = self.words[first].start_s, self.words[last].end_s
        if accepted and self.regions is not None and start_s is not None and end_s is not None:
            cue_first, cue_last = self._cue_words(spans)
            cue_start, cue_end = self.words[cue_first].start_s, self.words[cue_last].end_s
            if speech_fraction(self.regions, cue_start, cue_end) < MIN_EVIDENCE_SPEECH:
                accepted, reason = False, "no speech in the audio under these words"
        score = round(sum(s.score for s in spans) / len(spans), 1)
        text = " ".join(w.text for w in self.words[first : last + 1])
        return Candidate(element, text, score, start_s, end_s, accepted, reason, first, last)

    def _cue_words(self, spans: Sequence[_Span]) -> tuple[int, int]:
        indices = [
            self.sentences[s.sentence].sentence.word_index[i]
            for s in spans
            for i in (s.start, s.end - 1)
        ]
        return min(indices), max(indices)

    def _evidence_words(self, spans: Sequence[_Span]) -> tuple[int, int]:
        """The sentence around each cue; in a long run-on sentence, the clauses around it."""
        indices = []
        for span in spans:
            tokens = self.sentences[span.sentence].sentence.tokens
            word_index = self.sentences[span.sentence].sentence.word_index
            start, end = 0, len(tokens)
            if len(tokens) > EVIDENCE_MAX_TOKENS:
                start, end = _clause_around(tokens, span.start, span.end)
            indices += [word_index[start], word_index[end - 1]]
        return min(indices), max(indices)


def _clause_around(tokens: Sequence[str], start: int, end: int) -> tuple[int, int]:
    before = [i for i in range(start) if tokens[i] == ","]
    after = [i for i in range(end, len(tokens)) if tokens[i] == ","]
    first = before[-1] + 1 if before else 0
    last = after[0] + 1 if after else len(tokens)
    return first, last


def check(
    words: Sequence[Word],
    *,
    extra_needs: Sequence[str] = (),
    speech_regions: Sequence[SpeechRegion] | None = None,
    rules: Rules | None = None,
) -> CheckResult:
    """Check transcript words for the four parts of a close.

    ``extra_needs`` are patterns for what this particular job needs (from a practice scenario);
    ``speech_regions``, for audio, let only words over real speech count as evidence.
    """
    rules = rules or load_rules()
    ctx = _Context(words, rules, speech_regions)
    needs = rules.compile_extra(list(extra_needs)) if extra_needs else None
    candidates = [
        *_generic(ctx, "interest"),
        *_fit(ctx, needs),
        *_reservations(ctx),
        *_generic(ctx, "thanks"),
    ]
    elements = {name: _best(name, candidates) for name in ELEMENTS}
    next_steps = _best("next_steps", list(_generic(ctx, "next_steps")))
    overconfident = _best("overconfident", list(_generic(ctx, "overconfident")))
    fillers = _fillers(ctx)
    extras = Extras(
        speech_heard=bool(words),
        words_per_minute=_words_per_minute(words),
        fillers=sum(fillers.values()),
        next_steps=next_steps.found,
        overconfident=overconfident.found,
        filler_words=fillers,
        next_steps_line=next_steps.evidence,
        overconfident_line=overconfident.evidence,
    )
    return CheckResult(elements, extras, tuple(candidates))


def _best(element: str, candidates: Sequence[Candidate]) -> ElementResult:
    accepted = [c for c in candidates if c.element == element and c.accepted]
    if not accepted:
        return ElementResult(False, 0.0, None, None, None)
    # the strongest match; on a tie the later one, since a close should end on these
    best = max(accepted, key=lambda c: (c.score, c.first_word))
    return ElementResult(True, best.score, best.evidence, best.start_s, best.end_s)


def _generic(ctx: _Context, element: str):
    """Cue patterns, cancelled by blockers that overlap them, precede them or share a sentence."""
    rules = ctx.rules
    cues = rules.get(element, "cues")
    overlap = rules.get(element, "block_overlap")
    before = rules.get(element, "block_before")
    anywhere = rules.get(element, "block_sentence")
    need_question = rules.flag(element, "require_question")
    seen: set[tuple[int, int, int]] = set()
    for n in range(len(ctx.sentences)):
        for m in ctx.matches(cues, n):
            if (n, m.start, m.end) in seen:
                continue
            seen.add((n, m.start, m.end))
            span = _Span(n, m.start, m.end, m.score)
            if blocker := ctx.overlapping(overlap, span):
                reason = f'not meant that way ("{_phrase(ctx, blocker)}")'
            elif blocker := ctx.just_before(before, span):
                reason = f'negated or doubtful ("{_phrase(ctx, blocker)}")'
            elif blocker := ctx.any_match(anywhere, n):
                reason = f'cancelled in the same sentence ("{_phrase(ctx, blocker)}")'
            elif need_question and not ctx.is_question(n):
                reason = "not asked as a question"
            else:
                yield ctx.candidate(element, [span], True, f'matched "{m.pattern}"')
                continue
            yield ctx.candidate(element, [span], False, reason)


def _fit(ctx: _Context, extra_needs: PatternList | None):
    """Own experience plus what the employer needs (or a link), in one or two sentences."""
    rules = ctx.rules
    experience = rules.get("fit", "experience")
    needs_lists = [rules.get("fit", "needs")] + ([extra_needs] if extra_needs else [])
    near_lists = [rules.get("fit", "needs_near"), rules.get("fit", "links")]
    not_needs = rules.get("fit", "not_needs")
    not_needs_question = rules.get("fit", "not_needs_question")
    doubt = rules.get("fit", "doubt")
    count = len(ctx.sentences)

    def partners(e: Match, other: int) -> list[Match]:
        pool = [m for lst in needs_lists for m in ctx.matches(lst, other)]
        if other == e.sentence:  # weaker cues only count beside the experience itself
            pool += [m for lst in near_lists for m in ctx.matches(lst, other)]
        pool = [m for m in pool if not not_a_need(m)]
        return [
            m for m in pool if not (other == e.sentence and m.start < e.end and e.start < m.end)
        ]

    def not_a_need(m: Match) -> bool:
        if ctx.overlapping(not_needs, _span(m)):
            return True
        return ctx.is_question(m.sentence) and bool(ctx.overlapping(not_needs_question, _span(m)))

    for n in range(count):
        for e in ctx.matches(experience, n):
            span = _span(e)
            partner = None
            for other in (n, n + 1, n - 1, n + 2):
                if 0 <= other < count and (pool := partners(e, other)):
                    partner = min(pool, key=lambda m: abs(m.start - e.start))
                    break
            if partner is None:
                yield ctx.candidate(
                    "fit", [span], False, "experience, but not tied to what they need"
                )
                continue
            pspan = _span(partner)
            blocker = ctx.near(doubt, span, DOUBT_WINDOW) or ctx.near(doubt, pspan, DOUBT_WINDOW)
            if blocker:
                reason = f'doubt about the match ("{_phrase(ctx, blocker)}")'
                yield ctx.candidate("fit", [span, pspan], False, reason)
            else:
                reason = f'experience "{e.pattern}" tied to "{partner.pattern}"'
                yield ctx.candidate("fit", [span, pspan], True, reason)


def _span(m: Match) -> _Span:
    return _Span(m.sentence, m.start, m.end, m.score)


def _reservations(ctx: _Context):
    """A concern cue, asked of the interviewer, about the candidate (or about nothing else)."""
    rules = ctx.rules
    concern = rules.get("reservations", "concern")
    own = rules.get("reservations", "block_overlap")
    asked = rules.get("reservations", "asked")
    openers = rules.get("reservations", "question_openers")
    about_candidate = rules.get("reservations", "about_candidate")
    addressed = rules.get("reservations", "addressed")
    open_tail = frozenset(rules.words("reservations", "open_tail"))
    other_topic = rules.get("reservations", "other_topic")

    not_about = rules.get("reservations", "not_about_candidate")

    def about_the_candidate(span: _Span) -> bool:
        # Near the concern, inside the question when it opens with "is there"/"are you" (in a
        # run-on transcript the sentence before is not part of it), and not "my" in "my worry is
        # the restructure" (the candidate's own concern) nor "me" in "can I ask" or "tell me".
        openers_before = [
            m.start
            for m in ctx.matches(openers, span.sentence)
            if m.start <= span.start and span.start - m.end <= QUESTION_WINDOW
        ]
        question_start = max(openers_before, default=0)
        return any(
            abs(m.start - span.start) <= ABOUT_WINDOW
            and m.start >= question_start
            and not ctx.overlapping(own, _span(m))
            and not ctx.overlapping(not_about, _span(m))
            for m in ctx.matches(about_candidate, span.sentence)
        )

    seen: set[tuple[int, int, int]] = set()
    for n in range(len(ctx.sentences)):
        for m in ctx.matches(concern, n):
            if (n, m.start, m.end) in seen:
                continue
            seen.add((n, m.start, m.end))
            span = _Span(n, m.start, m.end, m.score)
            if blocker := ctx.overlapping(own, span):
                reason = f'the candidate\'s own view, not a question ("{_phrase(ctx, blocker)}")'
            elif not (
                ctx.is_question(n)
                or ctx.any_match(asked, n)
                or ctx.near(openers, span, QUESTION_WINDOW)
            ):
                reason = "not put to the interviewer as a question"
            elif about_the_candidate(span):
                yield ctx.candidate(
                    "reservations",
                    [span],
                    True,
                    "asks the interviewer's doubts about the candidate",
                )
                continue
            elif not ctx.any_match(addressed, n):
                reason = "not about hiring the candidate"
            elif topic := ctx.any_match(other_topic, n):
                reason = f'about something else ("{_phrase(ctx, topic)}")'
            elif not _left_open(ctx, span, open_tail):
                reason = "a concern about something, not about hiring the candidate"
            else:
                yield ctx.candidate("reservations", [span], True, "asks the interviewer's doubts")
                continue
            yield ctx.candidate("reservations", [span], False, reason)


def _left_open(ctx: _Context, span: _Span, tail_words: frozenset[str]) -> bool:
    """True when only a few tail words ("for you", "at all") follow ``span`` in its clause."""
    tokens = ctx.sentences[span.sentence].sentence.tokens
    tail = []
    for token in tokens[span.end :]:
        if token in {",", ".", "?", "!"}:
            break
        tail.append(token)
    return len(tail) <= OPEN_TAIL_MAX and all(t in tail_words for t in tail)


def _fillers(ctx: _Context) -> dict[str, int]:
    counts: dict[str, int] = {}
    raw = [w.text for w in ctx.words]
    hesitations = hesitation_count(raw)
    if hesitations:
        counts["um/uh"] = hesitations
    fillers = ctx.rules.get("fillers", "cues")
    for n in range(len(ctx.sentences)):
        for m in ctx.matches(fillers, n):
            phrase = " ".join(
                t for t in ctx.sentences[n].sentence.tokens[m.start : m.end] if t != ","
            )
            counts[phrase] = counts.get(phrase, 0) + 1
    return counts


def _words_per_minute(words: Sequence[Word]) -> float | None:
    timed = [w for w in words if w.start_s is not None and w.end_s is not None]
    if len(timed) < 2:
        return None
    span = timed[-1].end_s - timed[0].start_s
    if span < MIN_WPM_SPAN_S:
        return None
    return round(len(timed) / (span / 60.0), 1)


def _phrase(ctx: _Context, m: Match) -> str:
    return " ".join(ctx.sentences[m.sentence].sentence.tokens[m.start : m.end])
