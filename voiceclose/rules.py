"""The checker's phrase data (data/phrases.toml), compiled once per process."""

from __future__ import annotations

import base64
import importlib.util
import threading
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from voiceclose.paths import data_file
from voiceclose.patterns import CompiledPattern, Compiler, Lexicon, PatternError

PHRASES_FILE = "phrases.toml"
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

    def get(self, section: str, name: str) -> PatternList:
        return self.lists.get(section, {}).get(name, PatternList(()))

    def words(self, section: str, name: str) -> list[str]:
        """A plain word list from the phrase data (not patterns)."""
        return list(_load_toml(data_file(PHRASES_FILE)).get(section, {}).get(name, []))

    def flag(self, section: str, name: str) -> bool:
        return self.flags.get(section, {}).get(name, False)

    def compile_extra(self, patterns: list[str]) -> PatternList:
        """Patterns from elsewhere (a practice scenario's needs), with the same vocabulary."""
        compiler = Compiler(self._vocabulary)
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

    @property
    def _vocabulary(self) -> dict[str, list[str]]:
        return _load_toml(data_file(PHRASES_FILE))["vocabulary"]


@lru_cache(maxsize=4)
def _load_toml(path: Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


_compiling = threading.Lock()  # one compilation at a time: a background warm-up and a check


def load_rules(path: Path | None = None) -> Rules:
    """Compile the phrase data (once per process); raises PatternError naming the bad entry."""
    with _compiling:
        return _compile(path or data_file(PHRASES_FILE))


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
    vocabulary = data.get("vocabulary", {})
    compiler = Compiler(vocabulary)
    lists: dict[str, dict[str, PatternList]] = {}
    flags: dict[str, dict[str, bool]] = {}
    for section, table in data.items():
        if section == "vocabulary":
            continue
        for name, value in table.items():
            if isinstance(value, bool):
                flags.setdefault(section, {})[name] = value
            elif isinstance(value, list):
                try:
                    compiled = tuple(compiler.compile(p) for p in value)
                except PatternError as e:
                    raise PatternError(f"{path.name} [{section}] {name}: {e}") from e
                lists.setdefault(section, {})[name] = PatternList(compiled)
    return Rules(lexicon=Lexicon(compiler.words, english_words()), lists=lists, flags=flags)


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
