"""Whisper sometimes ends its text early and stretches its last word over the rest of the speech:
a 15-s close spoken by flite's awb voice came back as "...I built the re-dry and I didn't put in",
the payments API and the question about next steps lost. Speech after the last word Whisper
placed is decoded again on its own, so nothing said is silently lost."""

from __future__ import annotations

import pytest

from voiceclose.asr import transcribe as transcribing
from voiceclose.audio.decode import load_audio
from voiceclose.results import Word

CLOSE = (
    "I have really enjoyed this conversation. I am very keen on this role. In my current job I "
    "built the retry and idempotency layer for our payments API, which kept it reliable through "
    "Black Friday traffic. So when would I hear back about next steps?"
)


@pytest.mark.slow
def test_the_speech_after_an_early_end_is_heard(model, tmp_path):
    from voiceclose.evaluate.speak import Effects, Voice, render

    from .conftest import require_tool

    require_tool("flite")
    path = tmp_path / "close.wav"
    render(CLOSE, Voice.parse("flite:awb"), Effects(), path)
    heard = transcribing.transcribe(load_audio(path), model).text.lower()
    assert "black friday" in heard and "next steps" in heard, heard
    assert heard.count("keen on this role") == 1, heard  # nothing heard twice


@pytest.mark.slow
def test_two_closes_joined_are_both_heard(model):
    """Two bundled closes joined by a second of silence (56 s): Whisper ended its text after the
    first sentence of the second piece, at the long pause, losing 24 s of speech, until the rest
    was heard again (now the recording is cut at that pause, see test_windows.py)."""
    import numpy as np
    import soundfile as sf

    from voiceclose.audio.decode import Audio

    from .conftest import SAMPLES

    first, second = (
        sf.read(SAMPLES / name, dtype="float32")[0]
        for name in ("complete_close_slt.flac", "no_thanks_en_us_m3.flac")
    )
    joined = np.concatenate([first, np.zeros(16000, np.float32), second])
    heard = transcribing.transcribe(Audio(joined, 0.0, len(joined) / 16000, 16000, 1), model)
    text = heard.text.lower()
    assert "thank you for your time today" in text and "lovely afternoon" in text, text
    assert text.count("reading age") == 1, text
    starts = [w.start_s for w in heard.words]
    assert starts == sorted(starts)


def test_only_the_unheard_tail_is_decoded_again_and_stretched_words_are_replaced(monkeypatch):
    calls = []

    def decode(model, samples, offset_s, regions):  # the tail's words, then nothing more
        calls.append((round(offset_s, 2), len(samples)))
        if len(calls) > 1:
            return [], []
        return [Word("black", offset_s + 0.5, offset_s + 0.9), Word("friday", offset_s + 1.0,
                offset_s + 1.4)], []  # fmt: skip

    monkeypatch.setattr(transcribing, "_whisper_words", decode)
    clip = [0.0] * (16000 * 10)
    first = [Word("I", 0.2, 0.4), Word("built", 0.5, 0.9), Word("it", 1.0, 9.5)]  # stretched
    heard, _ = transcribing._hear_the_rest(None, clip, 0.0, [(0.2, 9.6)], first, [])
    assert [w.text for w in heard] == ["I", "built", "black", "friday"]
    assert calls and calls[0][0] == pytest.approx(0.5, abs=0.01)  # from just before the gap
    calls.clear()
    whole = [Word("I", 0.2, 0.4), Word("built", 0.5, 9.0), Word("it", 9.0, 9.5)]
    heard, _ = transcribing._hear_the_rest(None, clip, 0.0, [(0.2, 9.6)], whole, [])
    assert calls == [] and heard == whole  # every second of speech already has its words


@pytest.mark.slow
def test_speech_lost_in_the_middle_is_heard_again(model, monkeypatch):
    """Whisper can end a window's text at a pause and take the whole window as done: a 125-s
    file (five samples joined) lost 22 s of speech in its middle, 324 words heard of 389, with
    nothing said. Here that first transcription loses the second close's first 12 s; the real
    model then hears that stretch on its own."""
    import numpy as np
    import soundfile as sf

    from voiceclose.audio.decode import Audio

    from .conftest import SAMPLES

    first, second = (
        sf.read(SAMPLES / name, dtype="float32")[0]
        for name in ("complete_close_slt.flac", "no_thanks_en_us_m3.flac")
    )
    joined = np.concatenate([first, np.zeros(16000, np.float32), second])
    audio = Audio(joined, 0.0, len(joined) / 16000, 16000, 1)
    whole = transcribing.transcribe(audio, model)
    lost_from, lost_to = len(first) / 16000 + 1.0, len(first) / 16000 + 13.0
    real = transcribing._whisper_words
    calls = []

    def losing(model, samples, offset_s, regions=()):
        calls.append(offset_s)
        words, invented = real(model, samples, offset_s, regions)
        if len(calls) == 1:  # the first transcription loses the stretch, as Whisper did
            words = [w for w in words if not lost_from <= w.start_s < lost_to]
        return words, invented

    monkeypatch.setattr(transcribing, "_whisper_words", losing)
    heard = transcribing.transcribe(audio, model)
    assert len(calls) == 2 and lost_from - 1.5 < calls[1] < lost_from + 0.5  # decoded again
    assert abs(len(heard.words) - len(whole.words)) <= 3, heard.text
    assert "reading" in heard.text.lower() and heard.text.lower().count("lovely afternoon") == 1
    starts = [w.start_s for w in heard.words]
    assert starts == sorted(starts)


def test_a_middle_stretch_is_decoded_again_only_when_speech_there_has_no_words():
    words = [Word("a", 0.5, 0.9), Word("b", 1.0, 2.0), Word("c", 9.0, 9.5)]
    # 6.5 s of speech between "b" and "c" with no word: decoded again, from its speech
    assert transcribing._unheard_gap(words, [(0.4, 9.6)], 0.0, []) == (2.3, 8.7)
    # a pause between them: no speech unheard
    assert transcribing._unheard_gap(words, [(0.4, 2.1), (8.9, 9.6)], 0.0, []) is None
    # 2 s of unheard speech is less than MIN_UNHEARD_GAP_S; a stretch tried already is not again
    assert transcribing._unheard_gap(words, [(0.4, 2.1), (5.0, 7.0), (8.9, 9.6)], 0.0, []) is None
    assert transcribing._unheard_gap(words, [(0.4, 9.6)], 0.0, [(2.3, 8.7)]) is None
    # times are of the file; the clip may start later
    shifted = [Word(w.text, w.start_s + 10, w.end_s + 10) for w in words]
    assert transcribing._unheard_gap(shifted, [(0.4, 9.6)], 10.0, []) == (2.3, 8.7)
