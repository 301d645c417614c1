"""Normalising transcript words into match tokens."""

from voiceclose.check.normalise import MAX_SENTENCE_TOKENS, expand, hesitation_count, sentences


def test_contractions_are_spelled_out():
    assert expand("i'd") == ["i", "would"]
    assert expand("don't") == ["do", "not"]
    assert expand("won't") == ["will", "not"]
    assert expand("can't") == ["can", "not"]
    assert expand("you're") == ["you", "are"]
    assert expand("it's") == ["it", "is"]
    assert expand("team's") == ["team"]


def test_sentences_keep_punctuation_as_tokens_and_map_back_to_words():
    words = [
        "Um,",
        "thanks",
        "so",
        "much.",
        "I’m",
        "really",
        "keen",
        "on",
        "this",
        "post,",
        "honestly!",
        "Any",
        "doubts?",
    ]
    got = sentences(words)
    assert [s.tokens for s in got] == [
        ("thanks", "so", "much", "."),
        ("i", "am", "really", "keen", "on", "this", "post", ",", "honestly", "!"),
        ("any", "doubts", "?"),
    ]
    # "I'm" became two tokens, both pointing at the same word
    assert got[1].word_index[:2] == (4, 4)


def test_hyphens_split_and_hesitations_are_counted_not_matched():
    got = sentences(["I'll", "send", "a", "thank-you", "email,", "uh,", "tonight."])
    assert got[0].tokens == ("i", "will", "send", "a", "thank", "you", "email", ",", "tonight", ".")
    assert hesitation_count(["Um,", "so,", "uh,", "yeah", "erm"]) == 3


def test_run_on_text_is_cut_into_bounded_pieces():
    words = ["word"] * 1000
    pieces = sentences(words)
    assert all(len(p.tokens) <= MAX_SENTENCE_TOKENS for p in pieces)
    assert pieces[0].word_index[0] == 0 and pieces[-1].word_index[-1] == 999
