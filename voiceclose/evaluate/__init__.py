"""Scoring the checker on labelled corpora, as text and as synthesised speech."""
