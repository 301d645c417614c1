"""Where voiceclose keeps things: its own data files, and the user's cache and data directories.

Folders voiceclose makes for the user's things (data, recordings, cache) are private: 0700,
whatever the umask. A cache that cannot be written is not a failure: the problem is recorded here
once, for the front end to tell, and everything goes on without caching.
"""

import errno
import os
import stat
from pathlib import Path

import platformdirs

APP_NAME = "voiceclose"
HOME_ENV = "VOICECLOSE_HOME"  # moves the whole user directory (cache and data) elsewhere

PROMPTS_ENV = "VOICECLOSE_PROMPTS"  # another folder of practice scenarios
PRIVATE_DIR_MODE = 0o700  # folders voiceclose makes: the owner's only
PRIVATE_FILE_MODE = 0o600  # files holding someone's voice or words: the owner's only
UPLOADS_FOLDER = "uploads"  # in the data folder: files sent to the app, one folder each

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


def private_dir(folder: Path) -> Path:
    """``folder``, made (with any missing parents) readable by this user only; a folder that is
    already there is left as it is. Raises OSError as ``Path.mkdir`` does."""
    missing = []
    for parent in (folder, *folder.parents):
        if parent.is_dir():
            break
        missing.append(parent)
    for made in reversed(missing):
        try:
            made.mkdir(mode=PRIVATE_DIR_MODE)  # the umask can only take bits away from 0700
        except FileExistsError:
            if not made.is_dir():  # a file where the folder should be
                error = errno.ENOTDIR
                raise NotADirectoryError(error, os.strerror(error), str(made)) from None
    return folder


def private_file(path: Path | str, flags: int = os.O_RDONLY) -> int:
    """Open ``path`` (made with mode 0600 when ``flags`` hold O_CREAT) and make it readable by
    this user only if it is a regular file of theirs that is not yet (a device or a pipe, say
    --csv /dev/stdout, is left alone). Returns the file descriptor."""
    fd = os.open(path, flags | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and info.st_mode & 0o077:
            os.fchmod(fd, PRIVATE_FILE_MODE)
    except OSError:
        os.close(fd)
        raise
    return fd


_cache_failures = 0  # caches that could not be written in this process
_cache_problem: str | None = None  # the latest reason


def cache_unwritable(where: Path, error: OSError) -> None:
    """Record that a cache under ``where`` could not be written."""
    global _cache_failures, _cache_problem
    reason = error.strerror or str(error)
    _cache_problem = f"cannot write the cache in {where} ({reason}); checking without caching"
    _cache_failures += 1


def cache_failures() -> int:
    """How many times a cache could not be written in this process so far."""
    return _cache_failures


def cache_problem(after: int = 0) -> str | None:
    """Why a cache could not be written, if one could not since ``cache_failures()`` was
    ``after``."""
    return _cache_problem if _cache_failures > after else None
