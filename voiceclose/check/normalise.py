"""Transcript words to normalised tokens, grouped into sentences, each token tied to its word.

Matching runs on these tokens: lower case, contractions spelled out ("I'd" -> "i would",
"don't" -> "do not"), hyphenated words split, hesitation sounds ("um", "uh") taken out, and
punctuation that ends a clause or a sentence kept as a token of its own ("," "." "?" "!").
Every token remembers the index of the transcript word it came from, so a match can be traced
back to the words (and times) the speaker actually said.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MAX_SENTENCE_TOKENS = 60  # run-on sentences are cut into pieces this long, so matching stays fast
SENTENCE_OVERLAP = 12  # tokens shared by consecutive pieces of a cut sentence

HESITATIONS = frozenset({"um", "umm", "uh", "uhh", "uhm", "erm", "er", "ah", "hmm", "mm", "eh"})
_ENDS = {".": ".", "!": "!", "?": "?", "…": "."}
_CLAUSE_MARKS = {",": ",", ";": ",", ":": ",", "—": ",", "–": ","}
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "approx"})
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})

_IRREGULAR = {
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "shan't": "shall not",
    "ain't": "is not",
    "aint": "is not",
    "i'm": "i am",
    "let's": "let us",
    "y'all": "you all",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "kinda": "kind of",
    "sorta": "sort of",
    "dunno": "do not know",
    "thankyou": "thank you",
    # apostrophes dropped, as unpunctuated transcripts write them
    "im": "i am",
    "ive": "i have",
    "youre": "you are",
    "youve": "you have",
    "youll": "you will",
    "youd": "you would",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "cant": "can not",
    "wont": "will not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "shouldnt": "should not",
    "havent": "have not",
    "hasnt": "has not",
    "hadnt": "had not",
    "thats": "that is",
    "theres": "there is",
    "whats": "what is",
    "theyre": "they are",
    "weve": "we have",
    "itd": "it would",
    "itll": "it will",
    "thatll": "that will",
    "theyll": "they will",
    "theyd": "they would",
    "ye": "you",
    "ye're": "you are",
    "yous": "you",
    "youse": "you",
    "id": "i would",
    "owt": "anything",
    "nowt": "nothing",
    "summat": "something",
    "dis": "this",
    "dat": "that",
    "mi": "i",
    "appy": "happy",  # a dropped "h"
    # Scots spellings
    "aboot": "about",
    "dinnae": "do not",
    "didnae": "did not",
    "cannae": "can not",
    "wouldnae": "would not",
    "couldnae": "could not",
    "isnae": "is not",
    "wasnae": "was not",
    "havnae": "have not",
    "tae": "to",
    "wi": "with",
}
# Discourse fillers that carry nothing the checker needs, taken out before matching.
DISCOURSE = (
    ("to", "be", "honest"),
    ("to", "be", "fair"),
    ("to", "be", "frank"),
    ("if", "i", "am", "honest"),
    ("if", "i", "am", "being", "honest"),
    ("truth", "be", "told"),
)
_S_IS = frozenset(
    {
        "it",
        "that",
        "there",
        "what",
        "here",
        "who",
        "he",
        "she",
        "where",
        "how",
        "when",
        "this",
        "everything",
        "something",
        "nothing",
        "everyone",
        "someone",
    }
)
_SUFFIXES = (
    ("n't", " not"),
    ("'re", " are"),
    ("'ve", " have"),
    ("'ll", " will"),
    ("'d", " would"),
    ("'m", " am"),
)
_WORD_CHARS = re.compile(r"[a-z0-9']+")
# Names written with symbols, which the tokens would lose ("C#" would be "c", "C++" "c"), as one
# token each, written or said: a developer's "C# and SQL" is heard.
SYMBOL_NAMES = {
    "cplusplus": ("C++", ("c", "plus", "plus")),
    "csharp": ("C#", ("c", "sharp")),
    "fsharp": ("F#", ("f", "sharp")),
    "dotnet": (".NET", ("dot", "net")),
}
_WRITTEN_NAMES = {written.lower(): name for name, (written, _) in SYMBOL_NAMES.items()}
_WRITTEN = re.compile(
    r"(?<![a-z0-9.])(" + "|".join(re.escape(w) for w in _WRITTEN_NAMES) + r")(?![a-z0-9+#])"
)
_SAID_NAMES = {said: name for name, (_, said) in SYMBOL_NAMES.items()}
_SAID = [(re.compile(r"\b" + " ".join(said) + r"\b"), name) for said, name in _SAID_NAMES.items()]


@dataclass(frozen=True)
class Sentence:
    tokens: tuple[str, ...]
    word_index: tuple[int, ...]  # for each token, the transcript word it came from
    inserted: frozenset[int] = frozenset()  # "," tokens the checker put in (clauses.py)
    shared_tail: int = 0  # last tokens repeated at the start of the next piece (cut_long)

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def symbols_spelled(text: str) -> str:
    """Lower-cased ``text`` with the names written or said with symbols as one word each
    ("c# and c plus plus" -> "csharp and cplusplus")."""
    text = _written_spelled(text)
    for said, name in _SAID:
        text = said.sub(name, text)
    return text


def _written_spelled(text: str) -> str:
    return _WRITTEN.sub(lambda m: _WRITTEN_NAMES[m.group(1)], text)


def expand(word: str) -> list[str]:
    """One lower-cased word (no punctuation) as the tokens matching runs on."""
    word = word.strip("'")
    if not word:
        return []
    if word in _IRREGULAR:
        return _IRREGULAR[word].split()
    if word.endswith("'s"):
        stem = word[:-2]
        return [stem, "is"] if stem in _S_IS else [stem]
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            stem = word[: -len(suffix)]
            if suffix == "n't" and stem in {"ca", "wo"}:
                stem = {"ca": "can", "wo": "will"}[stem]
            return [stem, *replacement.split()]
    return [word.replace("'", "")]


def sentences(words: Sequence[str], cut: bool = True) -> list[Sentence]:
    """Split transcript words into sentences of normalised tokens; ``cut``: run-on sentences
    longer than MAX_SENTENCE_TOKENS in overlapping pieces (see ``cut_long``)."""
    out: list[Sentence] = []
    tokens: list[str] = []
    index: list[int] = []

    def close(mark: str | None) -> None:
        _drop_discourse(tokens, index)
        _join_said_names(tokens, index)
        if any(t not in _CLAUSE_MARKS.values() for t in tokens):
            if mark:
                tokens.append(mark)
                index.append(index[-1])
            whole = Sentence(tuple(tokens), tuple(index))
            out.extend(cut_long(whole) if cut else [whole])
        tokens.clear()
        index.clear()

    for i, raw in enumerate(words):
        word = _written_spelled(raw.lower().translate(_APOSTROPHES))
        for piece in re.split(r"(?<=[a-z0-9])[-/](?=[a-z0-9])", word):
            core = _WORD_CHARS.findall(piece)
            for part in core:
                for token in expand(part):
                    if token not in HESITATIONS:
                        tokens.append(token)
                        index.append(i)
        trailing = word.rstrip("\"')]}”")
        last = trailing[-1:] if trailing else ""
        if last in _ENDS and not _is_abbreviation(trailing):
            close(_ENDS[last])
        elif last in _CLAUSE_MARKS and tokens and tokens[-1] != ",":
            tokens.append(",")
            index.append(i)
    close(None)
    return out


def _drop_discourse(tokens: list[str], index: list[int]) -> None:
    i = 0
    while i < len(tokens):
        for phrase in DISCOURSE:
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                del tokens[i : i + len(phrase)]
                del index[i : i + len(phrase)]
                break
        else:
            i += 1


def _join_said_names(tokens: list[str], index: list[int]) -> None:
    """Names said in words as one token ("c sharp" -> "csharp"), tied to its first word."""
    i = 0
    while i < len(tokens):
        for said, name in _SAID_NAMES.items():
            if tuple(tokens[i : i + len(said)]) == said:
                tokens[i : i + len(said)] = [name]
                del index[i + 1 : i + len(said)]
                break
        i += 1


def _is_abbreviation(word: str) -> bool:
    return word.endswith(".") and word[:-1].strip(".\"'(") in _ABBREVIATIONS


def cut_long(sentence: Sentence) -> list[Sentence]:
    """A sentence longer than MAX_SENTENCE_TOKENS as overlapping pieces, so matching stays fast."""
    tokens, index = sentence.tokens, sentence.word_index
    if len(tokens) <= MAX_SENTENCE_TOKENS:
        return [sentence]
    step = MAX_SENTENCE_TOKENS - SENTENCE_OVERLAP
    starts = range(0, len(tokens) - SENTENCE_OVERLAP, step)
    return [
        Sentence(
            tokens[s : s + MAX_SENTENCE_TOKENS],
            index[s : s + MAX_SENTENCE_TOKENS],
            frozenset(i - s for i in sentence.inserted if s <= i < s + MAX_SENTENCE_TOKENS),
            SENTENCE_OVERLAP if s != starts[-1] else 0,
        )
        for s in starts
    ]


def hesitation_count(words: Sequence[str]) -> int:
    """Hesitation sounds ("um", "uh") among the transcript words."""
    return sum(1 for w in words if w.lower().strip(".,!?;:\"'") in HESITATIONS)
