"""The phrase pattern language and the fuzzy reading of mis-heard words."""

import pytest

from voiceclose.check.normalise import sentences
from voiceclose.check.patterns import Compiler, Lexicon, PatternError, find, prepare

VOCAB = {"adv": ["really", "very much", ","], "num": ["re:\\d+", "two", "three"]}


def spans(pattern: str, text: str, vocab=VOCAB) -> list[str]:
    compiler = Compiler(vocab)
    compiled = compiler.compile(pattern)
    lexicon = Lexicon(compiler.words)
    out = []
    for n, s in enumerate(sentences(text.split())):
        prepared = prepare(s, lexicon)
        out += [" ".join(s.tokens[m.start : m.end]) for m in find(compiled, prepared, n)]
    return out


def test_words_alternatives_slots_and_repeats():
    assert spans("i {adv}* want this job|role", "I really, really want this role.") == [
        "i really , really want this role"
    ]
    assert spans("for {num} years", "for 5 years and for three years") == [
        "for 5 years",
        "for three years",
    ]


def test_groups_optional_gaps_and_clause_end():
    assert spans("(track record|work) in", "my track record in sales") == ["track record in"]
    assert spans("am really? keen $", "I'm keen, and I'm really keen.") == [
        "am keen ,",
        "am really keen .",
    ]
    assert spans("excited about ~2 role", "excited about the new role") == [
        "excited about the new role"
    ]


def test_lookahead_and_lookbehind_respect_whole_words():
    assert spans("thanks to !you", "thanks to you. thanks to my team.") == ["thanks to"]
    assert spans("<the kind of", "the kind of place, kind of surreal") == ["kind of"]
    assert spans("<a kind of", "tea kind of") == ["kind of"]  # "tea" is not "a"


def test_matches_never_cross_word_boundaries():
    assert spans("thank", "Thankfully it worked") == []
    assert spans("fit", "the fit-out was done") == ["fit"]  # the hyphen splits words


def test_misheard_long_words_are_read_as_pattern_words():
    assert spans("any reservations", "Any reservatons about me?") == ["any reservatons"]
    compiler = Compiler({})
    compiler.compile("any reservations")
    word, score = Lexicon(compiler.words).canonical("reservatons")
    assert word == "reservations" and 88 <= score < 100
    # short words must match exactly: "thank" is not "think"
    assert Lexicon({"thank"}).canonical("think") == ("think", 100.0)


@pytest.mark.parametrize("bad", ["{missing}", "(a|b", "a)", "(a||b)", "ALLCAPS"])
def test_malformed_patterns_are_reported(bad):
    with pytest.raises(PatternError):
        Compiler(VOCAB).compile(bad)


def test_a_bad_raw_expression_is_reported_when_compiled():
    pattern = Compiler({"odd": ["re:(unclosed"]}).compile("{odd} word")
    with pytest.raises(PatternError, match="odd"):
        pattern.regex  # noqa: B018


def test_required_words_let_sentences_be_skipped():
    compiler = Compiler(VOCAB)
    assert compiler.compile("i {adv}* want this|that").required == (
        frozenset({"i"}),
        frozenset({"want"}),
        frozenset({"this", "that"}),
    )
    assert compiler.compile("(thank you|cheers) mate").required == (
        frozenset({"thank", "cheers"}),
        frozenset({"mate"}),
    )
    assert compiler.compile("really? ~2 $").required == ()
    assert spans("for {num} years", "for 5 months") == []


def test_the_phrase_data_compiles():
    from voiceclose.check.rules import load_rules

    assert load_rules().validate() > 500
