"""Sentences and clauses in text that has lost its punctuation.

Whisper returns some windows without punctuation, and people type transcripts the same way. The
rules lean on sentence ends (a question is a sentence that opens with "is there", "do you"...) and
on clause ends ("I'm dead keen, I've got my card"), so a long stretch of words with no mark in it
is cut here, before the words that open a sentence or a clause in speech: a question ("is there
anything", "what are the next steps"), thanks, or "I" with its verb after a word that can end a
clause. A hesitation ("um") between two words is a pause and ends a clause too. The words that
mark these places are data (phrases.toml, [clauses]).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voiceclose.check.normalise import HESITATIONS, Sentence
from voiceclose.check.rules import Rules

MIN_RUN_TOKENS = 8  # in unpunctuated text, a stretch with no mark this long is cut where...
PUNCTUATED_MIN_RUN_TOKENS = 20  # ...speech starts anew; in punctuated text, only this long
PUNCTUATED = 1 / 15  # marks per token from which a transcript counts as punctuated
MIN_PIECE_TOKENS = 2  # no piece shorter than this is cut off
SHORT_QUESTION_TOKENS = 4  # "what reservations" + "would you...": one question, not two
RELAY_WINDOW = 8  # tokens after "tell", "pass" within which thanks is the message passed on
MARKS = frozenset({",", ".", "?", "!"})
SENTENCE, CLAUSE = ".", ","


@dataclass(frozen=True)
class _Starts:
    sentence: tuple[tuple[str, ...], ...]  # phrases that open a sentence ("is there")
    clause: tuple[tuple[str, ...], ...]  # phrases that open a clause ("i have")
    not_starts: tuple[tuple[str, ...], ...]  # ...but these do not ("thanks to")
    carry_back: frozenset[str]  # words that belong with what follows ("and", "so")
    no_break_after: frozenset[str]  # words after which nothing new starts ("the", "if")
    no_clause_after: frozenset[str]  # ...nor a clause ("the job | I want" is one)
    open_before_i: frozenset[str]  # words after which "I ..." may start all the same
    prepositions: frozenset[str]  # "with | any doubts": the object, not a new question...
    object_starts: frozenset[str]  # ...when the start is one of these
    subordinate: frozenset[str]  # a piece opening with these ("if", "when") ends in a clause
    question_words: frozenset[str]  # "what", "which": a question may go on after them
    relays: frozenset[str]  # "tell", "pass": thanks after them is passed on to someone else
    thanks: tuple[tuple[str, ...], ...]  # the sentence starts that thank


def _starts(rules: Rules) -> _Starts:
    def phrases(name: str) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(p.split()) for p in rules.words("clauses", name))

    return _Starts(
        sentence=phrases("sentence_starts"),
        clause=phrases("clause_starts"),
        not_starts=phrases("not_starts"),
        carry_back=frozenset(rules.words("clauses", "carry_back")),
        no_break_after=frozenset(rules.words("clauses", "no_break_after")),
        no_clause_after=frozenset(rules.words("clauses", "no_clause_after")),
        open_before_i=frozenset(rules.words("clauses", "open_before_i")),
        prepositions=frozenset(rules.words("clauses", "prepositions")),
        object_starts=frozenset(rules.words("clauses", "object_starts")),
        subordinate=frozenset(rules.words("clauses", "subordinate")),
        question_words=frozenset(rules.words("clauses", "question_words")),
        relays=frozenset(rules.words("clauses", "relays")),
        thanks=phrases("thanks_starts"),
    )


def segment(
    sentences: Sequence[Sentence], rules: Rules, words: Sequence[str] | None = None
) -> list[Sentence]:
    """``sentences`` with every long unmarked stretch cut into sentences and clauses.

    ``words`` (the transcript's words) lets a hesitation between two tokens end a clause."""
    starts = _starts(rules)
    tokens = sum(len(s.tokens) for s in sentences)
    marks = sum(1 for s in sentences for t in s.tokens if t in MARKS)
    min_run = PUNCTUATED_MIN_RUN_TOKENS if marks >= PUNCTUATED * tokens else MIN_RUN_TOKENS
    out: list[Sentence] = []
    for sentence in sentences:
        out.extend(_cut(sentence, _breaks(sentence, starts, words, min_run)))
    return out


def _breaks(
    sentence: Sentence, starts: _Starts, words: Sequence[str] | None, min_run: int
) -> dict[int, str]:
    """Token positions where a new sentence or clause begins, inside long unmarked stretches."""
    tokens = sentence.tokens
    breaks: dict[int, str] = {}
    for first, last in _unmarked_runs(tokens):
        if last - first < min_run:
            continue
        pieces = [first]  # where each piece of this stretch begins
        for i in range(first + MIN_PIECE_TOKENS, last - 1):
            kind = _start_at(tokens, i, starts)
            if kind is None and _pause_before(sentence, i, words):
                kind = CLAUSE
            if kind is None:
                continue
            at = _carried_back(tokens, i, pieces[-1], starts)
            if at - pieces[-1] < MIN_PIECE_TOKENS:
                # "..., so | what concerns": a clause just begun turns out to be a question
                if kind == SENTENCE and breaks.get(pieces[-1]) == CLAUSE and len(pieces) > 1:
                    before = tokens[pieces[-2] : pieces[-1]]
                    breaks[pieces[-1]] = _sentence_or_clause(before, starts) or CLAUSE
                continue
            if _joined(tokens, at, kind, starts) or _relayed(tokens, at, starts):
                continue
            if kind == SENTENCE:
                kind = _sentence_or_clause(tokens[pieces[-1] : at], starts)
                if kind is None:
                    continue
            breaks[at] = kind
            pieces.append(at)
    return breaks


def _joined(tokens: Sequence[str], at: int, kind: str, starts: _Starts) -> bool:
    """Whether the word before ``at`` holds on to what follows, so that nothing starts there."""
    before = tokens[at - 1]
    if before in starts.prepositions and tokens[at] in starts.object_starts:
        return True
    if before in starts.prepositions and before != "to" and _thanks_at(tokens, at, starts):
        return False  # "anything you're unsure of | thanks so much": a question ended there
    held = before in starts.no_break_after or (kind == CLAUSE and before in starts.no_clause_after)
    return held and not (tokens[at] == "i" and before in starts.open_before_i)


def _thanks_at(tokens: Sequence[str], at: int, starts: _Starts) -> tuple[str, ...] | None:
    return next((p for p in starts.thanks if tuple(tokens[at : at + len(p)]) == p), None)


def _relayed(tokens: Sequence[str], at: int, starts: _Starts) -> bool:
    """Whether thanks starting at ``at`` is a message passed on ("tell the lady on the desk |
    thanks for the tea"): "thanks for", with a relay word shortly before it not followed by
    "you"."""
    said = _thanks_at(tokens, at, starts)
    if said is None or tokens[at + len(said) : at + len(said) + 1] != ("for",):
        return False
    return any(
        tokens[i] in starts.relays and tokens[i + 1] not in {"you", "u", "ya"}
        for i in range(max(0, at - RELAY_WINDOW), at - 1)
    )


def _sentence_or_clause(piece: Sequence[str], starts: _Starts) -> str | None:
    """How the piece before a sentence start ends: a sentence; a clause when it is a
    subordinate clause ("if you had to argue against hiring me, what would you say"); not at all
    when it is the start of the same question ("what reservations | would you have")."""
    words = [t for t in piece if t not in starts.carry_back] or list(piece)
    if words[0] in starts.question_words and len(words) <= SHORT_QUESTION_TOKENS:
        return None
    return CLAUSE if words[0] in starts.subordinate else SENTENCE


def _unmarked_runs(tokens: Sequence[str]) -> list[tuple[int, int]]:
    runs, start = [], 0
    for i, token in enumerate(tokens):
        if token in MARKS:
            runs.append((start, i))
            start = i + 1
    runs.append((start, len(tokens)))
    return runs


def _start_at(tokens: Sequence[str], i: int, starts: _Starts) -> str | None:
    if any(tuple(tokens[i : i + len(p)]) == p for p in starts.not_starts):
        return None
    for kind, phrases in ((SENTENCE, starts.sentence), (CLAUSE, starts.clause)):
        for phrase in phrases:
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                return kind
    return None


def _carried_back(tokens: Sequence[str], i: int, floor: int, starts: _Starts) -> int:
    """Where the new piece begins: before the "and", "so" that lead into it."""
    while i - 1 > floor and tokens[i - 1] in starts.carry_back:
        i -= 1
    return i


def _pause_before(sentence: Sentence, i: int, words: Sequence[str] | None) -> bool:
    if words is None or i == 0:
        return False
    before, after = sentence.word_index[i - 1], sentence.word_index[i]
    return any(words[w].lower().strip(".,!?;:\"'") in HESITATIONS for w in range(before + 1, after))


def _cut(sentence: Sentence, breaks: dict[int, str]) -> list[Sentence]:
    if not breaks:
        return [sentence]
    out: list[Sentence] = []
    tokens: list[str] = []
    index: list[int] = []
    inserted: set[int] = set()
    for i, (token, word) in enumerate(zip(sentence.tokens, sentence.word_index, strict=True)):
        kind = breaks.get(i)
        if kind == SENTENCE and tokens:
            out.append(Sentence(tuple(tokens), tuple(index), frozenset(inserted)))
            tokens, index, inserted = [], [], set()
        elif kind == CLAUSE and tokens and tokens[-1] not in MARKS:
            inserted.add(len(tokens))
            tokens.append(",")
            index.append(index[-1])
        tokens.append(token)
        index.append(word)
    if tokens:
        out.append(Sentence(tuple(tokens), tuple(index), frozenset(inserted)))
    return out
