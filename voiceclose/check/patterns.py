"""Phrase patterns from TOML, matched against sentences with rapidfuzz doing the fuzzy part.

A pattern is a sequence of items, separated by spaces:

    word        that token                     a|b|{name}  any one of these
    (a b|c)     any one of these sequences
    {name}      any phrase of vocabulary name  item?       the item is optional
    {name}*     zero or more of those phrases  ~N          up to N tokens of anything
    !a|b        the next token is not a or b (nor !{name}); takes up no tokens
    <a|b        the token before is not a or b; takes up no tokens
    $           the end of a clause: "," "." "?" "!" or the end of the sentence
    ^           the start of a clause: the sentence's start or just after "," "." "?" "!"

A vocabulary phrase may use other vocabulary ({name}); an entry starting with ``re:`` is a raw
regular expression for one token (e.g. digits). Patterns compile to regular expressions over a
sentence's tokens. Before matching, every token the patterns do not know is compared with
rapidfuzz to the words they do use, and a close enough one (a mis-heard "reservation's",
"apreciate") is read as that word; the match's score is how closely the words heard agree with
the words of the pattern, 0 to 100.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from voiceclose.check import regex_cache
from voiceclose.check.normalise import Sentence
from voiceclose.errors import VoicecloseError

FUZZY_CUTOFF = 88.0  # rapidfuzz ratio at which an unknown token is read as a pattern word
FUZZY_MIN_LENGTH = 5  # shorter tokens must match exactly: "thank"/"think" differ by one letter
MAX_NESTING = 6  # vocabulary that refers to vocabulary, this deep at most

_CLAUSE_END = r"(?:(?:, |\. |\? |! )|$)"
_CLAUSE_START = r"(?:(?<=^ )|(?<=, )|(?<=\. )|(?<=\? )|(?<=! ))"


class PatternError(VoicecloseError, ValueError):
    """A pattern or vocabulary entry in the phrase data is malformed, or the data breaks its
    contract (``rules.SCHEMA``)."""


@dataclass(frozen=True)
class Match:
    pattern: str
    sentence: int  # index into the sentence list
    start: int  # first token
    end: int  # one past the last token
    score: float  # 0-100


class CompiledPattern:
    """A pattern's regular expression, compiled on first use, and the words it cannot match
    without: a sentence holding none of ``required`` is skipped without running (or compiling)
    the expression. Compiling all of the phrase data up front costs about a second (the first
    time on a machine: see expressions.py)."""

    def __init__(self, source: str, regex: str, required: tuple[frozenset[str], ...]):
        self.source = source
        self._regex = regex
        self.required = required  # a match holds at least one word of every one of these sets
        self._compiled: re.Pattern | None = None

    @property
    def regex(self) -> re.Pattern:
        if self._compiled is None:
            try:
                self._compiled = regex_cache.compile(self._regex)
            except re.error as e:
                raise PatternError(f"pattern {self.source!r}: {e}") from e
        return self._compiled

    def could_match(self, tokens: frozenset[str]) -> bool:
        return all(not words.isdisjoint(tokens) for words in self.required)


class Compiler:
    """Turns patterns into regular expressions, expanding vocabulary."""

    def __init__(self, vocabulary: Mapping[str, Sequence[str]]):
        self.vocabulary = vocabulary
        self.words: set[str] = set()  # every literal token, for fuzzy correction
        self._slots: dict[str, str] = {}
        self._slot_required: dict[str, frozenset[str] | None] = {}

    def compile(self, pattern: str) -> CompiledPattern:
        """Expand ``pattern``; its regular expression is checked now and compiled when needed."""
        body = r"(?<= )" + self._sequence(pattern, depth=0)
        required = tuple(
            words
            for item in _split_items(pattern)
            if (words := self._item_required(item, depth=0)) is not None
        )
        return CompiledPattern(pattern, body, required)

    # --- words a match cannot do without ------------------------------------------------------

    def _required(self, text: str, depth: int) -> frozenset[str] | None:
        """The smallest set of words one of which every match must contain (None: no such set)."""
        best = None
        for item in _split_items(text):
            words = self._item_required(item, depth)
            if words is not None and (best is None or len(words) < len(best)):
                best = words
        return best

    def _item_required(self, item: str, depth: int) -> frozenset[str] | None:
        if item in ("$", "^") or item[0] in "~!<" or (item[-1] in "?*" and len(item) > 1):
            return None  # matches without any word
        if item.startswith("(") and item.endswith(")"):
            return _union(self._required(alt, depth + 1) for alt in _split_group(item[1:-1]))
        sets = []
        for piece in item.split("|"):
            if piece == "$":
                return None
            if piece.startswith("{") and piece.endswith("}"):
                sets.append(self._slot_words(piece[1:-1], depth))
            else:
                sets.append(frozenset([piece]))
        return _union(sets)

    def _slot_words(self, name: str, depth: int) -> frozenset[str] | None:
        if name not in self._slot_required:
            if depth > MAX_NESTING or name not in self.vocabulary:
                return None
            self._slot_required[name] = _union(
                None if phrase.startswith("re:") else self._required(phrase, depth + 1)
                for phrase in self.vocabulary[name]
            )
        return self._slot_required[name]

    def _sequence(self, text: str, depth: int) -> str:
        items = _split_items(text)
        if not items:
            raise PatternError(f"empty pattern or phrase in {text!r}")
        return "".join(self._item(item, depth) for item in items)

    def _item(self, item: str, depth: int) -> str:
        if item == "$":
            return _CLAUSE_END
        if item == "^":
            return _CLAUSE_START
        if item.startswith("~") and item[1:].isdigit():
            return rf"(?:[^ .?!]+ ){{0,{int(item[1:])}}}"
        if item.startswith("!"):
            return f"(?!{self._alternatives(item[1:], depth)})"
        if item.startswith("<"):
            words = item[1:].split("|")
            self._check_words(words, item)
            return "".join(f"(?<! {re.escape(w)} )" for w in words)
        quantifier = ""
        if item[-1] in "?*" and len(item) > 1:
            item, quantifier = item[:-1], item[-1]
        if item.startswith("(") and item.endswith(")"):
            body = "|".join(self._sequence(alt, depth + 1) for alt in _split_group(item[1:-1]))
            return f"(?:{body}){quantifier}"
        body = self._alternatives(item, depth)
        if not quantifier and "|" not in item and not item.startswith("{") and item != "$":
            return body  # a plain word needs no group (smaller expressions compile faster)
        return f"(?:{body}){quantifier}"

    def _alternatives(self, item: str, depth: int) -> str:
        return "|".join(self._alternative(piece, item, depth) for piece in item.split("|"))

    def _alternative(self, piece: str, item: str, depth: int) -> str:
        if piece == "$":
            return _CLAUSE_END
        if piece.startswith("{") and piece.endswith("}"):
            return self._slot(piece[1:-1], depth)
        self._check_words([piece], item)
        self.words.add(piece)
        return re.escape(piece) + " "

    @staticmethod
    def _check_words(words: list[str], item: str) -> None:
        for w in words:
            if not re.fullmatch(r"[a-z0-9',.?!]+", w):
                raise PatternError(f"unexpected token {w!r} in {item!r}")

    def _slot(self, name: str, depth: int) -> str:
        if name in self._slots:
            return self._slots[name]
        if depth > MAX_NESTING:
            raise PatternError(f"vocabulary {name!r} nests too deep (a loop?)")
        if name not in self.vocabulary:
            raise PatternError(f"unknown vocabulary {{{name}}}")
        parts = []
        for phrase in self.vocabulary[name]:
            if phrase.startswith("re:"):
                parts.append(f"(?:{phrase[3:]}) ")
            else:
                parts.append(self._sequence(phrase, depth + 1))
        # longest first, so "thank you" wins over "thank"
        parts.sort(key=len, reverse=True)
        compiled = "(?:" + "|".join(parts) + ")"
        self._slots[name] = compiled
        return compiled


def _union(sets) -> frozenset[str] | None:
    out: set[str] = set()
    for s in sets:
        if s is None:
            return None
        out |= s
    return frozenset(out)


def _split_items(text: str) -> list[str]:
    """Split a pattern at spaces, keeping parenthesised groups whole."""
    items, current, level = [], [], 0
    for ch in text:
        if ch == "(":
            level += 1
        elif ch == ")":
            level -= 1
            if level < 0:
                raise PatternError(f"unbalanced ')' in {text!r}")
        if ch.isspace() and level == 0:
            if current:
                items.append("".join(current))
                current = []
        else:
            current.append(ch)
    if level:
        raise PatternError(f"unbalanced '(' in {text!r}")
    if current:
        items.append("".join(current))
    return items


def _split_group(body: str) -> list[str]:
    """Split a group's body at top-level '|'."""
    parts, current, level = [], [], 0
    for ch in body:
        level += (ch == "(") - (ch == ")")
        if ch == "|" and level == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    if any(not p.strip() for p in parts):
        raise PatternError(f"empty alternative in ({body})")
    return parts


class Lexicon:
    """Reads mis-heard words as the pattern words they are closest to (rapidfuzz ratio).

    Tokens that are real words are left alone: Whisper writes real words, so "learned" is
    "learned", not a slip for the pattern word "earned".
    """

    def __init__(self, words: set[str], known: frozenset[str] = frozenset()):
        self.words = frozenset(words)
        self.known = known
        self._choices = sorted(w for w in words if len(w) >= FUZZY_MIN_LENGTH - 1)
        self._seen: dict[str, tuple[str, float]] = {}

    def canonical(self, token: str) -> tuple[str, float]:
        """The pattern word ``token`` stands for, and how alike they are (100 = identical)."""
        if (
            token in self.words
            or token in self.known
            or len(token) < FUZZY_MIN_LENGTH
            or not token.isalpha()
        ):
            return token, 100.0
        if token not in self._seen:
            best = process.extractOne(
                token, self._choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
            )
            self._seen[token] = (best[0], best[1]) if best else (token, 100.0)
        return self._seen[token]


@dataclass(frozen=True)
class PreparedSentence:
    """A sentence as the patterns see it: canonical tokens joined by spaces."""

    sentence: Sentence
    text: str  # " tok tok tok " (each token between single spaces)
    tokens: frozenset[str]  # the canonical tokens, for patterns' required words
    token_at: tuple[int, ...]  # character offset -> token number
    similarity: tuple[float, ...]  # per token, how alike heard and canonical are

    def span_score(self, start: int, end: int) -> float:
        values = self.similarity[start:end]
        return round(sum(values) / len(values), 1) if values else 0.0


def prepare(sentence: Sentence, lexicon: Lexicon) -> PreparedSentence:
    canon, sims, token_at = [], [], [0]  # the leading space belongs to the first token
    for n, token in enumerate(sentence.tokens):
        word, sim = lexicon.canonical(token)
        canon.append(word)
        sims.append(sim)
        token_at.extend([n] * (len(word) + 1))
    return PreparedSentence(
        sentence, " " + " ".join(canon) + " ", frozenset(canon), tuple(token_at), tuple(sims)
    )


def find(pattern: CompiledPattern, prepared: PreparedSentence, sentence_no: int) -> Iterator[Match]:
    """Every non-overlapping match of one compiled pattern in one sentence."""
    if not pattern.could_match(prepared.tokens):
        return
    for m in pattern.regex.finditer(prepared.text):
        if m.end() <= m.start():
            continue
        start = prepared.token_at[m.start()]
        end = prepared.token_at[m.end() - 1] + 1
        yield Match(pattern.source, sentence_no, start, end, prepared.span_score(start, end))
