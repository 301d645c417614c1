"""Where voiceclose keeps things: its own data files, and the user's cache and data directories."""

import os
from pathlib import Path

import platformdirs

APP_NAME = "voiceclose"
HOME_ENV = "VOICECLOSE_HOME"  # moves the whole user directory (cache and data) elsewhere

PROMPTS_ENV = "VOICECLOSE_PROMPTS"  # another folder of practice scenarios

_DATA_DIR = Path(__file__).parent / "data"
_PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


def data_file(name: str) -> Path:
    """A file shipped inside the package (phrases, tips), wherever the current directory is."""
    return _DATA_DIR / name


def prompts_dir() -> Path:
    """The folder of practice scenarios (prompts/ at the top of the repository)."""
    value = os.environ.get(PROMPTS_ENV)
    return Path(value).expanduser() if value else _PROMPTS_DIR


def recordings_dir() -> Path:
    """Where practice recordings go unless --out says otherwise."""
    return data_dir() / "recordings"


def user_home() -> Path | None:
    """The override directory from $VOICECLOSE_HOME, if set."""
    value = os.environ.get(HOME_ENV)
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """Where rebuildable things live (converted model weights)."""
    home = user_home()
    return home / "cache" if home else Path(platformdirs.user_cache_dir(APP_NAME))


def data_dir() -> Path:
    """Where the user's own things live (recordings, history)."""
    home = user_home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME))
