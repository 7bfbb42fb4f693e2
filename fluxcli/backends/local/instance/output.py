"""Where a job's output goes in the local instance: files named by templates, labelled lines."""

from __future__ import annotations

import os

from fluxcli.jobspec.templates import has_task_tags, render


def open_output_file(path: str, append: bool, umask: int) -> int:
    """Open ``path`` for a job's output; a file it creates gets the job's umask, not ours."""
    flags = os.O_WRONLY | os.O_CLOEXEC | (os.O_APPEND if append else 0)
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return os.open(path, flags | (0 if append else os.O_TRUNC))
    os.fchmod(fd, 0o666 & ~umask)
    return fd


class LabelWriter:
    """Writes ``RANK: line`` to a file, carrying partial lines across reads."""

    def __init__(self, fd: int, rank: int):
        self.fd = fd
        self.prefix = f"{rank}: ".encode()
        self.partial = b""

    def write(self, data: bytes) -> None:
        """Label every complete line of ``data``; keep the rest for the next call."""
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        if lines:
            _write_all(self.fd, b"".join(self.prefix + line + b"\n" for line in lines))

    def close(self) -> None:
        """At end of file: a last line without a newline is written as it is."""
        if self.partial:
            _write_all(self.fd, self.prefix + self.partial)
            self.partial = b""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class OutputFiles:
    """The files a job's ``output`` shell options name, each opened once."""

    def __init__(self, options: dict, cwd: str, umask: int):
        spec = options.get("output", {})
        self.spec = spec if isinstance(spec, dict) else {}
        self.cwd = cwd
        self.umask = umask
        self.append = self.spec.get("mode") == "append"
        self.fds: dict[str, int] = {}

    def stream_spec(self, stream: str) -> dict | None:
        """The file spec of a stream (stderr shares stdout's unless given its own)."""
        spec = self.spec.get(stream)
        if spec is None and stream == "stderr":
            spec = self.spec.get("stdout")
        return spec if isinstance(spec, dict) and spec.get("type") == "file" else None

    def open_for(self, spec: dict, info: dict, rank: int, localid: int, node: dict) -> int:
        """The descriptor of the file ``spec`` names for a task (task/node tags: one per task)."""
        per_task = has_task_tags(spec["path"])
        task_vars = {"rank": rank, "localid": localid} if per_task else None
        path = os.path.join(
            self.cwd, render(spec["path"], info, task_vars, node if per_task else None)
        )
        if self.fds.get(path, -1) < 0:
            self.fds[path] = open_output_file(path, self.append, self.umask)
        return self.fds[path]

    def paths(self) -> list[str]:
        """Every file opened so far (where the job's output went)."""
        return list(self.fds)

    def close(self) -> None:
        """Close every file (``paths()`` still names them)."""
        for fd in self.fds.values():
            try:
                os.close(fd)
            except OSError:
                pass
        self.fds = dict.fromkeys(self.fds, -1)
