"""The Flux backend: the same jobspecs and commands on a real Flux instance.

Everything goes through flux-core's Python bindings (found by ``bindings``):
``flux.job.submit_async`` for submission, job-info's eventlog watches for
events and output, job-list for records, the job shell's stdin service for
input. Ids print as Flux prints them (F58).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator, Sequence

from fluxcli.errors import BackendError

from ..contract import (
    Backend,
    BackendInfo,
    Capability,
    JobEvent,
    JobFilter,
    JobRecord,
    OutputChunk,
    SubmitRequest,
    UnknownJob,
    Unsupported,
)
from ..iodata import output_chunks
from ..jobspecs import jobspec_dict, jobspec_text
from . import bindings, records
from .watch import watch_events

RUN = 16  # FLUX_JOB_STATE_RUN
NOVALIDATE = 8  # the submit flag that skips validation (SubmitFlag.NOVALIDATE)


class FluxError(BackendError, OSError):
    """An error Flux replied with (errno and its message)."""

    def __init__(self, errnum: int, message: str):
        OSError.__init__(self, errnum, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _flux_error(exc: OSError) -> FluxError:
    return FluxError(exc.errno or 0, exc.strerror or str(exc))


class FluxBackend(Backend):
    """Jobs on the Flux instance at ``uri`` (default: $FLUX_URI, as the flux command finds it)."""

    name = "flux"
    capabilities = frozenset(Capability) - {Capability.PTY}

    @classmethod
    def unavailable(cls) -> str | None:
        try:
            bindings.load()
        except ImportError as exc:
            return str(exc)
        return None

    def __init__(self, uri: str | None = None):
        self.flux = bindings.load()
        if uri and uri.startswith("flux:"):
            uri = uri[len("flux:") :] or None  # FX_URI=flux:local:///run/flux/local
        self.uri = uri or os.environ.get("FLUX_URI") or None
        try:
            self.handle = self.flux.Flux(self.uri) if self.uri else self.flux.Flux()
        except OSError as exc:
            where = self.uri or "the default instance"
            raise BackendError(f"cannot connect to Flux at {where}: {exc.strerror or exc}")
        if not self.uri:
            self.uri = self.handle.attr_get("local-uri")

    def check(self, jobspec) -> None:
        """Refuse a queue this instance does not have, and a terminal nothing can attach."""
        spec = jobspec_dict(jobspec)
        system = spec.get("attributes", {}).get("system", {})
        if _interactive_pty(spec) and not bindings.flux_command():
            raise Unsupported(
                "pty.interactive",
                "interactive terminals are attached by flux job attach, and no flux command "
                "is on PATH or FX_FLUX_PREFIX/bin (use fxalloc --bg)",
                self.name,
            )
        queue = system.get("queue")
        if queue is not None:
            queues = self.handle.rpc("config.get").get().get("queues") or {}
            if queue not in queues:
                reason = (
                    f"queue '{queue}' is not configured" if queues else "no queues are configured"
                )
                raise Unsupported("--queue", reason, self.name)

    def submit(self, requests: Sequence[SubmitRequest]) -> list[int | BackendError]:
        """Submit every request at once (``submit_async``), then collect the ids in order.

        Each jobspec first passes the bindings' validator, the check a system
        instance's job-ingest runs (a test instance skips it).
        """
        from flux.job._wrapper import _RAW as RAW
        from flux.job.submit import SubmitFuture

        bindir = bindings.flux_bindir()
        pending: list = []
        for request in requests:
            text = jobspec_text(_with_flux_on_path(jobspec_dict(request.jobspec), bindir))
            error = None if int(request.flags) & NOVALIDATE else _invalid(self.flux, text)
            if error:
                pending.append(FluxError(errno.EINVAL, error))
                continue
            raw = RAW.submit(self.handle, text, request.urgency, int(request.flags))
            pending.append(SubmitFuture(raw))
        results: list = []
        for future in pending:
            if isinstance(future, FluxError):
                results.append(future)
                continue
            try:
                results.append(int(future.get_id()))
            except OSError as exc:
                results.append(_flux_error(exc))
        return results

    def _call(self, method, *args, **kwargs):
        try:
            return method(self.handle, *args, **kwargs)
        except OSError as exc:
            raise _flux_error(exc) from None

    def cancel(self, jobid: int, reason: str | None = None) -> None:
        self._call(self.flux.job.cancel, int(jobid), reason)

    def kill(self, jobid: int, signum: int = 15) -> None:
        """Signal a running job's tasks, once its shell has started them.

        Flux's job-exec hands a signal to the job shell; one sent before the
        shell started its tasks (just after ``start``) would be lost.
        """
        job = self._lookup(jobid)
        if job is not None and job["state"] == RUN:
            for event in self.events([int(jobid)], "exec"):
                if event.name in ("shell.start", "complete"):
                    break
        self._call(self.flux.job.kill, int(jobid), int(signum))

    def raise_exception(self, jobid: int, etype: str, severity: int = 0, note: str = "") -> None:
        self._call(self.flux.job.job_raise, int(jobid), etype, severity, note)

    def set_urgency(self, jobid: int, urgency: int) -> int:
        payload = {"id": int(jobid), "urgency": int(urgency)}
        reply = self._call(lambda h: h.rpc("job-manager.urgency", payload).get())
        return reply["old_urgency"]

    def events(
        self, jobids: Sequence[int], log: str = "eventlog", follow: bool = True
    ) -> Iterator[JobEvent]:
        return watch_events(self.flux, self.uri, jobids, log, follow, self.format_id)

    def output(self, jobids: Sequence[int], follow: bool = True) -> Iterator[OutputChunk]:
        return output_chunks(self.events(jobids, "output", follow))

    def write_stdin(self, jobid: int, data: bytes | None, ranks: list[int] | None = None) -> None:
        """Input to the job's tasks through its shell's stdin service (own handle)."""
        from .stdin import StdinWriter

        if not hasattr(self, "_stdin"):
            self._stdin = StdinWriter(self.flux, self.uri)
        self._stdin.write(int(jobid), data, ranks)

    def _lookup(self, jobid: int) -> dict | None:
        try:
            return self.flux.job.job_list_id(self.handle, int(jobid)).get_job()
        except OSError:
            return None

    def info(self, jobid: int) -> JobRecord | None:
        job = self._lookup(jobid)
        if job is None:
            return None
        rec = records.record(job)
        spec = self.jobspec(jobid)
        if spec:
            rec.output_paths = records.output_paths(spec, int(jobid), rec.cwd)
        return rec

    def jobspec(self, jobid: int) -> dict | None:
        try:
            data = self.flux.job.job_kvs_lookup(self.handle, int(jobid), keys=["jobspec"])
        except OSError:
            return None
        return data["jobspec"] if data else None

    def list_jobs(self, filter: JobFilter) -> list[JobRecord]:  # noqa: A002
        uid = os.getuid()
        if filter.ids is not None:
            found = [self._lookup(j) for j in dict.fromkeys(filter.ids)]
            recs = [records.record(j) for j in found if j is not None]
            recs = [r for r in recs if filter.matches(r, uid)]
            recs.sort(key=lambda r: r.id, reverse=True)  # ids grow with submit time
            return recs[: filter.limit] if filter.limit else recs
        args = records.list_args(filter, uid)
        jobs = self._call(lambda h: self.flux.job.job_list(h, **args).get_jobs())
        # job-list orders by state and time; the contract's order is newest first
        return sorted((records.record(j) for j in jobs), key=lambda r: r.id, reverse=True)

    def wait(self, jobid: int | None) -> tuple[int, bool, str]:
        """Wait for a waitable job, or (None) the next one to end (ECHILD: none left)."""
        handle = self.flux.Flux(self.uri)  # waits take as long as the job: a channel of its own
        try:
            if jobid is None:
                result = self.flux.job.wait(handle)
            else:
                result = self.flux.job.wait(handle, int(jobid))
        except OSError as exc:
            raise _flux_error(exc) from None
        return int(result.jobid), bool(result.success), _text(result.errstr)

    def purge(self, ids=None, age_limit=None, num_limit=None, force=False, batch=50):
        """Forget inactive jobs through job-manager's purge (as flux job purge)."""
        from .admin import purge

        return self._call(purge, ids, age_limit, num_limit, force, batch)

    def resource_list(self) -> dict[str, list[dict]]:
        from .admin import resource_list

        return self._call(lambda h: resource_list(self.flux, h))

    def resource_set(self, jobid: int) -> dict | None:
        """The job's R (None before it was allocated)."""
        try:
            data = self.flux.job.job_kvs_lookup(self.handle, int(jobid), keys=["R"])
        except OSError:
            return None
        return data.get("R") if data else None

    def describe(self) -> BackendInfo:
        from flux.resource import resource_list

        listing = resource_list(self.handle).get()
        resources = [
            {"rank": rank, "cores": listing.all.copy_ranks(rank).ncores}
            for rank in listing.all.ranks
        ]
        details = {
            "version": self.handle.attr_get("version"),
            "size": int(self.handle.attr_get("size")),
            "nodelist": str(listing.all.nodelist),
        }
        return BackendInfo(self.name, self.uri, details["version"], resources, details)

    def terminal_command(self, jobid: int) -> tuple[list[str], dict[str, str]] | None:
        """flux-core's own ``flux job attach`` speaks the job shell's pty protocol."""
        flux = bindings.flux_command()
        if flux is None or not _interactive_pty(self.jobspec(jobid) or {}):
            return None
        return [flux, "job", "attach", self.format_id(jobid)], {"FLUX_URI": self.uri}

    def instance_uri(self, jobid: int) -> str:
        """The nested instance's URI once it answers (the job's ``uri`` memo, as flux uri reads it)."""
        from .nested import wait_instance

        return wait_instance(self, int(jobid))

    def close(self) -> None:
        # the bindings close a handle when its object goes (close() is refused)
        self.__dict__.pop("_stdin", None)
        self.handle = None


def _with_flux_on_path(spec: dict, bindir: str | None) -> dict:
    """``spec`` with Flux's bindir on its PATH, as the flux command gives everything it runs.

    Jobs then find ``flux`` (fxbatch and fxalloc run ``flux broker``) even when
    fluxcli was started without Flux on PATH.
    """
    system = spec.get("attributes", {}).get("system", {})
    env = system.get("environment")
    if not bindir or not isinstance(env, dict):
        return spec
    path = env.get("PATH", "")
    if bindir in path.split(":"):
        return spec
    env = {**env, "PATH": f"{path}:{bindir}" if path else bindir}
    attributes = {**spec["attributes"], "system": {**system, "environment": env}}
    return {**spec, "attributes": attributes}


def _invalid(flux, text: str) -> str | None:
    """Why Flux's jobspec validator refuses ``text`` (None if it passes)."""
    try:
        flux.job.validate_jobspec(text)
    except (ValueError, TypeError, KeyError) as exc:
        return str(exc)
    return None


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")


__all__ = ["FluxBackend", "FluxError", "UnknownJob"]


def _interactive_pty(jobspec: dict) -> bool:
    """The job's tasks run on a pseudo-terminal a user attaches to (``-o pty.interactive``)."""
    system = jobspec.get("attributes", {}).get("system", {})
    pty = (system.get("shell") or {}).get("options", {}).get("pty")
    return isinstance(pty, dict) and bool(pty.get("interactive"))
