"""The interviewer's offline voice: found in its wheel, checked by SHA-256, and speaking."""

from __future__ import annotations

import pytest

from voiceclose.audio import voice


def test_the_voice_files_are_in_the_wheel_and_match_their_checksums():
    model, config = voice.voice_files()
    assert model.is_file() and config.is_file()
    for path in (model, config):
        voice._verified(path, voice.VOICE_FILES[path.name])  # raises if not


def test_a_file_that_fails_its_checksum_is_refused(tmp_path):
    bad = tmp_path / "en_US-joe-medium.onnx.json"
    bad.write_text("{}")
    with pytest.raises(voice.VoiceError, match="fails its checksum"):
        voice._verified(bad, voice.VOICE_FILES[bad.name])


@pytest.mark.slow
def test_the_voice_speaks_a_concern():
    speech = voice.synthesise("There's a gap on your CV. What happened there?")
    assert speech.rate == 22050 and 2.0 < speech.seconds < 8.0
    assert 0.05 < float(abs(speech.samples).max()) <= 1.0
