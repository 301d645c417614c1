"""Uploads streamed to disk as they arrive: one file field and a few short text fields, a size
limit enforced while reading (not after), and a file name that must stay in its folder."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from voiceclose.paths import private_dir, private_file

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # an hour of interview in m4a is ~60 MB; a close far less
MAX_FIELD_BYTES = 1024  # scenario and tag are names; a concern is a sentence or two
FILE_FIELD = "file"
TEXT_FIELDS = ("scenario", "tag", "concern", "concern_kind")


class UploadRefused(Exception):
    """The upload cannot be taken; ``status`` is the HTTP status, the message one line."""

    def __init__(self, status: int, message: str, source: str = "upload"):
        super().__init__(message)
        self.status = status
        self.source = source
        self.problem = message


@dataclass
class Upload:
    path: Path | None = None  # where the file was written
    name: str | None = None  # the file's name, as the browser sent it
    fields: dict[str, str] = field(default_factory=dict)


def safe_name(name: str) -> str:
    """The uploaded file's name if it is a plain name; UploadRefused if it tries to leave its
    folder (a path, "..", a hidden name) or holds control characters."""
    bad = (
        not name
        or "/" in name
        or "\\" in name
        or name in (".", "..")
        or name.startswith(".")
        or any(ord(c) < 32 for c in name)
        or len(name) > 255
    )
    if bad:
        raise UploadRefused(400, "the file name must be a plain name, not a path", name or "upload")
    return name


def new_folder(root: Path) -> Path:
    """A fresh folder for one upload, so no upload ever replaces another."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    # the user's voice: theirs only, as a recording is (the file in it is opened exclusively)
    return private_dir(root / f"{stamp}-{uuid.uuid4().hex[:8]}")


def remove(upload: Upload) -> None:
    """Remove an upload that nothing keeps (it could not be checked, or it was an answer checked
    on its own): no file of the user's stays where nothing lists it."""
    if upload.path is not None:
        shutil.rmtree(upload.path.parent, ignore_errors=True)


async def receive(request, root: Path, limit: int = MAX_UPLOAD_BYTES) -> Upload:
    """Read a multipart/form-data request, writing its ``file`` part under ``root`` as it comes."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    kind, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadRefused(400, "send the file as multipart/form-data in a field called 'file'")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise UploadRefused(413, f"the upload is over the limit of {limit // 1_000_000} MB")
    sink = _Sink(root, limit)
    parser = MultipartParser(boundary, sink.callbacks())
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if sink.refused:
                raise sink.refused
        parser.finalize()
    except UploadRefused:
        sink.discard()
        raise
    except Exception as e:  # noqa: BLE001 - a malformed body from the client
        sink.discard()
        raise UploadRefused(400, f"the upload could not be read ({e})") from e
    finally:
        sink.close()
    if sink.upload.path is None:
        raise UploadRefused(400, "no file: send it in a field called 'file'")
    return sink.upload


class _Sink:
    """python-multipart's callbacks: headers are gathered, the file part goes straight to disk."""

    def __init__(self, root: Path, limit: int):
        self.root, self.limit = root, limit
        self.upload = Upload()
        self.refused: UploadRefused | None = None
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name: str | None = None
        self._file = None
        self._text = bytearray()
        self._written = 0
        self._folder: Path | None = None

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._add("_header_field", d[s:e]),
            "on_header_value": lambda d, s, e: self._add("_header_value", d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _add(self, attr: str, data: bytes) -> None:
        setattr(self, attr, getattr(self, attr) + data)

    def _begin(self) -> None:
        self._headers, self._name, self._text = {}, None, bytearray()

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _headers_done(self) -> None:
        from python_multipart.multipart import parse_options_header

        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = params.get(b"name", b"").decode("utf-8", "replace")
        if self._name == FILE_FIELD and not self.refused:
            if self.upload.path is not None:
                self.refused = UploadRefused(400, "one file per request")
                return
            raw = params.get(b"filename", b"").decode("utf-8", "replace")
            try:
                name = safe_name(raw)
            except UploadRefused as e:
                self.refused = e
                return
            self._folder = new_folder(self.root)
            path = self._folder / name
            if path.resolve().parent != self._folder.resolve():  # belt and braces
                self.refused = UploadRefused(400, "the file name must stay in its folder", raw)
                return
            self.upload.name, self.upload.path = name, path
            flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY
            self._file = os.fdopen(private_file(path, flags), "wb")  # closed at the part's end

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.refused:
            return
        if self._name == FILE_FIELD and self._file is not None:
            self._written += end - start
            if self._written > self.limit:
                self.refused = UploadRefused(
                    413,
                    f"the upload is over the limit of {self.limit // 1_000_000} MB",
                    self.upload.name or "upload",
                )
                return
            self._file.write(data[start:end])
        elif self._name in TEXT_FIELDS:
            self._text += data[start:end]
            if len(self._text) > MAX_FIELD_BYTES:
                self.refused = UploadRefused(400, f"the field {self._name!r} is too long")

    def _end(self) -> None:
        if self._name == FILE_FIELD and self._file is not None:
            self._file.close()
            self._file = None
        elif self._name in TEXT_FIELDS and not self.refused:
            self.upload.fields[self._name] = self._text.decode("utf-8", "replace").strip()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def discard(self) -> None:
        """A refused upload leaves nothing behind."""
        self.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
