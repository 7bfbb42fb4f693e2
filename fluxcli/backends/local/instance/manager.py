"""The job manager of the local instance: Flux's job states and RFC 21 events."""

from __future__ import annotations

import asyncio
import errno
import functools
import json
import os
import signal
import time
from collections.abc import Callable

from fluxcli.jobspec import validate_jobspec

from .dependencies import Dependencies
from .diskspace import SpaceGuard
from .errors import RequestError
from .execution import Execution
from .job import FLAG_NOVALIDATE, FLAG_WAITABLE, VALID_FLAGS, Job, priority_of
from .launcher import Launcher
from .purge import Purger
from .recovery import recover
from .resources import (
    Allocation,
    ResourcePool,
    Unsatisfiable,
    allowed_ranks,
    request_from_jobspec,
)
from .scheduler import Scheduler
from .store import Store, StoreError
from .streams import STDIN_BACKLOG

# writes are grouped into one commit at most this often (seconds); clients hear
# of events only after their commit, the jobs themselves never wait for it
FLUSH_DELAY = 0.002
# a failed commit (full disk) is retried this often (seconds)
COMMIT_RETRY = 0.5
# the write-ahead log is emptied when it passes WAL_LIMIT (checked every WAL_CHECK_INTERVAL s)
WAL_LIMIT = 8 << 20
WAL_CHECK_INTERVAL = 1.0
# the event that ends each eventlog
LOG_END = {"eventlog": "clean", "exec": "done"}


class JobManager:
    """Owns active jobs; every change is an event written to the store."""

    def __init__(self, store: Store, pool: ResourcePool, uri: str, owner: int):
        self.store = store
        self.pool = pool
        self.nodes = pool.nodes
        self.uri = uri
        self.owner = owner
        self.jobs: dict[int, Job] = {}
        self.closed = False
        self.watchers: dict[tuple[int, str], list[Callable]] = {}
        self.pending: list[Callable[[], None]] = []
        self.waiters: dict[int, list[Callable]] = {}
        self.any_waiters: list[tuple[int, Callable]] = []  # (userid, answer): wait for any job
        self.purger = Purger(self)  # the daemon gives it the configured limits
        self.scheduler = Scheduler(self)
        self.dependencies = Dependencies(self)
        self.launcher = Launcher(self._shells_lost)
        self.space = SpaceGuard(os.path.dirname(os.path.abspath(store.path)))
        self._wal_checked = 0.0
        self._flush_scheduled = False
        self._flush_handle: asyncio.Handle | None = None
        self._commit_failing = False
        self._last_flush = 0.0
        self._last_id = self.store.max_jobid()
        self.epoch = float(self.store.get_meta("epoch", "0") or 0) or time.time()
        self.store.set_meta("epoch", repr(self.epoch))

    # persistence and notification
    def after_commit(self, func: Callable[[], None]) -> None:
        """Run ``func`` once everything written so far is committed."""
        self.pending.append(func)
        self._schedule_flush()

    def _schedule_flush(self, urgent: bool = False) -> None:
        loop = asyncio.get_running_loop()
        if self._flush_scheduled:
            if urgent and isinstance(self._flush_handle, asyncio.TimerHandle):
                self._flush_handle.cancel()  # a job waits for this commit to start
                self._flush_handle = loop.call_soon(self.flush)
            return
        self._flush_scheduled = True
        # rate-limited, not delayed: a quiet instance commits at once, a busy
        # one at most every FLUSH_DELAY (bigger, cheaper transactions)
        delay = self._last_flush + FLUSH_DELAY - loop.time()
        if delay > 0 and not urgent:
            self._flush_handle = loop.call_later(delay, self.flush)
        else:
            self._flush_handle = loop.call_soon(self.flush)

    def flush(self) -> None:
        """Commit, then deliver notifications and replies that waited for it."""
        self._flush_scheduled = False
        loop = asyncio.get_running_loop()
        self._last_flush = loop.time()
        if self.closed:
            return
        try:
            self.store.commit()
        except StoreError:
            try:
                if not self.space.commit_failed():
                    raise
                self.store.commit()  # with the reserve given back
            except StoreError:
                # nothing is lost: the writes stay queued, clients wait for them
                self._commit_failing = True
                if not self._flush_scheduled:
                    self._flush_scheduled = True
                    loop.call_later(COMMIT_RETRY, self.flush)
                return
        self._commit_failing = False
        self.space.commit_succeeded()
        self._trim_wal()
        pending, self.pending = self.pending, []
        for func in pending:
            func()

    def _trim_wal(self) -> None:
        """Keep the write-ahead log from growing under sustained load."""
        now = time.monotonic()
        if now - self._wal_checked < WAL_CHECK_INTERVAL:
            return
        self._wal_checked = now
        if self.store.wal_size() > WAL_LIMIT:
            self.store.checkpoint(truncate=True)

    def commits_failing(self) -> bool:
        """True while the store cannot commit (what is written waits in memory)."""
        return self._commit_failing

    def out_of_space(self) -> bool:
        """True while the device holding the state is (nearly) full."""
        return self.space.out_of_space()

    def space_message(self) -> str:
        return self.space.message

    def post(self, job: Job, name: str, context: dict, log: str = "eventlog") -> dict:
        """Append an event to a job's eventlog and notify its watchers after commit."""
        if self.closed:
            return {"timestamp": 0.0, "name": name}
        seq = job.next_seq(log)
        event = self.store.append_event(job.id, log, seq, name, context)
        watchers = self.watchers.get((job.id, log))
        if watchers:
            for watcher in list(watchers):
                self.pending.append(lambda w=watcher, s=seq, e=event: _notify(w, s, e))
        self._schedule_flush()
        return event

    def add_watcher(self, jobid: int, log: str, callback: Callable) -> None:
        """Call ``callback(seq, event)`` for each event of a job's log, once committed."""
        self.watchers.setdefault((jobid, log), []).append(callback)

    def recover(self) -> None:
        """Re-adopt jobs left active by a previous instance process."""
        recover(self)

    def remove_watcher(self, jobid: int, log: str, callback: Callable) -> None:
        """Stop calling ``callback`` (no error if it was not registered)."""
        watchers = self.watchers.get((jobid, log))
        if watchers and callback in watchers:
            watchers.remove(callback)
            if not watchers:
                del self.watchers[(jobid, log)]

    def set_state(self, job: Job, state: str, **fields) -> None:
        if self.closed:
            return
        if job.state == "SCHED" and state != "SCHED":
            self.scheduler.remove(job)
        job.state = state
        self.store.update_job(job.id, state=state, **fields)

    # ids
    def new_id(self) -> int:
        """A FLUID: 40-bit ms timestamp, 14-bit generator 0, 10-bit sequence."""
        ms = int((time.time() - self.epoch) * 1000) & ((1 << 40) - 1)
        candidate = ms << 24
        if candidate <= self._last_id:
            candidate = self._last_id + 1
        self._last_id = candidate
        return candidate

    # submission
    def submit(
        self,
        jobspec_text: str,
        urgency: int,
        flags: int,
        userid: int,
        stdin_mode: str = "null",
        umask: int = 0o022,
    ) -> int:
        """Validate and enqueue a job; return its id (RequestError when rejected)."""
        if self.out_of_space():
            raise RequestError(errno.ENOSPC, self.space_message())
        if flags & ~VALID_FLAGS:
            raise RequestError(errno.EINVAL, "invalid job flags")
        if not 0 <= urgency <= 31:
            raise RequestError(errno.EINVAL, "urgency range is [0:31]")
        if userid != self.owner:
            if urgency > 16:
                raise RequestError(
                    errno.EINVAL, "only the instance owner can submit with urgency >16"
                )
            if flags & FLAG_WAITABLE:
                raise RequestError(
                    errno.EINVAL, "only the instance owner can submit with FLUX_JOB_WAITABLE"
                )
            if flags & FLAG_NOVALIDATE:
                raise RequestError(
                    errno.EINVAL, "only the instance owner can submit with FLUX_JOB_NOVALIDATE"
                )
        try:
            jobspec = json.loads(jobspec_text)
        except ValueError as exc:
            raise RequestError(errno.EINVAL, f"jobspec: invalid JSON: {exc}")
        if not flags & FLAG_NOVALIDATE:
            try:
                validate_jobspec(jobspec_text, require_version=1)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise RequestError(errno.EINVAL, str(exc))
        system = jobspec.get("attributes", {}).get("system", {})
        command = jobspec["tasks"][0]["command"]
        name = (system.get("job") or {}).get("name") or os.path.basename(command[0])
        dependencies = self.dependencies.check(system.get("dependencies") or [], name, userid)
        now = time.time()
        job = Job(self.new_id(), userid, urgency, flags, jobspec, name, now, stdin_mode=stdin_mode)
        job.umask = umask
        job.duration = float(system.get("duration") or 0)
        ncores = _count(jobspec["resources"], "core")
        nnodes = _count(jobspec["resources"], "node")
        record = {
            "id": job.id,
            "userid": userid,
            "urgency": urgency,
            "priority": 0,
            "flags": flags,
            "state": "NEW",
            "name": name,
            "t_submit": now,
            "ntasks": job.ntasks,
            "ncores": ncores,
            "nnodes": nnodes,
            "duration": job.duration,
            "umask": umask,
        }
        self.store.insert_job(record, jobspec_text)
        self.plan(job)
        self.jobs[job.id] = job
        self.post(
            job, "submit", {"userid": userid, "urgency": urgency, "flags": flags, "version": 1}
        )
        self.dependencies.add(job, dependencies)
        self.post(job, "validate", {})
        self.set_state(job, "DEPEND")
        self.maybe_depend(job)
        return job.id

    def plan(self, job: Job) -> None:
        """Read the resource request, then drop the parsed jobspec until the job runs."""
        try:
            job.request = request_from_jobspec(job.jobspec["resources"])
            constraint = job.jobspec.get("attributes", {}).get("system", {}).get("constraints")
            if constraint:
                job.request.ranks = allowed_ranks(constraint, self.nodes)
            self.pool.check(job.request)
        except Unsatisfiable as exc:
            job.unsatisfiable = str(exc)
        job.jobspec = None  # reloaded from the store when the job starts

    def maybe_depend(self, job: Job) -> None:
        if job.state == "DEPEND" and not job.deps:
            self.post(job, "depend", {})
            self.set_state(job, "PRIORITY", t_depend=time.time())
            self._set_priority(job)

    def _set_priority(self, job: Job) -> None:
        job.priority = priority_of(job.urgency)
        self.post(job, "priority", {"priority": job.priority})
        self.set_state(job, "SCHED", priority=job.priority)
        if job.unsatisfiable:
            self.raise_exception(job, "alloc", 0, job.unsatisfiable)
            return
        self.scheduler.add(job)

    def start_job(self, job: Job, alloc: Allocation) -> None:
        """Called by the scheduler with resources for ``job``."""
        job.alloc = alloc
        if job.jobspec is None:
            job.jobspec = json.loads(self.store.jobspec(job.id))
        self.post(job, "alloc", {"annotations": {"sched": {"resource_summary": alloc.summary()}}})
        hosts = [self.nodes[rank].hostname for rank in sorted(alloc.cores)]
        self.set_state(
            job,
            "RUN",
            ranks=json.dumps(alloc.to_dict()),
            nodelist=",".join(hosts),
            nnodes=len(hosts),
        )
        job.execution = Execution(self, job, self.nodes)
        # the decision to run is durable before anything runs: a job's command
        # runs at most once, even when the instance is killed right here
        self.pending.append(lambda: asyncio.get_running_loop().create_task(job.execution.run()))
        self._schedule_flush(urgent=True)

    def job_started(self, job: Job) -> None:
        job.t_run = time.time()
        self.post(job, "start", {})
        self.store.update_job(job.id, t_run=job.t_run)
        self.dependencies.notify(job, "start")

    def exec_done(self, job: Job, status: int) -> None:
        self.post(job, "finish", {"status": status})
        usage = job.execution.accounting() if job.execution is not None else {}
        self.set_state(job, "CLEANUP", t_cleanup=time.time(), waitstatus=status, **usage)
        self.post(job, "release", {"ranks": "all", "final": True})
        self.pool.release(job.alloc)
        self.post(job, "free", {})
        self.clean(job, status)
        self.scheduler.kick()

    def clean(self, job: Job, status: int | None) -> None:
        fatal = job.fatal
        if fatal is None:
            result = "COMPLETED" if status == 0 else "FAILED"
        elif fatal["type"] == "cancel":
            result = "CANCELED"
        elif fatal["type"] == "timeout":
            result = "TIMEOUT"
        else:
            result = "FAILED"
        self.post(job, "clean", {})
        fields = {"t_inactive": time.time(), "result": result}
        if fatal:
            fields.update(
                exception_type=fatal["type"], exception_note=fatal["note"], exception_severity=0
            )
        self.set_state(job, "INACTIVE", **fields)
        del self.jobs[job.id]
        self.dependencies.notify(job, "clean")
        waiters = self.waiters.pop(job.id, [])
        if (
            not waiters and job.flags & FLAG_WAITABLE
        ):  # else the first wait for any of the user's jobs
            mine = [w for w in self.any_waiters if w[0] == job.userid][:1]
            waiters = [w[1] for w in mine]
            self.any_waiters = [w for w in self.any_waiters if w not in mine]
        for waiter in waiters:
            self.pending.append(functools.partial(waiter, job.id))

    def raise_exception(
        self, job: Job, etype: str, severity: int, note: str, userid: int | None = None
    ) -> None:
        """Post an exception; a fatal one (severity 0) ends the job."""
        context = {
            "type": etype,
            "severity": severity,
            "note": note,
            "userid": self.owner if userid is None else userid,
        }
        self.post(job, "exception", context)
        if severity != 0 or job.fatal is not None:
            return
        job.fatal = {"type": etype, "note": note}
        if job.state in ("NEW", "DEPEND", "PRIORITY", "SCHED"):
            self.set_state(job, "CLEANUP", t_cleanup=time.time())
            self.clean(job, None)
            self.scheduler.kick()
        elif job.state == "RUN" and job.execution is not None:
            if etype == "timeout":
                job.execution.terminate(signal.SIGALRM)
            else:
                job.execution.terminate(signal.SIGTERM)

    def expire(self, job: Job) -> None:
        """The job's time limit has passed."""
        if job.state == "RUN":
            self.raise_exception(job, "timeout", 0, "resource allocation expired")

    # requests on existing jobs
    def active(self, jobid: int, userid: int) -> Job:
        job = self.jobs.get(jobid)
        if job is None:
            if self.store.job(jobid) is None:
                raise RequestError(errno.ENOENT, "unknown job id")
            raise RequestError(errno.EINVAL, "job is inactive")
        if userid not in (job.userid, self.owner):
            raise RequestError(errno.EPERM, "that is not your job")
        return job

    def cancel(self, jobid: int, userid: int, reason: str | None) -> None:
        job = self.active(jobid, userid)
        self.raise_exception(job, "cancel", 0, reason or "", userid)

    def kill(self, jobid: int, userid: int, signum: int) -> None:
        job = self.active(jobid, userid)
        if job.state != "RUN" or job.execution is None:
            raise RequestError(errno.EINVAL, "job is not running")
        job.execution.kill(signum)

    def set_urgency(self, jobid: int, userid: int, urgency: int) -> int:
        job = self.active(jobid, userid)
        if not 0 <= urgency <= 31:
            raise RequestError(errno.EINVAL, "urgency range is [0:31]")
        if job.state not in ("NEW", "DEPEND", "PRIORITY", "SCHED"):
            raise RequestError(
                errno.EINVAL, "urgency cannot be changed once resources are allocated"
            )
        old = job.urgency
        job.urgency = urgency
        self.store.update_job(job.id, urgency=urgency)
        self.post(job, "urgency", {"userid": userid, "urgency": urgency})
        if job.state == "SCHED":
            self.scheduler.remove(job)
            job.priority = priority_of(urgency)
            self.post(job, "priority", {"priority": job.priority})
            self.store.update_job(job.id, priority=job.priority)
            if not job.unsatisfiable:
                self.scheduler.add(job)
        return old

    def write_stdin(
        self,
        jobid: int,
        userid: int,
        data: bytes | None,
        ranks: list[int] | None,
        drained: Callable[[], None],
    ) -> None:
        """Forward stdin; ``drained`` is called once the job has room for more."""
        job = self.active(jobid, userid)
        if job.execution is not None and job.execution.spawned:
            job.execution.write_stdin(data, ranks)
            job.execution.when_stdin_drained(drained)
            return
        job.stdin_buffer.append((data, ranks))
        if sum(len(d or b"") for d, _ in job.stdin_buffer) < STDIN_BACKLOG:
            drained()
        else:  # answered when the job starts and takes it
            job.stdin_waiters.append(drained)

    def _shells_lost(self, jobids: list[int]) -> None:
        for jobid in jobids:
            job = self.jobs.get(jobid)
            if job is not None and job.execution is not None:
                job.execution.shell_lost()


def _notify(watcher: Callable, seq: int, event: dict) -> None:
    """Run one watcher: a failing one must not keep the others (and replies) waiting."""
    try:
        watcher(seq, event)
    except Exception:
        import traceback

        traceback.print_exc()


def _count(resources: list[dict], rtype: str, mult: int = 1) -> int:
    total = 0
    for res in resources:
        count = res["count"] if isinstance(res["count"], int) else 1
        if res["type"] == rtype:
            total += mult * count
        total += _count(res.get("with", []), rtype, mult * count)
    return total
