"""Job dependencies (RFC 26): after*, singleton, begin-time; checked at submit, tracked after."""

from __future__ import annotations

import asyncio
import errno
import time

from . import deps
from .errors import RequestError
from .job import Job


class Dependencies:
    """The dependencies of active jobs; acts through its manager (post, raise, depend)."""

    def __init__(self, manager):
        self.manager = manager
        self.waiting: dict[int, list[tuple[int, str]]] = {}  # target -> [(dependent, scheme)]

    def check(self, dependencies: list[dict], name: str, userid: int) -> list[tuple]:
        checked = []
        for dep in dependencies:
            scheme, value = dep.get("scheme"), dep.get("value", "")
            if scheme not in deps.SCHEMES:
                raise RequestError(errno.EINVAL, f'dependency scheme "{scheme}" not supported')
            if scheme == "singleton":
                if not (self_name := name):
                    raise RequestError(errno.EINVAL, "singleton jobs require a job name")
                checked.append(("singleton", self_name, None))
            elif scheme == "begin-time":
                try:
                    when = float(value)
                    if when < 0:
                        raise ValueError
                except ValueError:
                    raise RequestError(errno.EINVAL, f"Invalid begin-time={value}")
                checked.append(("begin-time", when, None))
            else:
                try:
                    target = deps.parse_target(scheme, value)
                except deps.DependencyError as exc:
                    raise RequestError(errno.EINVAL, str(exc))
                record = self.manager.store.job(target)
                if record is None:
                    raise RequestError(
                        errno.ENOENT, f"dependency: {scheme}: id {value}: job not found"
                    )
                if record["userid"] != userid:
                    raise RequestError(errno.EPERM, f"{scheme}: Permission denied for job {value}")
                if record["state"] == "INACTIVE":
                    refused = deps.rejection(scheme, record, value)
                    if refused:
                        raise RequestError(errno.EINVAL, refused)
                checked.append((scheme, target, (record, value)))
        return checked

    def add(self, job: Job, dependencies: list[tuple]) -> None:
        for scheme, target, record in dependencies:
            if scheme == "begin-time":
                desc = f"begin-time={target:.3f}"
                job.deps.add(desc)
                self.manager.post(job, "dependency-add", {"description": desc})
                delay = max(0.0, target - time.time())
                asyncio.get_running_loop().call_later(delay, self.remove, job.id, desc)
            elif scheme == "singleton":
                desc = "singleton"
                if any(
                    j.name == job.name and j.userid == job.userid and j.id != job.id
                    for j in self.manager.jobs.values()
                ):
                    job.deps.add(desc)
                    self.manager.post(job, "dependency-add", {"description": desc})
            else:
                record, value = record
                desc = deps.description(scheme, value)
                if scheme == "after":
                    self.manager.post(
                        job,
                        "exception",
                        {
                            "type": "dependency",
                            "severity": 3,
                            "note": "dependency scheme 'after' is deprecated, use 'afterstart'",
                            "userid": job.userid,
                        },
                    )
                job.deps.add(desc)
                self.manager.post(job, "dependency-add", {"description": desc})
                if deps.outcome(scheme, record):  # already met (a started job)
                    self.remove(job.id, desc)
                else:
                    self.waiting.setdefault(target, []).append((job.id, scheme, desc))

    def remove(self, jobid: int, desc: str) -> None:
        job = self.manager.jobs.get(jobid)
        if job is None or desc not in job.deps:
            return
        job.deps.discard(desc)
        self.manager.post(job, "dependency-remove", {"description": desc})
        self.manager.maybe_depend(job)

    def notify(self, job: Job, event: str) -> None:
        waiting = self.waiting.get(job.id)
        record = self.manager.store.job(job.id) if waiting else None
        for entry in list(waiting or []):
            depid, scheme, desc = entry
            dependent = self.manager.jobs.get(depid)
            if dependent is None:
                continue
            result = deps.outcome(scheme, record)
            if result is None:
                continue
            self.waiting[job.id].remove(entry)
            if result:
                self.remove(depid, desc)
            else:
                note = deps.failure(scheme, record, desc)
                self.manager.raise_exception(dependent, "dependency", 0, note)
        if event == "clean":
            self.waiting.pop(job.id, None)
            for other in list(self.manager.jobs.values()):
                if (
                    "singleton" in other.deps
                    and other.name == job.name
                    and other.userid == job.userid
                ):
                    if not any(
                        j.name == job.name and j.id != other.id and j.state != "DEPEND"
                        for j in self.manager.jobs.values()
                        if j.id != job.id
                    ):
                        self.remove(other.id, "singleton")
                        break

    # scheduling and execution
    def readd(self, job: Job) -> None:
        system = job.jobspec.get("attributes", {}).get("system", {})
        removed = {
            ev.get("context", {}).get("description")
            for _, ev in self.manager.store.events(job.id, "eventlog")
            if ev["name"] == "dependency-remove"
        }
        for dep in system.get("dependencies") or []:
            scheme, value = dep.get("scheme"), dep.get("value", "")
            if scheme == "begin-time":
                desc = f"begin-time={float(value):.3f}"
                if desc not in removed:
                    job.deps.add(desc)
                    delay = max(0.0, float(value) - time.time())
                    asyncio.get_running_loop().call_later(delay, self.remove, job.id, desc)
            elif scheme in deps.DESCRIPTION:
                target = deps.parse_target(scheme, value)
                desc = deps.description(scheme, value)
                if desc in removed:
                    continue
                job.deps.add(desc)
                record = self.manager.store.job(target)
                outcome = deps.outcome(scheme, record) if record else False
                if outcome is None:
                    self.waiting.setdefault(target, []).append((job.id, scheme, desc))
                elif outcome:
                    asyncio.get_running_loop().call_soon(self.remove, job.id, desc)
                else:
                    note = deps.failure(scheme, record or {}, desc)
                    asyncio.get_running_loop().call_soon(
                        self.manager.raise_exception, job, "dependency", 0, note
                    )
