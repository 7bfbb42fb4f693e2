"""The files a jobspec carries (RFC 37, ``--add-file``), written into the job's tmpdir."""

from __future__ import annotations

import base64
import json
import os

from fluxcli.jobspec.fileref import check_file_name


def extract_files(jobspec: dict, tmpdir: str) -> None:
    """Write ``--add-file`` files into the job's tmpdir (never outside it)."""
    files = jobspec["attributes"]["system"].get("files") or {}
    root = os.path.realpath(tmpdir)
    for name, entry in files.items():
        check_file_name(name)  # also for jobspecs submitted without validation
        path = os.path.join(root, *name.split("/"))
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        if not os.path.realpath(os.path.dirname(path)).startswith(root):
            raise ValueError(f"file name {name!r} is not a relative path inside the job")
        data = entry.get("data")
        if entry.get("encoding") == "base64":
            content = base64.b64decode(data)
        elif isinstance(data, str):
            content = data.encode()
        else:
            content = json.dumps(data).encode()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, content)
            os.fchmod(fd, entry.get("mode", 0o600) & 0o7777)
        finally:
            os.close(fd)
