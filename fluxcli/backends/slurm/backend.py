"""The Slurm backend: jobs submitted with sbatch, observed with squeue and sacct.

``--backend=slurm``, ``FX_BACKEND=slurm`` or ``FX_URI=slurm:`` (``slurm://NAME``
names the cluster, which must be the one $SLURM_CONF describes). Job ids are
Slurm's (``1234``, ``1234_5`` for an array element). Events come from one
shared poller (``FX_SLURM_POLL`` seconds between polls, backing off to
``FX_SLURM_POLL_MAX`` while nothing changes).
"""

from __future__ import annotations

import os
import shutil
import time
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
from ..polling import Poller, exec_events, synthesize
from . import client, jobids
from .events import phase, progress, record
from .output import follow_output, output_events
from .state import JobFiles, cluster_name
from .submission import as_dict, problem, submit_all

TOOLS = ("sbatch", "squeue", "scancel", "scontrol")
DEFAULT_POLL = 1.0
DEFAULT_POLL_MAX = 10.0
NEVER_SATISFIED = "DependencyNeverSatisfied"


def poll_intervals() -> tuple[float, float]:
    """$FX_SLURM_POLL and $FX_SLURM_POLL_MAX (seconds), checked by fluxcli.settings."""
    first = float(os.environ.get("FX_SLURM_POLL") or DEFAULT_POLL)
    most = float(os.environ.get("FX_SLURM_POLL_MAX") or DEFAULT_POLL_MAX)
    return first, max(first, most)


class SlurmBackend(Backend):
    """Jobs run by the Slurm cluster this host's Slurm clients talk to."""

    name = "slurm"
    capabilities = frozenset({Capability.URGENCY, Capability.WAITABLE, Capability.FOLLOW_OUTPUT})

    @classmethod
    def unavailable(cls) -> str | None:
        missing = [tool for tool in TOOLS if shutil.which(tool) is None]
        if missing:
            return f"{missing[0]} not found on PATH (Slurm's client commands are needed)"
        conf = os.environ.get("SLURM_CONF") or "/etc/slurm/slurm.conf"
        if not os.path.exists(conf):
            return f"no Slurm configuration at {conf} (set SLURM_CONF)"
        try:
            client.run(["scontrol", "ping"])
        except client.SlurmError:
            return f"Slurm's controller does not answer (scontrol ping; SLURM_CONF={conf})"
        return None

    def __init__(self, uri: str | None = None):
        self.uri = uri or "slurm:"
        self.cluster = cluster_name()
        named = self.uri.split(":", 1)[1].lstrip("/") if ":" in self.uri else ""
        if named and named != self.cluster:
            raise BackendError(
                f"{self.uri}: this host's Slurm (SLURM_CONF) is cluster '{self.cluster}'"
            )
        self.files = JobFiles(self.cluster)
        self.poller = Poller(self._fetch, *poll_intervals())
        self._accounting: bool | None = None
        self._saved: dict[int, dict] = {}
        self._last: dict[int, dict] = {}  # the latest snapshot of each job seen
        self._ended: set[int] = set()  # jobs this backend canceled for a dependency

    # --- helpers ---------------------------------------------------------------
    @property
    def accounting(self) -> bool:
        """Whether this cluster keeps accounting (sacct answers)."""
        if self._accounting is None:
            storage = client.config().get("AccountingStorageType", "")
            self._accounting = bool(storage) and not storage.endswith("/none")
        return self._accounting

    def saved(self, jobid: int, fresh: bool = False) -> dict:
        """What this backend saved of a job (cached; ``fresh`` rereads the file)."""
        if fresh or jobid not in self._saved:
            self._saved[jobid] = self.files.load(self.format_id(jobid))
        return self._saved[jobid]

    def _fetch(self, ids: set[int]) -> dict[int, dict | None]:
        """Snapshots of ``ids``: squeue, then the saved final state, then sacct."""
        snapshots: dict[int, dict | None] = dict(client.squeue(sorted(ids)))
        missing = [i for i in ids if i not in snapshots]
        for jobid in list(missing):
            final = self.saved(jobid).get("final")
            if final:
                snapshots[jobid] = final
                missing.remove(jobid)
        if missing and self.accounting:
            snapshots.update(client.sacct(missing))
        for jobid in missing:  # sacct lags the queue by seconds: the last known state holds
            if snapshots.get(jobid) is None and jobid in self._last:
                snapshots[jobid] = self._last[jobid]
        self._last.update((i, s) for i, s in snapshots.items() if s)
        for jobid, snap in snapshots.items():
            if snap and snap["state"] == "PENDING" and snap["reason"] == NEVER_SATISFIED:
                self._end_unsatisfiable(jobid)
        for jobid, snap in snapshots.items():
            if snap and phase(snap) == "inactive":
                saved = self.saved(jobid, fresh=not self.saved(jobid).get("final"))
                if saved and not saved.get("final"):
                    saved["final"] = snap
                    self.files.save(self.format_id(jobid), saved)
        return {i: snapshots.get(i) for i in ids}

    def _end_unsatisfiable(self, jobid: int) -> None:
        """A dependency that can never be satisfied ends the job, as in Flux (and as Slurm's
        kill_invalid_depend does, where a cluster sets it)."""
        if jobid in self._ended:
            return
        self._ended.add(jobid)
        client.run(["scancel", self.format_id(jobid)], check=False)

    # --- the contract ----------------------------------------------------------
    def check(self, jobspec) -> None:
        """Refuse, naming the option, anything Slurm cannot express."""
        from .refusals import refusals

        spec = as_dict(jobspec)
        partitions = None
        if spec.get("attributes", {}).get("system", {}).get("queue") is not None:
            partitions = set(client.run(["sinfo", "-h", "-o", "%R"]).split())
        for option, reason in refusals(spec, partitions):
            raise Unsupported(option, reason, self.name)

    def submit(self, requests: Sequence[SubmitRequest]) -> list[int | BackendError]:
        results: list = [None] * len(requests)
        groups: dict[tuple, list[tuple[int, dict]]] = {}
        for index, request in enumerate(requests):
            try:
                spec = as_dict(request.jobspec)
            except ValueError as exc:
                results[index] = BackendError(f"invalid jobspec: {exc}")
                continue
            why = problem(spec)
            if why:
                results[index] = BackendError(why)
                continue
            groups.setdefault((request.urgency, request.flags), []).append((index, spec))
        for (urgency, flags), items in groups.items():
            specs = [spec for _, spec in items]
            out_dir = self.files.new_output_dir()
            outcomes = submit_all(specs, urgency, out_dir)
            for (index, spec), (result, when) in zip(items, outcomes, strict=True):
                results[index] = result
                if isinstance(result, int):
                    self._remember(result, spec, urgency, flags, when, out_dir)
        return results

    def _remember(
        self, jobid: int, spec: dict, urgency: int, flags: int, when: float, out_dir: str
    ) -> None:
        from .output import output_paths

        fields = {
            "out": out_dir,
            "jobspec": spec,
            "t_submit": when,
            "urgency": urgency,
            "flags": flags,
            "output_paths": output_paths(spec, self.format_id(jobid)),
        }
        self._saved[jobid] = fields
        self.files.save(self.format_id(jobid), fields)

    def cancel(self, jobid: int, reason: str | None = None) -> None:
        self._known(jobid)
        self.files.update(self.format_id(jobid), note=reason or "")
        client.run(["scancel", self.format_id(jobid)])

    def kill(self, jobid: int, signum: int = 15) -> None:
        from .translate import runs_in_batch_step

        self._known(jobid)
        self._wait_for_tasks(jobid)
        # a job without a job step is its batch step: --full reaches the command
        whole = runs_in_batch_step(self.saved(jobid).get("jobspec") or {})
        argv = ["scancel", *(["--full"] if whole else []), f"--signal={int(signum)}"]
        client.run([*argv, self.format_id(jobid)])

    def _wait_for_tasks(self, jobid: int, limit: float = 10.0) -> None:
        """Wait until every task of a running job has started (a signal before would be lost)."""
        from .translate import Shape, is_batch

        name = self.format_id(jobid)
        spec = self.saved(jobid).get("jobspec") or {}
        ntasks = 0 if is_batch(spec) else Shape(spec).ntasks  # a batch script marks nothing
        out_dir = self.saved(jobid).get("out") or self.files.out
        marks = [os.path.join(out_dir, f"{name}.{rank}.started") for rank in range(ntasks)]
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and not all(os.path.exists(m) for m in marks):
            if phase(self._known(jobid)) != "run":
                return  # not running (yet or any more): scancel says what it says
            time.sleep(0.05)

    def set_urgency(self, jobid: int, urgency: int) -> int:
        from .translate import nice

        snap = self._known(jobid)
        old = int(self.files.load(self.format_id(jobid)).get("urgency", 16))
        name = self.format_id(jobid)
        if phase(snap) not in ("depend", "sched"):
            raise BackendError(f"{name}: urgency can only change while the job is pending")
        if urgency == 0:
            client.run(["scontrol", "hold", name])
        else:
            if old == 0:
                client.run(["scontrol", "release", name])
            client.run(["scontrol", "update", f"JobId={name}", f"Nice={nice(urgency)}"])
        self.files.update(name, urgency=int(urgency))
        self._saved.pop(jobid, None)
        return old

    def _known(self, jobid: int) -> dict:
        snap = self._fetch({int(jobid)}).get(int(jobid))
        if snap is None:
            raise UnknownJob(self.format_id(jobid))
        return snap

    def events(
        self, jobids: Sequence[int], log: str = "eventlog", follow: bool = True
    ) -> Iterator[JobEvent]:
        if log == "output":
            yield from output_events(self, jobids, follow)
            return
        ids = [int(j) for j in jobids]
        sent = dict.fromkeys(ids, 0)
        pending = set(ids)
        subscription = self.poller.subscribe(ids)
        try:
            while pending:
                snapshots = subscription.get()
                for jobid in [i for i in ids if i in pending]:
                    snap = snapshots.get(jobid)
                    if snap is None:
                        raise UnknownJob(self.format_id(jobid))
                    ended = phase(snap) == "inactive"
                    prog = progress(snap, self.saved(jobid, fresh=ended))
                    made = synthesize(prog) if log == "eventlog" else exec_events(prog)
                    for seq in range(sent[jobid], len(made)):
                        name, stamp, context = made[seq]
                        yield JobEvent(jobid, seq, name, stamp, context, log)
                    sent[jobid] = len(made)
                    if ended or not follow:
                        pending.discard(jobid)
                        subscription.done_with(jobid)
        finally:
            subscription.close()

    def output(self, jobids: Sequence[int], follow: bool = True) -> Iterator[OutputChunk]:
        return follow_output(self, [int(j) for j in jobids], follow)

    def info(self, jobid: int) -> JobRecord | None:
        snap = self._fetch({int(jobid)}).get(int(jobid))
        if snap is None:
            return None
        return record(snap, self.saved(int(jobid), fresh=True), self.format_id(jobid))

    def jobspec(self, jobid: int) -> dict | None:
        saved = self.saved(int(jobid), fresh=True)
        if saved.get("jobspec"):
            return saved["jobspec"]
        return None

    def list_jobs(self, filter: JobFilter) -> list[JobRecord]:  # noqa: A002
        from .listing import list_jobs

        return list_jobs(self, filter)

    def wait(self, jobid: int | None) -> tuple[int, bool, str]:
        from fluxcli.jobspec.status import wait_error

        if jobid is None:
            raise Unsupported("wait", "waiting for any job needs a job id on Slurm", self.name)

        for _ in self.events([jobid]):
            pass
        found = self.info(jobid)
        if found is None:
            raise UnknownJob(self.format_id(jobid))
        if found.result == "COMPLETED":
            return jobid, True, ""
        error = wait_error(found.waitstatus, found.exception_type or "", found.exception_note or "")
        return jobid, False, error

    def describe(self) -> BackendInfo:
        nodes = []
        for line in client.run(["sinfo", "-h", "-N", "-o", "%N|%c|%G|%t|%R"]).splitlines():
            host, cpus, gres, state, partition = (line.split("|") + [""] * 5)[:5]
            nodes.append(
                {
                    "hostname": host,
                    "cores": int(cpus or 0),
                    "gres": gres,
                    "state": state,
                    "queue": partition,
                }
            )
        return BackendInfo(
            self.name,
            self.uri,
            version=client.run(["sbatch", "--version"]).strip(),
            resources=nodes,
            details={"cluster": self.cluster, "accounting": self.accounting},
        )

    def resource_list(self) -> dict[str, list[dict]]:
        """Nodes by the state of their CPUs, from sinfo (allocated/idle/other)."""
        states: dict[str, list[dict]] = {"free": [], "allocated": [], "down": []}
        lines = client.run(["sinfo", "-h", "-N", "-o", "%N|%C"]).splitlines()
        for rank, line in enumerate(dict.fromkeys(lines)):  # a node is listed per partition
            host, _, cpus = line.partition("|")
            counts = [int(c) if c.isdigit() else 0 for c in cpus.split("/")] + [0] * 4
            allocated, idle, other = counts[:3]
            for state, count in (("allocated", allocated), ("free", idle), ("down", other)):
                if count:
                    node = {"rank": rank, "hostname": host, "ncores": count, "ngpus": 0}
                    states[state].append(node)
        return states

    def format_id(self, jobid: int) -> str:
        return jobids.format_id(jobid)

    def parse_id(self, text: str) -> int:
        return jobids.parse_id(text)  # ValueError for anything else

    def close(self) -> None:
        self._saved.clear()
