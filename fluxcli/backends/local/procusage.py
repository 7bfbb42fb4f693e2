"""Live CPU and memory of running local jobs, read from /proc on this host.

A job's tasks carry ``FLUX_JOB_ID`` (F58) in their environment; a process
belongs to a job when it, or an ancestor, is such a task. CPU time sums
``utime + stime + cutime + cstime`` over the job's live processes (children
already reaped are in their parent's ``c*`` times); memory is their resident
set. Only the caller's own processes can be read, which is all a user's
local jobs are. One scan of /proc answers for every job at once.
"""

from __future__ import annotations

import os

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: str) -> tuple[int, float, int] | None:
    """(parent pid, cpu seconds, rss bytes) of ``pid``, None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(b")") + 2 :].split()
    # fields[0] is field 3 of proc(5): ppid is 4, utime..cstime 14-17, rss 24
    ticks = sum(int(fields[i]) for i in range(11, 15))
    return int(fields[1]), ticks / CLOCK_TICKS, int(fields[21]) * PAGE_SIZE


def _job_of(pid: str, wanted: dict[bytes, int]) -> int | None:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = f.read()
    except OSError:
        return None
    start = env.find(b"FLUX_JOB_ID=")
    if start < 0:
        return None
    end = env.find(b"\0", start)
    return wanted.get(env[start + len("FLUX_JOB_ID=") : end if end >= 0 else None])


def job_usage(jobids: dict[int, str]) -> dict[int, tuple[float, int]]:
    """``{jobid: (cpu seconds, rss bytes)}`` for the jobs (id → its F58 text) with processes."""
    wanted = {text.encode(): jobid for jobid, text in jobids.items()}
    uid = os.getuid()
    stats: dict[int, tuple[int, float, int]] = {}
    owner: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid != uid:
                continue
        except OSError:
            continue
        stat = _stat(name)
        if stat is None:
            continue
        stats[int(name)] = stat
        jobid = _job_of(name, wanted)
        if jobid is not None:
            owner[int(name)] = jobid
    totals: dict[int, tuple[float, int]] = {}
    for pid, (_, cpu, rss) in stats.items():
        jobid = _owner(pid, stats, owner)
        if jobid is not None:
            cpu0, rss0 = totals.get(jobid, (0.0, 0))
            totals[jobid] = (cpu0 + cpu, rss0 + rss)
    return totals


def _owner(pid: int, stats: dict, owner: dict[int, int]) -> int | None:
    """The job of ``pid``: its own, or its nearest ancestor's (within the caller's processes)."""
    seen = 0
    while pid in stats and seen < 64:
        if pid in owner:
            return owner[pid]
        pid = stats[pid][0]
        seen += 1
    return None
