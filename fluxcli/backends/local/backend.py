"""The local backend: the client side of the embedded per-user instance (see instance/)."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator, Sequence

from ..contract import (
    Backend,
    BackendInfo,
    Capability,
    JobEvent,
    JobFilter,
    JobRecord,
    JobStats,
    JobUsage,
    OutputChunk,
    SubmitRequest,
    UnknownJob,
    Unsupported,
)
from ..iodata import encode_data, output_chunks
from ..jobspecs import jobspec_dict, jobspec_text
from .client import Connection, RemoteError, connect

SUBMIT_CHUNK = 32


def current_umask() -> int:
    """This process's umask (jobs get the submitter's, as Slurm gives them)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _record(data: dict) -> JobRecord:
    return JobRecord.from_dict(data)


class LocalBackend(Backend):
    """Jobs run on this machine by a per-user instance started on first use."""

    name = "local"
    capabilities = frozenset(Capability)

    def __init__(self, uri: str | None = None):
        self.uri = uri
        self.conn: Connection = connect(uri)
        self.path = self.conn.path

    def _stream_conn(self) -> Connection:
        # streams and waits legitimately take as long as the job: no reply time limit
        return Connection(self.path, timeout=None)

    def check(self, jobspec) -> None:
        """Refuse what the local instance cannot honour, naming the option."""
        from .refusals import refusals

        for option, reason in refusals(jobspec_dict(jobspec)):
            raise Unsupported(option, reason, self.name)

    def submit(self, requests: Sequence[SubmitRequest]) -> list[int | RemoteError]:
        umask = current_umask()
        groups: dict[tuple, list[tuple[int, str]]] = {}
        for index, request in enumerate(requests):
            key = (request.urgency, request.flags, request.stdin)
            groups.setdefault(key, []).append((index, jobspec_text(request.jobspec)))
        results: list = [None] * len(requests)
        for (urgency, flags, stdin), items in groups.items():
            # in chunks sent back to back, so the first jobs run while later ones arrive
            chunks = [
                {
                    "jobspecs": [text for _, text in items[i : i + SUBMIT_CHUNK]],
                    "urgency": urgency,
                    "flags": flags,
                    "umask": umask,
                    "stdin": stdin,
                }
                for i in range(0, len(items), SUBMIT_CHUNK)
            ]
            replies = [
                r for reply in self.conn.call_many("submit_many", chunks) for r in reply["results"]
            ]
            for (index, _), reply in zip(items, replies, strict=True):
                results[index] = (
                    reply["id"]
                    if "id" in reply
                    else RemoteError(reply["error"]["errno"], reply["error"]["message"])
                )
        return results

    def cancel(self, jobid: int, reason: str | None = None) -> None:
        self.conn.call("cancel", id=int(jobid), reason=reason)

    def kill(self, jobid: int, signum: int = 15) -> None:
        self.conn.call("kill", id=int(jobid), signum=int(signum))

    def raise_exception(self, jobid: int, etype: str, severity: int = 0, note: str = "") -> None:
        self.conn.call("raise", id=int(jobid), type=etype, severity=severity, note=note)

    def set_urgency(self, jobid: int, urgency: int) -> int:
        return self.conn.call("urgency", id=int(jobid), urgency=int(urgency))["old_urgency"]

    def events(
        self, jobids: Sequence[int], log: str = "eventlog", follow: bool = True
    ) -> Iterator[JobEvent]:
        conn = self._stream_conn()
        ids = [int(j) for j in jobids]
        try:
            for message in conn.stream("watch_many", ids=ids, log=log, follow=follow):
                event = message["event"]
                yield JobEvent(
                    message["job"],
                    message["seq"],
                    event["name"],
                    event["timestamp"],
                    event.get("context") or {},
                    log,
                )
        except RemoteError as exc:
            if exc.errno == errno.ENOENT:  # which one: asked on this stream's own channel
                for jobid in ids:
                    if _unknown(conn, jobid):
                        raise UnknownJob(self.format_id(jobid)) from None
            raise
        finally:
            conn.close()

    def output(self, jobids: Sequence[int], follow: bool = True) -> Iterator[OutputChunk]:
        return output_chunks(self.events(jobids, "output", follow))

    def write_stdin(self, jobid: int, data: bytes | None, ranks: list[int] | None = None) -> None:
        """Send input to a job; returns once the job has room for more (own channel)."""
        if not hasattr(self, "_stdin_conn"):
            self._stdin_conn = Connection(self.path, timeout=None)
        fields = {"data": None} if data is None else encode_data(data)
        self._stdin_conn.call("stdin", id=int(jobid), ranks=ranks, **fields)

    def info(self, jobid: int) -> JobRecord | None:
        try:
            return _record(self.conn.call("info", id=int(jobid)))
        except RemoteError as exc:
            if exc.errno == errno.ENOENT:
                return None
            raise

    def jobspec(self, jobid: int) -> dict | None:

        try:
            text = self.conn.call("info", id=int(jobid), jobspec=True).get("jobspec")
        except RemoteError as exc:
            if exc.errno == errno.ENOENT:
                return None
            raise
        return json.loads(text) if text else None

    def list_jobs(self, filter: JobFilter) -> list[JobRecord]:  # noqa: A002
        params: dict = {"limit": filter.limit}
        for key in ("states", "results", "ids"):
            value = getattr(filter, key)
            if value is not None:
                params[key] = sorted(value)
        for key in ("userid", "name", "queue", "since"):
            if getattr(filter, key) is not None:
                params[key] = getattr(filter, key)
        if filter.order != "newest":
            params["order"] = filter.order
        if filter.ids is not None and not filter.ids:
            return []
        return [_record(r) for r in self.conn.call("list", **params)["jobs"]]

    def job_stats(self) -> JobStats:
        return JobStats.from_dict(self.conn.call("stats"))

    def wait(self, jobid: int | None) -> tuple[int, bool, str]:
        conn = self._stream_conn()
        try:
            result = conn.call("wait", id=None if jobid is None else int(jobid))
        finally:
            conn.close()
        return result["id"], result["success"], result["errstr"]

    def purge(
        self,
        ids: Sequence[int] | None = None,
        age_limit: float | None = None,
        num_limit: int | None = None,
        force: bool = False,
        batch: int = 50,
    ) -> tuple[int, int]:
        params: dict = {"force": force, "age_limit": age_limit, "num_limit": num_limit}
        params["batch"] = batch
        if ids is not None:
            params["ids"] = [int(j) for j in ids]
        reply = self.conn.call("purge", **params)
        return reply["count"], reply["inactive"]

    def resource_list(self) -> dict[str, list[dict]]:
        status = self.conn.call("status")
        free = status.get("free", {})
        states: dict[str, list[dict]] = {"free": [], "allocated": [], "down": []}
        for node in status["resources"]:
            idle = free.get(str(node["rank"]), node)
            base = {"rank": node["rank"], "hostname": node["hostname"]}
            share = {"free": (len(idle["cores"]), len(idle["gpus"]))}
            share["allocated"] = (
                len(node["cores"]) - share["free"][0],
                len(node["gpus"]) - share["free"][1],
            )
            for state, (ncores, ngpus) in share.items():
                if ncores or ngpus:
                    states[state].append({**base, "ncores": ncores, "ngpus": ngpus})
        return states

    def resource_set(self, jobid: int) -> dict | None:
        return self.conn.call("info", id=int(jobid), R=True).get("R")  # ENOENT: an unknown job

    def describe(self) -> BackendInfo:
        status = self.conn.call("status")
        return BackendInfo(
            self.name,
            status.get("uri"),
            resources=status.get("resources", []),
            details=status,
        )

    def usage(self, jobids: Sequence[int]) -> dict[int, JobUsage]:
        """Live CPU and memory of running jobs (their processes are on this host)."""
        from .procusage import job_usage

        found = job_usage({int(j): self.format_id(int(j)) for j in jobids})
        return {jobid: JobUsage(cpu, rss) for jobid, (cpu, rss) in found.items()}

    def instance_uri(self, jobid: int) -> str:
        """The nested instance's URI, once it answers (fxalloc --bg, fx uri)."""
        for event in self.events([jobid]):
            uri = event.context.get("uri") if event.name == "memo" else None
            if uri:
                Connection(uri[len("local://") :]).call("ping")
                return uri
            if event.name == "clean":
                break
        raise Unsupported("nested instance", "the job ended before its instance was ready")

    def close(self) -> None:
        self.conn.close()
        if hasattr(self, "_stdin_conn"):
            self._stdin_conn.close()


def _unknown(conn: Connection, jobid: int) -> bool:
    try:
        conn.call("info", id=jobid)
    except RemoteError as exc:
        return exc.errno == errno.ENOENT
    return False
