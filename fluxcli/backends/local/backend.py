"""The local backend: talks to the embedded per-user instance."""

from __future__ import annotations

import os
from collections.abc import Iterator

from ..base import Backend
from ..iodata import encode_data
from .client import Connection, RemoteError, connect

SUBMIT_CHUNK = 32


def current_umask() -> int:
    """This process's umask (jobs get the submitter's, as Slurm gives them)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class LocalBackend(Backend):
    """Jobs run on this machine by a per-user instance started on first use."""

    name = "local"

    def __init__(self, uri: str | None = None):
        self.uri = uri
        self.conn: Connection = connect(uri)
        self.path = self.conn.path

    def _stream_conn(self) -> Connection:
        # streams and waits legitimately take as long as the job: no reply time limit
        return Connection(self.path, timeout=None)

    def submit(self, jobspec: str, urgency: int = 16, flags: int = 0, stdin: str = "null") -> int:
        return self.conn.call(
            "submit",
            jobspec=jobspec,
            urgency=urgency,
            flags=flags,
            stdin=stdin,
            umask=current_umask(),
        )["id"]

    def submit_many(
        self, jobspecs: list[str], urgency: int = 16, flags: int = 0
    ) -> list[int | OSError]:
        # in chunks sent back to back, so the first jobs run while later ones arrive
        umask = current_umask()
        chunks = [
            {
                "jobspecs": jobspecs[i : i + SUBMIT_CHUNK],
                "urgency": urgency,
                "flags": flags,
                "umask": umask,
            }
            for i in range(0, len(jobspecs), SUBMIT_CHUNK)
        ]
        results = [
            r for reply in self.conn.call_many("submit_many", chunks) for r in reply["results"]
        ]
        return [
            r["id"] if "id" in r else RemoteError(r["error"]["errno"], r["error"]["message"])
            for r in results
        ]

    def cancel(self, jobid: int, reason: str | None = None) -> None:
        self.conn.call("cancel", id=int(jobid), reason=reason)

    def kill(self, jobid: int, signum: int = 15) -> None:
        self.conn.call("kill", id=int(jobid), signum=int(signum))

    def raise_exception(self, jobid: int, etype: str, severity: int = 0, note: str = "") -> None:
        self.conn.call("raise", id=int(jobid), type=etype, severity=severity, note=note)

    def set_urgency(self, jobid: int, urgency: int) -> int:
        return self.conn.call("urgency", id=int(jobid), urgency=int(urgency))["old_urgency"]

    def events(
        self, jobid: int, log: str = "eventlog", follow: bool = True
    ) -> Iterator[tuple[int, dict]]:
        conn = self._stream_conn()
        try:
            for message in conn.stream("watch", id=int(jobid), log=log, follow=follow):
                yield message["seq"], message["event"]
        finally:
            conn.close()

    def watch_many(self, jobids: list[int], log: str = "eventlog") -> Iterator[tuple[int, dict]]:
        conn = self._stream_conn()
        try:
            for message in conn.stream("watch_many", ids=[int(j) for j in jobids], log=log):
                yield message["job"], message["event"]
        finally:
            conn.close()

    def write_stdin(
        self, jobid: int, data: bytes | str | None, ranks: list[int] | None = None
    ) -> None:
        """Send input to a job; returns once the job has room for more."""
        if isinstance(data, str):
            data = data.encode()
        fields = {} if data is None else encode_data(data)
        self.conn.call("stdin", id=int(jobid), ranks=ranks, **{"data": None, **fields})

    def info(self, jobid: int, jobspec: bool = False) -> dict | None:
        try:
            return self.conn.call("info", id=int(jobid), jobspec=jobspec)
        except RemoteError as exc:
            if exc.errno == 2:
                return None
            raise

    def list_jobs(self, limit: int = 100, states: list[str] | None = None) -> list[dict]:
        return self.conn.call("list", limit=limit, states=states)["jobs"]

    def wait(self, jobid: int) -> tuple[int, bool, str]:
        conn = self._stream_conn()
        try:
            result = conn.call("wait", id=int(jobid))
        finally:
            conn.close()
        return result["id"], result["success"], result["errstr"]

    def status(self) -> dict:
        return self.conn.call("status")

    def close(self) -> None:
        self.conn.close()
