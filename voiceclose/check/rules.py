"""The checker's phrase data (data/phrases.toml), checked against its contract and compiled once
per process.

Every section and key the checker reads is named in ``SCHEMA``: a misspelt or unknown key, a
missing one, or a value of the wrong kind is an error naming the file, the section and the key,
never a rule that silently stops working."""

from __future__ import annotations

import base64
import importlib.util
import threading
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from voiceclose.check.patterns import CompiledPattern, Compiler, Lexicon, PatternError
from voiceclose.paths import data_file

PHRASES_FILE = "phrases.toml"
PATTERNS, WORDS, FLAG = "patterns", "words", "flag"  # what a key holds
_GENERIC = {  # a part found by cues that blockers cancel (interest, thanks, the extras)
    "cues": PATTERNS,
    "block_overlap": PATTERNS,  # a blocker overlapping the cue ("thanks to my team")
    "block_before": PATTERNS,  # just before it, same clause ("not", "I doubt")
    "block_sentence": PATTERNS,  # anywhere in its sentence
    "block_previous": PATTERNS,  # in the two sentences before a cue said on its own ("Cheers.")
    "require_question": FLAG,  # only in a question ("what are the next steps?")
}
SCHEMA: dict[str, dict[str, str]] = {
    "sentences": {"question_openers": WORDS, "lead_ins": WORDS},
    "interest": _GENERIC,
    "fit": {
        "experience": PATTERNS,
        "needs": PATTERNS,
        "needs_near": PATTERNS,
        "links": PATTERNS,
        "not_needs": PATTERNS,
        "not_needs_question": PATTERNS,
        "doubt": PATTERNS,
        "bare_claim": PATTERNS,  # "my experience is exactly what you need", nothing behind it
        "not_experience": PATTERNS,  # near the cue: a plan, a course to come, a favour for a mate
        "credited": PATTERNS,  # over the cue: "thanks to my training", where a skill came from
        "not_own": PATTERNS,  # over the cue: "if I got the job", "my brother ... for ten years"
        "asks": PATTERNS,  # a question about the match, put to the interviewer
        "curious": PATTERNS,  # wondering how they do things: the semantic signal's experience
        # is not taken from such a sentence
        "bare_words": WORDS,  # a length of time in a field: these words tell nothing done
    },
    "reservations": {
        "concern": PATTERNS,
        "about_candidate": PATTERNS,
        "not_about_candidate": PATTERNS,
        "asked": PATTERNS,
        "addressed": PATTERNS,
        "open_tail": WORDS,
        "block_overlap": PATTERNS,
        "question_openers": PATTERNS,
        "question_after": PATTERNS,  # ...or shortly after it ("if you had to argue against
        # hiring me, what would you say")
        "other_topic": PATTERNS,
    },
    "thanks": {**_GENERIC, "for_their_time": PATTERNS},  # thanks for their time, the meeting
    "next_steps": _GENERIC,
    "overconfident": _GENERIC,
    "fillers": {**_GENERIC, "names": WORDS},  # names: what each filler is counted as
    "recap": _GENERIC,
    "hedging": _GENERIC,
    "clauses": {
        "sentence_starts": WORDS,  # phrases that open a sentence in unpunctuated text
        "clause_starts": WORDS,  # ...and a clause
        "not_starts": WORDS,  # phrases that begin like one of those but start nothing
        "carry_back": WORDS,  # words that belong with the sentence or clause after them
        "no_break_after": WORDS,  # nothing new starts after these
        "no_clause_after": WORDS,  # no clause starts after these ("{vocabulary}" allowed)
        "open_before_i": WORDS,  # ...except that "i ..." may start after these
        "prepositions": WORDS,  # "any..." after these is their object, not a new question
        "object_starts": WORDS,
        "subordinate": WORDS,  # a piece opening with these ends in a clause, not a sentence
        "question_words": WORDS,  # a short piece opening with these is the same question
        "relays": WORDS,  # "tell the driver | thanks": thanks passed on, not a new sentence
        "thanks_starts": WORDS,  # the sentence starts that thank
    },
    "needs": {"ignore": WORDS},  # words of a need that say nothing about which need it is
}
REQUIRED = {"sentences": ("question_openers", "lead_ins"), "fit": ("experience", "needs")}
REQUIRED |= {s: ("cues",) for s, keys in SCHEMA.items() if keys is _GENERIC}
REQUIRED["reservations"] = ("concern", "about_candidate", "asked")
REQUIRED["thanks"] = ("cues",)
REQUIRED["fillers"] = ("cues",)
# Whisper ships GPT-2's vocabulary; its whole-word tokens are a list of ~25,000 English words.
_WORDS_FILE = ("whisper", "assets/gpt2.tiktoken")


@dataclass(frozen=True)
class PatternList:
    """Compiled patterns; each keeps its source text, to explain matches."""

    patterns: tuple[CompiledPattern, ...]

    def __iter__(self):
        return iter(self.patterns)

    def __bool__(self) -> bool:
        return bool(self.patterns)


@dataclass(frozen=True)
class Rules:
    lexicon: Lexicon
    lists: dict[str, dict[str, PatternList]]  # section -> list name -> patterns
    flags: dict[str, dict[str, bool]]  # section -> flag name -> value
    word_lists: dict[str, dict[str, tuple[str, ...]]]  # section -> name -> plain words
    vocabulary: dict[str, list[str]]  # for patterns compiled later (a scenario's needs)

    def get(self, section: str, name: str) -> PatternList:
        return self.lists.get(section, {}).get(name, PatternList(()))

    def words(self, section: str, name: str) -> list[str]:
        """A plain word list from the phrase data (not patterns)."""
        return list(self.word_lists.get(section, {}).get(name, ()))

    def flag(self, section: str, name: str) -> bool:
        return self.flags.get(section, {}).get(name, False)

    def compile_extra(self, patterns: list[str]) -> PatternList:
        """Patterns from elsewhere (a practice scenario's needs), with the same vocabulary."""
        compiler = Compiler(self.vocabulary)
        return PatternList(tuple(compiler.compile(p) for p in patterns))

    def validate(self) -> int:
        """Compile every expression now (normally each waits until a sentence might match it);
        raises PatternError naming the first bad one. Returns how many there are."""
        count = 0
        for lists in self.lists.values():
            for patterns in lists.values():
                for pattern in patterns:
                    pattern.regex  # noqa: B018 - compiles
                    count += 1
        return count


@lru_cache(maxsize=4)
def _load_toml(path: Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


_compiling = threading.Lock()  # one compilation at a time: a background warm-up and a check


def load_rules(path: Path | None = None) -> Rules:
    """Compile the phrase data (once per process); raises PatternError naming the bad entry."""
    with _compiling:
        return _compile(path or data_file("check", PHRASES_FILE))


def warm_up(all_rules: bool = False) -> threading.Thread:
    """Read the rules in the background while audio is decoded and transcribed. Each expression
    is otherwise compiled when a transcript first needs it; ``all_rules`` compiles them all now
    (half a second of work, worth it while someone is still speaking)."""

    def work() -> None:
        rules = load_rules()
        if all_rules:
            rules.validate()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


@lru_cache(maxsize=4)
def _compile(path: Path) -> Rules:
    data = _load_toml(path)
    check_contract(data, path)
    vocabulary = data.get("vocabulary", {})
    compiler = Compiler(vocabulary)
    lists: dict[str, dict[str, PatternList]] = {}
    flags: dict[str, dict[str, bool]] = {}
    word_lists: dict[str, dict[str, tuple[str, ...]]] = {}
    for section, keys in SCHEMA.items():
        for name, value in data.get(section, {}).items():
            if keys[name] == FLAG:
                flags.setdefault(section, {})[name] = value
            elif keys[name] == WORDS:
                word_lists.setdefault(section, {})[name] = _expand_words(value, vocabulary)
            else:
                try:
                    compiled = tuple(compiler.compile(p) for p in value)
                except PatternError as e:
                    raise PatternError(f"{path.name} [{section}] {name}: {e}") from e
                lists.setdefault(section, {})[name] = PatternList(compiled)
    lexicon = Lexicon(compiler.words, english_words())
    return Rules(lexicon, lists, flags, word_lists, vocabulary)


def _expand_words(value: list[str], vocabulary: dict[str, list[str]]) -> tuple[str, ...]:
    """A word list, with each "{name}" entry replaced by that vocabulary's plain phrases."""
    out: list[str] = []
    for entry in value:
        name = entry[1:-1] if entry.startswith("{") and entry.endswith("}") else None
        if name is None:
            out.append(entry)
        elif name in vocabulary:
            out.extend(p for p in vocabulary[name] if not p.startswith("re:") and "{" not in p)
        else:
            raise PatternError(f"unknown vocabulary {entry} in a word list")
    return tuple(out)


def check_contract(data: dict, path: Path) -> None:
    """Raise PatternError naming the file, section and key of the first entry the checker would
    not read as written: an unknown section or key, a missing one, a value of the wrong kind."""
    where = path.name
    for section, table in data.items():
        if section == "vocabulary":
            _check_vocabulary(table, where)
            continue
        if section not in SCHEMA:
            raise PatternError(f"{where}: unknown section [{section}] (known: {_names(SCHEMA)})")
        keys = SCHEMA[section]
        for name, value in table.items():
            if name not in keys:
                raise PatternError(
                    f"{where} [{section}]: unknown key {name!r} (known: {_names(keys)})"
                )
            if not _is_kind(value, keys[name]):
                want = "true or false" if keys[name] == FLAG else "a list of strings"
                raise PatternError(f"{where} [{section}] {name}: should be {want}")
    for section, names in REQUIRED.items():
        for name in names:
            if name not in data.get(section, {}):
                raise PatternError(f"{where} [{section}]: missing key {name!r}")


def _check_vocabulary(table: object, where: str) -> None:
    if not isinstance(table, dict):
        raise PatternError(f"{where}: [vocabulary] should be a table of lists")
    for name, value in table.items():
        if not _is_kind(value, WORDS):
            raise PatternError(f"{where} [vocabulary] {name}: should be a list of strings")


def _is_kind(value: object, kind: str) -> bool:
    if kind == FLAG:
        return isinstance(value, bool)
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _names(keys) -> str:
    return ", ".join(sorted(keys))


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Real English words (from Whisper's tokenizer files, found without importing torch)."""
    package, inner = _WORDS_FILE
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(list(spec.submodule_search_locations)[0]) / inner
    words = set()
    try:
        with open(path, "rb") as f:
            for line in f:
                token = base64.b64decode(line.split()[0])
                if token.startswith(b" ") and token[1:].isalpha() and token[1:].isascii():
                    words.add(token[1:].decode().lower())
    except (OSError, ValueError):
        return frozenset()
    return frozenset(words)
