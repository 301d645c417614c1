"""One transcript prepared for the checker's rules: its sentences matched against the phrase
patterns, with the helpers every part's rules share (what precedes a cue, whether a sentence is a
question, the words to quote as evidence and whether the audio under them holds speech)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voiceclose.check.clauses import segment
from voiceclose.check.normalise import cut_long, sentences
from voiceclose.check.patterns import Match, PreparedSentence, find, prepare
from voiceclose.check.rules import PatternList, Rules
from voiceclose.results import MIN_WORD_SPEECH, Candidate, SpeechRegion, Word, speech_fraction

NEGATION_WINDOW = 5  # tokens before a cue in which "not"/"never" cancels it
MIN_EVIDENCE_SPEECH = MIN_WORD_SPEECH  # share of a cue's span that must lie in detected speech
EVIDENCE_MAX_TOKENS = 30  # longer sentences are quoted by the clauses around the cue
QUESTION_LOOKAHEAD = 6  # tokens at a sentence's start searched for a question opener


@dataclass(frozen=True)
class Span:
    sentence: int
    start: int
    end: int
    score: float


def span_of(m: Match) -> Span:
    return Span(m.sentence, m.start, m.end, m.score)


class Context:
    """One transcript, prepared for matching, with helpers the rules share."""

    def __init__(self, words: Sequence[Word], rules: Rules, regions: Sequence[SpeechRegion] | None):
        self.words = words
        self.rules = rules
        self.regions = list(regions) if regions is not None else None
        raw = [w.text for w in words]
        pieces = [p for s in segment(sentences(raw, cut=False), rules, raw) for p in cut_long(s)]
        self.sentences: list[PreparedSentence] = [prepare(s, rules.lexicon) for s in pieces]
        self._cache: dict[tuple[int, int], tuple[PatternList, list[Match]]] = {}
        self.question_openers = frozenset(rules.words("sentences", "question_openers"))
        self.lead_ins = frozenset(rules.words("sentences", "lead_ins"))

    def tokens(self, sentence: int) -> tuple[str, ...]:
        return self.sentences[sentence].sentence.tokens

    def text(self, sentence: int, start: int = 0, end: int | None = None) -> str:
        """A sentence (or its tokens ``start`` to ``end``) as it was said: the transcript's
        words, without hesitations."""
        index = sorted(set(self.sentences[sentence].sentence.word_index[start:end]))
        return " ".join(self.words[i].text for i in index)

    def matches(self, patterns: PatternList, sentence: int) -> list[Match]:
        key = (id(patterns), sentence)
        if key not in self._cache:
            prepared = self.sentences[sentence]
            # a match that starts in a piece's shared tail is found, whole, in the next piece
            edge = len(prepared.sentence.tokens) - prepared.sentence.shared_tail
            found = [m for p in patterns for m in find(p, prepared, sentence)]
            # the entry holds the list itself: a list made for one call (a scenario's needs, an
            # empty list for a key the data lacks) that was freed could otherwise hand its id,
            # and its matches, to the next list made
            self._cache[key] = (patterns, [m for m in found if m.start < edge])
        return self._cache[key][1]

    def any_match(self, patterns: PatternList, sentence: int) -> Match | None:
        found = self.matches(patterns, sentence)
        return found[0] if found else None

    def overlapping(self, patterns: PatternList, span: Span) -> Match | None:
        for m in self.matches(patterns, span.sentence):
            if m.start < span.end and span.start < m.end:
                return m
        return None

    def just_before(self, patterns: PatternList, span: Span) -> Match | None:
        """A match ending shortly before ``span``, in the same clause."""
        tokens = self.tokens(span.sentence)
        for m in self.matches(patterns, span.sentence):
            if m.start < span.start and m.end <= span.start + 1:
                between = tokens[m.end : span.start]
                if "," not in between and span.start - m.end <= NEGATION_WINDOW:
                    return m
        return None

    def near(
        self, patterns: PatternList, span: Span, window: int, after: bool = True
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
        tokens = self.tokens(sentence)
        if tokens and tokens[-1] == "?":
            return True
        return self._opens_as_question(tokens, 0)

    def _opens_as_question(self, tokens: Sequence[str], first: int) -> bool:
        """Whether the words from ``first`` open as a question (after "so", "and"...)."""
        for token in tokens[first : first + QUESTION_LOOKAHEAD]:
            if token not in self.lead_ins:
                return token in self.question_openers
        return False

    def asked_in_clause(self, span: Span) -> bool:
        """Whether the clause holding ``span`` opens as a question, as ``is_question`` reads a
        sentence: in a run-on transcript a question follows a statement after a comma ("I'd be
        glad to answer it now, could you also tell me what the next steps are")."""
        tokens = self.tokens(span.sentence)
        inserted = self.sentences[span.sentence].sentence.inserted
        # a comma heard, not one the checker put into unpunctuated text: a break it guessed is
        # no evidence that a question begins there ("so when do i start ha no seriously")
        heard = [i for i in range(span.start) if tokens[i] == "," and i not in inserted]
        if not heard:
            return False  # the clause is the sentence's start, which is_question reads
        return self._opens_as_question(tokens, heard[-1] + 1)

    def phrase(self, m: Match) -> str:
        return " ".join(self.tokens(m.sentence)[m.start : m.end])

    def candidate(
        self,
        element: str,
        spans: Sequence[Span],
        accepted: bool,
        reason: str,
        signal: str = "rules",
        needs: Sequence[str] = (),
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
        return Candidate(
            element, text, score, start_s, end_s, accepted, reason, first, last, signal, list(needs)
        )

    def _cue_words(self, spans: Sequence[Span]) -> tuple[int, int]:
        indices = [
            self.sentences[s.sentence].sentence.word_index[i]
            for s in spans
            for i in (s.start, s.end - 1)
        ]
        return min(indices), max(indices)

    def _evidence_words(self, spans: Sequence[Span]) -> tuple[int, int]:
        """The sentence around each cue; in a long run-on sentence, the clauses around it."""
        indices = []
        for span in spans:
            tokens = self.tokens(span.sentence)
            word_index = self.sentences[span.sentence].sentence.word_index
            start, end = 0, len(tokens)
            inserted = self.sentences[span.sentence].sentence.inserted
            if len(tokens) > EVIDENCE_MAX_TOKENS or inserted:  # a run-on: quote the clauses
                start, end = clause_around(tokens, span.start, span.end)
            indices += [word_index[start], word_index[end - 1]]
        return min(indices), max(indices)


def clause_around(tokens: Sequence[str], start: int, end: int) -> tuple[int, int]:
    """The clause (between commas) holding tokens ``start`` to ``end``."""
    before = [i for i in range(start) if tokens[i] == ","]
    after = [i for i in range(end, len(tokens)) if tokens[i] == ","]
    first = before[-1] + 1 if before else 0
    last = after[0] + 1 if after else len(tokens)
    return first, last
