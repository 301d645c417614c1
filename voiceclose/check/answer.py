"""Which of the three parts of a good answer to the interviewer's concern a transcript holds.

After the reservations question the interviewer may voice a concern. A good answer (DOMAIN:
"After the question: answering the concern") acknowledges it without dismissing it or getting
defensive, addresses *this* concern with something substantive (facts, specific experience, a
concrete plan), and ends on a high note. The phrase data is data/answers.toml, checked against
``SCHEMA`` when read; it shares phrases.toml's vocabulary, and the close's own interest and
thanks patterns count where an answer reaffirms interest or thanks the interviewer.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from voiceclose.check.clauses import segment
from voiceclose.check.normalise import cut_long, sentences
from voiceclose.check.patterns import Compiler, Lexicon, Match, PatternError, find, prepare
from voiceclose.check.rules import (
    PATTERNS,
    PHRASES_FILE,
    PatternList,
    Rules,
    english_words,
    load_rules,
)
from voiceclose.paths import data_file
from voiceclose.results import (
    ANSWER_PARTS,
    CONCERN_KINDS,
    MIN_WORD_SPEECH,
    AnswerCheck,
    Candidate,
    ElementResult,
    SpeechRegion,
    Word,
    speech_fraction,
)

ANSWERS_FILE = "answers.toml"
SCHEMA: dict[str, dict[str, str]] = {
    "acknowledge": {
        "cues": PATTERNS,
        "defensive": PATTERNS,
        "correction": PATTERNS,
        "admission": PATTERNS,
    },
    "address": {
        "experience": PATTERNS,
        "facts": PATTERNS,
        "plan": PATTERNS,
        "confirm": PATTERNS,
        "transfer": PATTERNS,
        "transfer_doubt": PATTERNS,
        "vague": PATTERNS,
        "raised_doubt": PATTERNS,
    },
    "high_note": {"cues": PATTERNS, "block_before": PATTERNS, "low": PATTERNS},
}
REQUIRED = {
    "acknowledge": ("cues",),
    "address": ("experience", "facts", "plan", "confirm"),
    "high_note": ("cues", "low"),
}
ENDING_SENTENCES = 2  # a high note must come in the answer's last two sentences
SHORT_SENTENCE = 3  # a closing "Thanks." this short (tokens) does not count as the ending
MIN_ADDRESS_TOKENS = 5  # a sentence shorter than this is a reaction, not an answer
VAGUE_REACH = 6  # tokens either side of an address cue in which a hedge makes it vague
# What answers a concern of each kind: a real skills gap needs a plan for closing it (experience
# elsewhere does not close it, unless the answer argues it carries over: TRANSFER); a
# misunderstanding or a gap, the facts or specific experience; no concern, restating a strength
# or confirming something concrete.
ADDRESS_BY_KIND = {
    "misunderstanding": ("facts", "experience", "plan"),
    "gap": ("facts", "experience", "plan"),
    "skills_gap": ("plan",),
    "none": ("experience", "confirm"),
}
ADMITTED = ("gap", "skills_gap")  # kinds where owning the point plainly acknowledges it
TRANSFER = {"skills_gap": "experience"}  # counts for the kind when the answer says it carries over
MIN_SPEECH = MIN_WORD_SPEECH  # share of a cue's span that must lie in detected speech
RAISED_DOUBT = "raises a doubt they did not have"  # the reason, with no concerns (raised_doubts)
CONDITIONS = ("if", "unless", "whether", "maybe", "perhaps", "might", "may", "hopefully", "i")
NEGATION_WINDOW = 4  # tokens before a high-note cue in which "not"/"if" cancels it


@dataclass(frozen=True)
class AnswerRules:
    lexicon: Lexicon
    lists: dict[str, dict[str, PatternList]]
    close: Rules  # the close's rules: interest and thanks count in an answer too

    def get(self, section: str, name: str) -> PatternList:
        return self.lists.get(section, {}).get(name, PatternList(()))


_compiling = threading.Lock()


def load_answer_rules(path: Path | None = None) -> AnswerRules:
    """Compile data/answers.toml once per process; PatternError names a bad entry."""
    with _compiling:
        return _compile(path or data_file("check", ANSWERS_FILE))


@lru_cache(maxsize=4)
def _compile(path: Path) -> AnswerRules:
    with open(path, "rb") as f:
        data = tomllib.load(f)
    check_contract(data, path)
    with open(data_file("check", PHRASES_FILE), "rb") as f:
        vocabulary = dict(tomllib.load(f).get("vocabulary", {}))
    vocabulary.update(data.get("vocabulary", {}))
    compiler = Compiler(vocabulary)
    lists: dict[str, dict[str, PatternList]] = {}
    for section in SCHEMA:
        for name, patterns in data.get(section, {}).items():
            try:
                compiled = tuple(compiler.compile(p) for p in patterns)
            except PatternError as e:
                raise PatternError(f"{path.name} [{section}] {name}: {e}") from e
            lists.setdefault(section, {})[name] = PatternList(compiled)
    close = load_rules()
    lexicon = Lexicon(compiler.words | set(close.lexicon.words), english_words())
    return AnswerRules(lexicon, lists, close)


def check_contract(data: dict, path: Path) -> None:
    """Raise PatternError naming the file, section and key of the first entry not read as
    written: an unknown section or key, a missing one, or a value that is not a list of strings."""
    where = path.name
    for section, table in data.items():
        if section != "vocabulary" and section not in SCHEMA:
            raise PatternError(f"{where}: unknown section [{section}] (known: {', '.join(SCHEMA)})")
        if not isinstance(table, dict):
            raise PatternError(f"{where}: [{section}] should be a table")
        for name, value in table.items():
            if section != "vocabulary" and name not in SCHEMA[section]:
                known = ", ".join(SCHEMA[section])
                raise PatternError(f"{where} [{section}]: unknown key {name!r} (known: {known})")
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise PatternError(f"{where} [{section}] {name}: should be a list of strings")
    for section, names in REQUIRED.items():
        for name in names:
            if name not in data.get(section, {}):
                raise PatternError(f"{where} [{section}]: missing key {name!r}")


class _Answer:
    """One answer's transcript, prepared for matching."""

    def __init__(self, words: Sequence[Word], rules: AnswerRules, regions):
        self.words = words
        self.regions = list(regions) if regions is not None else None
        raw = [w.text for w in words]
        # an answer typed or heard without punctuation is cut into sentences and clauses where
        # speech starts anew, as a close is: its ending, and what a hedge spoils, are one clause
        pieces = segment(sentences(raw, cut=False), rules.close, raw)
        self.sentences = [prepare(p, rules.lexicon) for s in pieces for p in cut_long(s)]

    def matches(self, patterns: PatternList, n: int) -> list[Match]:
        prepared = self.sentences[n]
        # a match that starts in a piece's shared tail is found, whole, in the next piece
        edge = len(prepared.sentence.tokens) - prepared.sentence.shared_tail
        return [m for p in patterns for m in find(p, prepared, n) if m.start < edge]

    def all_matches(self, patterns: PatternList) -> list[Match]:
        return [m for n in range(len(self.sentences)) for m in self.matches(patterns, n)]

    def tokens(self, n: int) -> tuple[str, ...]:
        return self.sentences[n].sentence.tokens

    def phrase(self, m: Match) -> str:
        return " ".join(self.tokens(m.sentence)[m.start : m.end])

    def candidate(self, part: str, m: Match, accepted: bool, reason: str) -> Candidate:
        index = self.sentences[m.sentence].sentence.word_index
        first, last = index[0], index[-1]
        start_s, end_s = self.words[first].start_s, self.words[last].end_s
        cue_start, cue_end = self.words[index[m.start]].start_s, self.words[index[m.end - 1]].end_s
        timed = self.regions is not None and cue_start is not None and cue_end is not None
        if accepted and timed and speech_fraction(self.regions, cue_start, cue_end) < MIN_SPEECH:
            accepted, reason = False, "no speech in the audio under these words"
        text = " ".join(w.text for w in self.words[first : last + 1])
        return Candidate(part, text, m.score, start_s, end_s, accepted, reason, first, last)


def check_answer(
    words: Sequence[Word],
    kind: str,
    *,
    speech_regions: Sequence[SpeechRegion] | None = None,
    rules: AnswerRules | None = None,
) -> AnswerCheck:
    """Check transcript words as an answer to a concern of ``kind`` (see CONCERN_KINDS)."""
    if kind not in CONCERN_KINDS:
        raise ValueError(f"unknown concern kind {kind!r}")
    rules = rules or load_answer_rules()
    answer = _Answer(words, rules, speech_regions)
    doubts = raised_doubts(answer, rules, kind)
    candidates = [
        *_acknowledge(answer, rules, kind, doubts),
        *_address(answer, rules, kind, doubts),
        *_high_note(answer, rules),
    ]
    elements = {part: _best(part, candidates) for part in ANSWER_PARTS}
    return AnswerCheck(elements, tuple(candidates))


def _best(part: str, candidates: Sequence[Candidate]) -> ElementResult:
    accepted = [c for c in candidates if c.element == part and c.accepted]
    if not accepted:
        return ElementResult(False, 0.0, None, None, None)
    best = max(accepted, key=lambda c: (c.score, c.first_word))
    return ElementResult(True, best.score, best.evidence, best.start_s, best.end_s)


def raised_doubts(answer: _Answer, rules: AnswerRules, kind: str) -> list[Match]:
    """With no concerns (kind "none"), where the answer raises one itself: granting a concern
    nobody voiced, or owning a gap ("You're right that I haven't worked on a paediatric ward").
    It answers a doubt they did not have, and plants it."""
    if kind != "none":
        return []
    return answer.all_matches(rules.get("address", "raised_doubt"))


def _raised(answer: _Answer, doubt: Match) -> str:
    """The reason a cue is refused where the answer raised a doubt they did not have."""
    return f'{RAISED_DOUBT} ("{answer.phrase(doubt)}")'


def _acknowledge(answer: _Answer, rules: AnswerRules, kind: str, doubts: Sequence[Match]):
    """Any acknowledging cue, unless the answer somewhere dismisses the concern or argues.
    With no concerns, taking the good news graciously (thanks, "good to hear") acknowledges it;
    granting a concern then ("I understand the concern") raises one (``doubts``, from
    ``raised_doubts``)."""
    cues = list(answer.all_matches(rules.get("acknowledge", "cues")))
    for doubt in doubts:
        granted = [m for m in cues if m.sentence == doubt.sentence and _overlap(m, doubt)]
        for m in granted:
            yield answer.candidate("acknowledge", m, False, _raised(answer, doubt))
        cues = [m for m in cues if m not in granted]
    if kind == "none":  # "No concerns": taking the good news graciously is thanking them
        cues += answer.all_matches(rules.close.get("thanks", "cues"))
    if kind == "misunderstanding" and answer.sentences:  # "Ah, no, it was both": set straight
        cues += [
            m for m in answer.matches(rules.get("acknowledge", "correction"), 0) if m.start == 0
        ]
    if kind in ADMITTED and answer.sentences:  # "No, I haven't yet", "Correct."
        cues += answer.matches(rules.get("acknowledge", "admission"), 0)
    defensive = answer.all_matches(rules.get("acknowledge", "defensive"))
    for m in cues:
        if defensive:
            reason = f'dismissive or defensive ("{answer.phrase(defensive[0])}")'
            yield answer.candidate("acknowledge", m, False, reason)
        else:
            yield answer.candidate("acknowledge", m, True, f'matched "{m.pattern}"')


def _address(answer: _Answer, rules: AnswerRules, kind: str, doubts: Sequence[Match]):
    """Specific experience, facts or a plan (which ones: ADDRESS_BY_KIND), in a sentence of its
    own, not in one that hedges it into vague reassurance ("a course at some point, probably")."""
    names = list(ADDRESS_BY_KIND[kind])
    if kind in TRANSFER and _carries_over(answer, rules):
        names.append(TRANSFER[kind])
    lists = [rules.get("address", name) for name in names]
    vague = rules.get("address", "vague")
    doubt = doubts[0] if doubts else None
    if doubt is not None:  # the doubt itself is what the answer said instead (for the tip)
        yield answer.candidate("address", doubt, False, _raised(answer, doubt))
    for patterns in lists:
        for m in answer.all_matches(patterns):
            if doubt is not None:
                yield answer.candidate("address", m, False, _raised(answer, doubt))
                continue
            overlap = [
                v
                for v in answer.matches(vague, m.sentence)
                if v.start < m.end + VAGUE_REACH and m.start < v.end + VAGUE_REACH
            ]
            words = [t for t in answer.tokens(m.sentence) if t not in {",", ".", "?", "!"}]
            if overlap:
                reason = f'vague reassurance ("{answer.phrase(overlap[0])}")'
                yield answer.candidate("address", m, False, reason)
            elif kind != "none" and len(words) < MIN_ADDRESS_TOKENS:
                yield answer.candidate("address", m, False, "too short to answer the concern")
            else:
                yield answer.candidate("address", m, True, f'matched "{m.pattern}"')


def _overlap(a: Match, b: Match) -> bool:
    return a.start < b.end and b.start < a.end


def _clause_between(answer: _Answer, blocker: Match, cue: Match) -> bool:
    """A negation whose clause ended before the cue ("years, not months, and I'd love to")
    does not negate it; a condition ("if", "unless") still does."""
    tokens = answer.tokens(cue.sentence)
    if tokens[blocker.start] in CONDITIONS:
        return False
    return "," in tokens[blocker.end : cue.start]


def _carries_over(answer: _Answer, rules: AnswerRules) -> bool:
    """Whether the answer argues its experience carries over to the skill, without taking it
    back in that sentence or the next."""
    doubt = rules.get("address", "transfer_doubt")
    for m in answer.all_matches(rules.get("address", "transfer")):
        later = range(m.sentence, min(m.sentence + 2, len(answer.sentences)))
        if not any(answer.matches(doubt, n) for n in later):
            return True
    return False


def _ending(answer: _Answer, rules: AnswerRules) -> list[int]:
    """The last sentences that carry the ending (a bare closing "Thanks." does not)."""
    n = len(answer.sentences)
    thanks = rules.close.get("thanks", "cues")
    positive = rules.get("high_note", "cues"), rules.close.get("interest", "cues")
    while n > 1:
        words = [t for t in answer.tokens(n - 1) if t not in {",", ".", "?", "!"}]
        if len(words) > SHORT_SENTENCE and not answer.matches(thanks, n - 1):
            break
        if len(words) > SHORT_SENTENCE and any(answer.matches(p, n - 1) for p in positive):
            break  # thanks said with the high note ("I'd love this one, so thanks for...")
        n -= 1
    return list(range(max(0, n - ENDING_SENTENCES), n))


def _high_note(answer: _Answer, rules: AnswerRules):
    """A positive cue (or the close's interest) in the ending, with no weakness after it."""
    if not answer.sentences:
        return
    ending = _ending(answer, rules)
    low_patterns = rules.get("high_note", "low")  # in the ending and the short lines after it
    low = [
        m for n in range(ending[0], len(answer.sentences)) for m in answer.matches(low_patterns, n)
    ]
    blockers = rules.get("high_note", "block_before")
    for n in ending:
        cues = answer.matches(rules.get("high_note", "cues"), n)
        cues += answer.matches(rules.close.get("interest", "cues"), n)
        for m in cues:
            before = [
                b
                for b in answer.matches(blockers, n)
                if b.end <= m.start + 1
                and m.start - b.end <= NEGATION_WINDOW
                and b.start < m.start
                and not _clause_between(answer, b, m)
            ]
            after = [x for x in low if x.sentence > n or (x.sentence == n and x.end > m.start)]
            if before:
                reason = f'negated or doubtful ("{answer.phrase(before[0])}")'
                yield answer.candidate("high_note", m, False, reason)
            elif after:
                reason = f'ends on the weakness ("{answer.phrase(after[0])}")'
                yield answer.candidate("high_note", m, False, reason)
            else:
                yield answer.candidate("high_note", m, True, f'matched "{m.pattern}"')
