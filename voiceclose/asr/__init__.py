"""Speech to words: the offline Whisper weights, transcription (long recordings and live)."""
