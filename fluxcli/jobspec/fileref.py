"""RFC 37 file archive entries (``--add-file`` and ``Jobspec.add_file``)."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Mapping

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import Any


ENCODINGS = ("utf-8", "base64")


def check_file_name(name: object) -> None:
    """Refuse an RFC 37 file name that would not stay inside the job's tmpdir.

    A name is a relative path of plain components (``data.txt``, ``a/b``):
    not empty, not absolute, no ``..`` (nor empty or ``.``) component.
    """
    if not isinstance(name, str):
        raise TypeError(f"file name {name!r} must be a string")
    if not name:
        raise ValueError("file name must not be empty")
    if "\0" in name:
        raise ValueError(f"file name {name!r} must not contain a NUL character")
    if name.startswith("/"):
        raise ValueError(
            f"file name '{name}' must be a relative path (files go in the job's temporary directory)"
        )
    parts = name.split("/")
    if ".." in parts:
        raise ValueError(f"file name '{name}' must not contain '..'")
    if any(part in ("", ".") for part in parts):
        raise ValueError(f"file name '{name}' must be a path of plain names (no '' or '.' parts)")


def fileref(data: Mapping | str, perms: int | None = 0o600, encoding: str | None = None) -> dict:
    """Build an RFC 37 entry from a mapping, inline text, or a local path.

    A path is read now: its mode and size are taken from the file, and its
    content stored as utf-8 text, or base64 when it is not valid utf-8.
    """
    perms = 0o600 if perms is None else perms
    if isinstance(data, Mapping):
        return {"mode": perms | stat.S_IFREG, "data": data}
    if encoding is not None:
        if encoding not in ENCODINGS:
            raise ValueError("invalid encoding: {encoding}")
        return {"mode": perms | stat.S_IFREG, "data": data, "encoding": encoding}
    info = os.stat(data)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, "Is a directory", data)
    with open(data, "rb") as handle:
        content = handle.read()
    entry: dict[str, Any] = {"mode": info.st_mode, "size": info.st_size}
    try:
        entry["data"] = content.decode("utf-8")
        entry["encoding"] = "utf-8"
    except UnicodeDecodeError:
        entry["data"] = base64.b64encode(content).decode("ascii")
        entry["encoding"] = "base64"
    return entry


def parse_add_file(arg: str) -> tuple[str, str, int | None]:
    """Split ``[NAME[:PERMS]=]ARG`` into ``(name, data, perms)``."""
    text = arg.replace("\\n", "\n")
    perms = None
    if "=" in text:
        name, data = text.split("=", 1)
        if ":" in name:
            base, _, mode = name.rpartition(":")
            try:
                perms = int(mode, 8)
                name = base
            except ValueError:
                pass
    else:
        data = text
        if "\n" in data:
            raise ValueError("--add-file: file name missing")
        name = os.path.basename(data)
    return name, data, perms
