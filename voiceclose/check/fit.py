"""Fit: the candidate's own experience tied to what the employer needs.

Without a scenario, a sentence (or two neighbouring ones) must hold an experience cue and a cue
that names what they need ("you mentioned...", "the main thing is...") or links the two ("that's
exactly what I did"). With a scenario, fit is tied to *its* needs: the experience must speak to
one of them, in its own words or the words of its ``listen_for`` patterns, or (with the semantic
signal) in meaning; experience tied to something else is not credited, and each credit names the
needs it covered. Doubt about the match cancels it either way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from voiceclose.check.context import Context, Span, clause_around, span_of
from voiceclose.check.fields import heard_for
from voiceclose.check.needs import NEED_WORDS_ENOUGH, RoleNeed, need_terms, shared_terms
from voiceclose.check.patterns import Match
from voiceclose.check.rules import PatternList
from voiceclose.results import Candidate

if TYPE_CHECKING:
    from voiceclose.check.semantic import Scores

DOUBT_WINDOW = 10  # tokens from a fit cue within which self-doubt cancels it
# ...and within which a plan or a favour shows it is not experience, or the result is disowned
# ("I worked on a project that cut fuel costs, but honestly it was mostly my manager's doing")
NOT_EXPERIENCE_WINDOW = 16
FRAGMENT_TOKENS = 8  # a sentence this short before the experience may name its topic
NEIGHBOURS = (0, 1, -1, 2)  # sentences, relative to the experience, searched for a partner cue
MORE_WORDS = 2  # words a loosely tied sentence must tell beside the need's ("for British Gas")
MORE_WORD_LENGTH = 4  # ...each this long at least ("sir", "in" say nothing)
UNTIED = "but not tied to"  # in the reason of experience heard without a need it answers
ASKED = "a question to the interviewer, not the candidate's experience"


def fit_candidates(ctx: Context, role: Sequence[RoleNeed], scores: Scores | None) -> Iterator:
    if role:
        yield from _ScenarioFit(ctx, role, scores).candidates()
    else:
        yield from _generic_fit(ctx)


def _doubt(ctx: Context, spans: Sequence[Span]) -> Match | None:
    doubt = ctx.rules.get("fit", "doubt")
    for span in spans:
        if blocker := ctx.near(doubt, span, DOUBT_WINDOW):
            return blocker
    return None


def _asks(ctx: Context, span: Span) -> bool:
    """Whether the clause holding ``span`` is a question: it ends in "?" or opens (after "so",
    "and"...) as one ("do you see any gaps between my experience and what you need")."""
    tokens = ctx.tokens(span.sentence)
    first, last = clause_around(tokens, span.start, span.end)
    if tokens[last - 1 : last] == ("?",) or (last == len(tokens) - 1 and tokens[-1] == "?"):
        return True
    opening = next((i for i in range(first, last) if tokens[i] not in ctx.lead_ins), last)
    return any(m.start == opening for m in ctx.matches(ctx.rules.get("fit", "asks"), span.sentence))


def _not_fit(ctx: Context, spans: Sequence[Span]) -> str | None:
    """Why a tie of experience and need is not fit: doubt about the match, a bare claim, or a
    question (asking whether their experience fits is asking for the interviewer's doubts)."""
    if blocker := _doubt(ctx, spans):
        return f'doubt about the match ("{ctx.phrase(blocker)}")'
    rules = ctx.rules
    if blocker := ctx.near(rules.get("fit", "not_experience"), spans[0], NOT_EXPERIENCE_WINDOW):
        return f'not experience of the work ("{ctx.phrase(blocker)}")'
    if blocker := ctx.overlapping(rules.get("fit", "not_own"), spans[0]):
        return f'a hypothetical or someone else\'s experience ("{ctx.phrase(blocker)}")'
    if blocker := ctx.overlapping(rules.get("fit", "credited"), spans[0]):
        return f'credit given to others, not experience told ("{ctx.phrase(blocker)}")'
    claims = ctx.rules.get("fit", "bare_claim")
    for span in spans:
        if claim := ctx.overlapping(claims, span):
            return f'a claim of fit with nothing behind it ("{ctx.phrase(claim)}")'
    if _asks(ctx, spans[0]):
        return ASKED
    return None


def _generic_fit(ctx: Context) -> Iterator[Candidate]:
    """Own experience plus what the employer needs (or a link), in one or two sentences."""
    rules = ctx.rules
    experience = rules.get("fit", "experience")
    count = len(ctx.sentences)
    for n in range(count):
        for e in ctx.matches(experience, n):
            span = span_of(e)
            partner = None
            for step in NEIGHBOURS:
                other = n + step
                if 0 <= other < count and (pool := _partners(ctx, e, other)):
                    partner = min(pool, key=lambda m: abs(m.start - e.start))
                    break
            if partner is None:
                # "is there anything about my experience that gives you pause?" tells none
                untied = ASKED if _asks(ctx, span) else f"experience, {UNTIED} what they need"
                yield ctx.candidate("fit", [span], False, untied)
                continue
            pspan = span_of(partner)
            if reason := _not_fit(ctx, [span, pspan]):
                yield ctx.candidate("fit", [span, pspan], False, reason)
            else:
                reason = f'experience "{e.pattern}" tied to "{partner.pattern}"'
                yield ctx.candidate("fit", [span, pspan], True, reason)


def curious(ctx: Context, n: int) -> bool:
    """Whether sentence ``n`` wonders how the employer does things ("I'm interested in how you
    split the rota"): it does not tell the candidate's experience, however it scores."""
    return bool(ctx.any_match(ctx.rules.get("fit", "curious"), n))


def need_cues(ctx: Context, sentence: int, near: Match | None = None) -> list[Match]:
    """Cues naming what the employer needs in ``sentence``; with ``near`` (an experience cue in
    that sentence) also the weaker ones that count only beside it, never overlapping it."""
    rules = ctx.rules
    pool = list(ctx.matches(rules.get("fit", "needs"), sentence))
    if near is not None:
        pool += ctx.matches(rules.get("fit", "needs_near"), sentence)
        pool += ctx.matches(rules.get("fit", "links"), sentence)
        pool = [m for m in pool if not (m.start < near.end and near.start < m.end)]
    return [m for m in pool if not _not_a_need(ctx, m)]


def _partners(ctx: Context, e: Match, other: int) -> list[Match]:
    return need_cues(ctx, other, e if other == e.sentence else None)


def _not_a_need(ctx: Context, m: Match) -> bool:
    """An offer or a condition ("if you need anything else"), a question about their needs, or
    a clause that wonders how they do things ("keen to learn how you laminate at this volume,
    that's something I've always wanted to see")."""
    rules = ctx.rules
    if ctx.overlapping(rules.get("fit", "not_needs"), span_of(m)):
        return True
    if _wondered_near(ctx, m):
        return True
    asked = rules.get("fit", "not_needs_question")
    return ctx.is_question(m.sentence) and bool(ctx.overlapping(asked, span_of(m)))


def _wondered_near(ctx: Context, m: Match) -> bool:
    """Whether a curiosity cue lies in ``m``'s clause, within DOUBT_WINDOW tokens of it."""
    first, last = clause_around(ctx.tokens(m.sentence), m.start, m.end)
    return any(
        first <= c.start < last
        and (m.start - c.end <= DOUBT_WINDOW and c.start - m.end <= DOUBT_WINDOW)
        for c in ctx.matches(ctx.rules.get("fit", "curious"), m.sentence)
    )


def _share(terms: Sequence[str], tokens: Sequence[str]) -> float:
    """How much of a need's words a sentence holds (0 to 1)."""
    return len(shared_terms(terms, tokens)) / len(terms) if terms else 0.0


class _ScenarioFit:
    """Experience that speaks to one of this role's needs."""

    def __init__(self, ctx: Context, role: Sequence[RoleNeed], scores: Scores | None):
        self.ctx = ctx
        self.role = role
        self.scores = scores
        ignore = frozenset(ctx.rules.words("needs", "ignore"))
        self.ignore = ignore
        self.bare = frozenset(ctx.rules.words("fit", "bare_words"))
        self.terms = [need_terms(need, ignore) for need in role]
        # each need's words that no other need of the role holds ("consistent", not "food")
        self.own_terms = [
            [t for t in terms if not any(shared_terms(o, [t]) for o in self._others(i))]
            for i, terms in enumerate(self.terms)
        ]
        # a scenario's listen_for patterns, and what field knowledge hears for this kind of need
        self.patterns: list[PatternList] = [
            PatternList(
                ctx.rules.compile_extra([p for p in need.listen_for if p]).patterns
                + heard_for(ctx.rules, need.what).patterns
            )
            for need in role
        ]

    def _others(self, need: int) -> list[tuple[str, ...]]:
        """The terms of the role's other needs."""
        return [terms for i, terms in enumerate(self.terms) if i != need]

    def needs_in(self, sentence: int) -> list[int]:
        """The needs (by index) a sentence speaks to: a ``listen_for`` pattern; or the need's
        own words, which with the semantic signal must also be near it in meaning when they are
        less than half of them ("models" in "papers on diffusion models" does not speak to
        "putting models into production"); or, with the semantic signal, meaning alone; or,
        when it says what the employer needs in other words, the need it recaps."""
        spoken = self.spoken_to(sentence)
        if not spoken and (recapped := self.recapped(sentence)) is not None:
            spoken.append(recapped)
        return spoken

    def spoken_to(self, sentence: int) -> list[int]:
        """The needs a sentence speaks to in their own words or meaning (``needs_in``). A
        sentence near one need in meaning is often near another of the role's too ("you said
        food costs have been creeping up": 0.69 from "bringing food costs under control", 0.43
        from "keeping the food consistent on busy services"): a need spoken to by meaning
        alone, or by words other needs share, counts only when no other need the sentence
        speaks to is nearer."""
        tokens = self.ctx.tokens(sentence)
        spoken, by_meaning = [], []
        for i, (terms, patterns) in enumerate(zip(self.terms, self.patterns, strict=True)):
            if patterns and self.ctx.any_match(patterns, sentence):
                spoken.append(i)
            elif self.scores is None:  # the rules alone: half of the need's words, or one of
                # its own that no other need holds (its meaning cannot be read without the model)
                if _share(terms, tokens) >= NEED_WORDS_ENOUGH or shared_terms(
                    self.own_terms[i], tokens
                ):
                    spoken.append(i)
            elif self.semantic_tie(sentence, i, terms, tokens):
                words = _share(terms, tokens) >= NEED_WORDS_ENOUGH
                (spoken if words else by_meaning).append(i)
        if by_meaning:
            nearest = max(spoken + by_meaning, key=lambda i: self.scores.similarity(sentence, i))
            spoken += [
                i for i in by_meaning if i == nearest or shared_terms(self.own_terms[i], tokens)
            ]
        return sorted(spoken)

    def named_beside(self, other: int, n: int) -> list[int]:
        """The needs sentence ``other`` names for the experience in sentence ``n`` beside it: a
        need it recaps in other words only when the experience is itself near that need in
        meaning ("You said the reviews have been poor. I ran a half marathon." answers none)."""
        if named := self.spoken_to(other):
            return named
        recapped = self.recapped(other)
        if recapped is None or not self.scores.near_recapped(n, recapped):
            return []
        return [recapped]

    def recapped(self, sentence: int) -> int | None:
        """The need a sentence names as what the employer needs, in other words than the
        need's own ("I heard you say the reviews have been rough lately" for "turning round
        guest complaints"): the interviewer raised it, so it is one of the role's needs when
        it is the need nearest in meaning, and near enough (semantic.RECAP_SIMILARITY). A
        bare claim names no need ("my experience is exactly what you need")."""
        ctx = self.ctx
        if self.scores is None or not need_cues(ctx, sentence):
            return None
        if ctx.any_match(ctx.rules.get("fit", "bare_claim"), sentence):
            return None
        return self.scores.recapped_need(sentence)

    def semantic_tie(self, n: int, need: int, terms: Sequence[str], tokens: Sequence[str]) -> bool:
        """With the semantic signal: near the need in meaning (``speaks_to``), and then holding
        half its words, or telling something done beside them: "ten years of experience in
        nursing" is a length of time in a field, not "intensive care nursing" spoken to."""
        scores = self.scores
        share = _share(terms, tokens)
        if scores is None or not scores.speaks_to(n, need, share):
            return False
        return share >= NEED_WORDS_ENOUGH or self.says_more(terms, tokens)

    def says_more(self, terms: Sequence[str], tokens: Sequence[str]) -> bool:
        """Whether a sentence tied to a need by less than half its words tells something done
        beside them: "eight years of experience in testing" does not speak to "test automation
        with Selenium"; "on call for British Gas, burst pipes at 2 am" does speak to "emergency
        call-outs"."""
        ignore = self.bare | self.ignore
        told = [
            t
            for t in tokens
            if len(t) >= MORE_WORD_LENGTH
            and t.isalpha()
            and t not in ignore
            and not shared_terms(terms, [t])
        ]
        return len(told) >= MORE_WORDS

    def tied(self, n: int) -> dict[int, int]:
        """Needs the experience in sentence ``n`` speaks to, each with the sentence naming it:
        its own, or a short or need-naming sentence next to it ("You need X. I did X at ..."),
        or the one before when the experience points back to it ("X? That's exactly what I
        did"). An experience that speaks to a need itself is tied to that need alone: "You said
        food costs are creeping up and the plates vary on busy nights. I rebuilt the ordering
        and cut waste by a third" answers the costs, not the plates."""
        ctx = self.ctx
        found = dict.fromkeys(self.needs_in(n), n)
        if found:
            return found
        for other in (n - 1, n + 1):
            if not 0 <= other < len(ctx.sentences):
                continue
            # a short sentence names a topic ("The night shift?"), unless it tells something of
            # the candidate's own ("I'm in here every morning": a customer's habit)
            words = ctx.tokens(other)
            short = len(words) <= FRAGMENT_TOKENS and other == n - 1 and "i" not in words
            # "The brand voice thing? That's what I did at my last place": a link points back
            points_back = other == n - 1 and bool(ctx.any_match(ctx.rules.get("fit", "links"), n))
            if short or points_back or need_cues(ctx, other):
                for need in self.named_beside(other, n):
                    found.setdefault(need, other)
        return found

    def how_tied(self, n: int, need: int, named_in: int) -> str:
        """How the experience in sentence ``n`` was tied to ``need``, named in sentence
        ``named_in`` (``tied``), for --explain: by the need's phrase, its words or its meaning,
        in its own sentence or the one beside it."""
        how = self.how_spoken(named_in, need)
        if named_in == n:
            return how
        return f"{how}, in the sentence {'before' if named_in < n else 'after'}"

    def how_spoken(self, sentence: int, need: int) -> str:
        """How a sentence speaks to a need: its phrase, its words heard, or its meaning."""
        ctx = self.ctx
        if self.patterns[need] and (found := ctx.matches(self.patterns[need], sentence)):
            return f'its phrase "{found[0].pattern}"'
        heard = shared_terms(self.terms[need], ctx.tokens(sentence))
        meaning = f"meaning {self.scores.similarity(sentence, need):.2f}" if self.scores else ""
        if heard:
            return ", ".join([f"its words {', '.join(heard)}", *([meaning] if meaning else [])])
        if need not in self.spoken_to(sentence):
            return f"recapped in other words ({meaning})"
        return f"its {meaning}"

    def experience(self, n: int) -> list[tuple[Span, str, str]]:
        """The experience in sentence ``n``: rule cues, or else the whole sentence when the
        semantic signal is confident it tells of the candidate's own experience."""
        cues = self.ctx.matches(self.ctx.rules.get("fit", "experience"), n)
        found = [(span_of(e), f'experience "{e.pattern}"', "rules") for e in cues]
        recap = self.ctx.any_match(self.ctx.rules.get("recap", "cues"), n) or need_cues(self.ctx, n)
        told = not recap and not curious(self.ctx, n)
        if not found and told and self.scores is not None and self.scores.experience(n):
            p = self.scores.probability("experience", n)
            whole = Span(n, 0, len(self.ctx.tokens(n)), round(p * 100, 1))
            found.append((whole, f"experience (semantic {p:.2f})", "semantic"))
        return found

    def need_words(self, span: Span, needs: Sequence[int]) -> list[Span]:
        """Where in the experience's own sentence the ``needs`` it is tied to are spoken to
        (their words, or their patterns), scored as the experience is: the quote then holds
        them too, when a run-on sentence is quoted by its clauses ("I have led triage
        improvements in my department and supported new nurses": not its first clause alone)."""
        ctx, n = self.ctx, span.sentence
        tokens = ctx.tokens(n)
        found = []
        for i in needs:
            found += [m.start for m in ctx.matches(self.patterns[i], n)] if self.patterns[i] else []
            found += [k for k, t in enumerate(tokens) if shared_terms(self.terms[i], [t])]
        return [Span(n, k, k + 1, span.score) for k in sorted(set(found))]

    def candidates(self) -> Iterator[Candidate]:
        ctx = self.ctx
        for n in range(len(ctx.sentences)):
            found = self.experience(n)
            tied = self.tied(n) if found else {}  # once a sentence, for each experience in it
            hows = [f"{self.role[i].what} ({self.how_tied(n, i, at)})" for i, at in tied.items()]
            for span, what, signal in found:
                if not tied:
                    # "is there anything about my experience that gives you pause?" tells none
                    reason = ASKED if _asks(ctx, span) else f"{what}, {UNTIED} this role's needs"
                    yield ctx.candidate("fit", [span], False, reason, signal)
                elif reason := _not_fit(ctx, [span]):
                    yield ctx.candidate("fit", [span], False, reason, signal)
                else:
                    names = [self.role[i].what for i in tied]
                    reason = f"{what} tied to the need: {'; '.join(hows)}"
                    quoted = [span, *self.need_words(span, list(tied))]
                    yield ctx.candidate("fit", quoted, True, reason, signal, needs=names)
