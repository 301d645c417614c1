"""Where voiceclose keeps things: its own data files, and the user's cache and data directories."""

import os
from pathlib import Path

import platformdirs

APP_NAME = "voiceclose"
HOME_ENV = "VOICECLOSE_HOME"  # moves the whole user directory (cache and data) elsewhere

PROMPTS_ENV = "VOICECLOSE_PROMPTS"  # another folder of practice scenarios

_PACKAGE_DIR = Path(__file__).resolve().parent
# The bundled scenarios: prompts/ at the top of the repository, shipped in an installed package
# as voiceclose/prompts/ (see pyproject.toml).
_PROMPTS_DIRS = (_PACKAGE_DIR / "prompts", _PACKAGE_DIR.parent / "prompts")


def data_file(stage: str, name: str) -> Path:
    """A data file shipped inside a stage's package (``check``: phrases and tips; ``report``:
    the page's style and script), wherever the current directory is."""
    return _PACKAGE_DIR / stage / "data" / name


def prompts_dir() -> Path:
    """The folder of bundled practice scenarios ($VOICECLOSE_PROMPTS replaces it)."""
    value = os.environ.get(PROMPTS_ENV)
    if value:
        return Path(value).expanduser()
    return next((d for d in _PROMPTS_DIRS if d.is_dir()), _PROMPTS_DIRS[-1])


def samples_dir() -> Path:
    """The bundled sample closes (samples/ at the top of the repository): demonstration
    material, never added to the user's history."""
    return _PACKAGE_DIR.parent / "samples"


def own_scenarios_dir() -> Path:
    """Where the user's own scenarios (``voiceclose scenario new``) are kept."""
    return data_dir() / "scenarios"


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


def writable(folder: Path) -> bool:
    """Whether this process may create files in ``folder`` (by its effective user id, which is
    what the file system checks)."""
    return os.access(folder, os.W_OK, effective_ids=os.access in os.supports_effective_ids)
