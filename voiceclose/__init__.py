"""voiceclose: rehearse the close of a job interview out loud, and learn what it missed."""

__version__ = "0.1.0"
