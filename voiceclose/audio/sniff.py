"""What a file is, before anything decodes it: a regular file (not a named pipe or a device, which
could keep a reader waiting for ever), text in some encoding, or audio.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from pathlib import Path

from voiceclose.errors import InputError

_BOM_CODECS = (  # a text file's byte-order mark -> its codec (UTF-32's first: UTF-16's begin them)
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TEXT_CONTROLS = "\t\n\v\f\r"  # the only control characters plain text holds
_AUDIO_MAGIC = (  # how audio and video files begin: WAV/AVI, FLAC, OGG, an MP3's ID3 tag, AIFF,
    b"RIFF",  # Matroska/WebM, AMR and WMA/ASF
    b"fLaC",
    b"OggS",
    b"ID3",
    b"FORM",
    b"\x1aE\xdf\xa3",
    b"#!AMR",
    b"0&\xb2u",
)
_FILE_KINDS = (  # what a path that is not a regular file is, for the message
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def read_regular(path: Path, source: str, limit: int) -> bytes:
    """The first ``limit`` bytes of ``path``, which must be a regular file: a named pipe, a
    socket or a device is refused at once (reading one could wait forever, or never end).

    Raises InputError, naming the file, when it cannot be read.
    """
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except PermissionError as e:
        raise InputError(source, "permission denied: the file cannot be read") from e
    except OSError as e:
        if e.errno == errno.ENXIO:  # a socket, or a FIFO opened some other way
            raise InputError(source, _not_regular(path)) from e
        raise InputError(source, f"cannot be read ({e.strerror or e})") from e
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(source, "is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise InputError(source, _not_regular(path, mode))
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit)
    except OSError as e:
        raise InputError(source, f"cannot be read ({e.strerror or e})") from e
    finally:
        os.close(fd)


def _not_regular(path: Path, mode: int | None = None) -> str:
    if mode is None:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = 0
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a file")
    return f"not a regular file but {kind}; voiceclose reads closes from files"


def text_codec(head: bytes) -> str | None:
    """The codec a file starting with ``head`` is text in: the one its byte-order mark names,
    or UTF-8; None when it is not text."""
    for bom, codec in _BOM_CODECS:
        if head.startswith(bom):
            # an MPEG audio frame can begin with the same bytes as UTF-16's mark
            return codec if _decodes(head, codec, strict=True) else None
    if b"\x00" in head:
        return None
    return "utf-8-sig" if _decodes(head, "utf-8", strict=False) else None


def _decodes(head: bytes, codec: str, strict: bool) -> bool:
    """Whether ``head`` is the start of text in ``codec`` (a character cut off at the end of
    it still counts); ``strict`` also refuses control characters plain text never holds."""
    try:
        text = codecs.getincrementaldecoder(codec)().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return not strict or all(c >= " " or c in _TEXT_CONTROLS for c in text)


def looks_like_audio(head: bytes) -> bool:
    """Whether a file starting with ``head`` is audio (or video) rather than text."""
    if text_codec(head) is not None:
        return False
    mpeg_sync = len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
    return head.startswith(_AUDIO_MAGIC) or head[4:8] == b"ftyp" or mpeg_sync
