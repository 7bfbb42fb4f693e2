"""A Slurm snapshot (squeue/sacct, client.py) as Flux sees a job: its Progress and JobRecord.

Exit status as the local backend reports it: the wait status of the batch
script, which exits with srun's code (128+signal for a task a signal
killed); a cancel is exception ``cancel`` (result CANCELED), a time limit
exception ``timeout`` (result TIMEOUT, exit 142 as Flux's shell gives), a lost node or memory exception
``node-fail``/``oom`` (result FAILED).
"""

from __future__ import annotations

from ..contract import JobRecord
from ..polling import Progress

PENDING = {"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "CONFIGURING"}
RUNNING = {"RUNNING", "SUSPENDED", "STOPPED", "SIGNALING", "STAGE_OUT", "RESIZING"}
# pending reasons that are Flux's DEPEND state
DEPEND_REASONS = {"Dependency", "BeginTime", "DependencyNeverSatisfied"}
# how a job that ended otherwise than by its tasks' exit is reported: (type, note)
EXCEPTIONS = {
    "CANCELLED": ("cancel", ""),
    "TIMEOUT": ("timeout", "resource allocation expired"),
    "DEADLINE": ("timeout", "deadline reached"),
    "NODE_FAIL": ("node-fail", "a node of the job failed"),
    "BOOT_FAIL": ("node-fail", "a node of the job failed to boot"),
    "OUT_OF_MEMORY": ("oom", "the job ran out of memory"),
    "PREEMPTED": ("preempt", "the job was preempted"),
    "REVOKED": ("cancel", "revoked by a sibling cluster"),
}
RESULTS = {"cancel": "CANCELED", "timeout": "TIMEOUT"}


def phase(snap: dict) -> str:
    """Flux's phase of a Slurm job state (polling.PHASES)."""
    state = snap["state"]
    if state in PENDING:
        return "depend" if snap.get("reason") in DEPEND_REASONS else "sched"
    if state in RUNNING:
        return "run"
    if state == "COMPLETING":
        return "cleanup"
    return "inactive"


def progress(snap: dict, saved: dict) -> Progress:
    """The Progress of a job from its snapshot and what the backend saved at submit/cancel."""
    where = phase(snap)
    started = bool(snap.get("nodelist")) and where in ("run", "cleanup", "inactive")
    submitted = saved.get("t_submit") or snap.get("t_submit")
    times = {"submit": submitted}
    if where != "depend" and not (where == "inactive" and not started and _waited(snap)):
        times["sched"] = submitted
    if started:
        times["run"] = max(snap.get("t_start") or 0, submitted or 0) or None
    if where in ("cleanup", "inactive"):
        # Slurm's times are whole seconds: never before what came earlier
        end = max(snap.get("t_end") or 0, times.get("run") or 0, submitted or 0) or None
        times["cleanup"] = times["inactive"] = end
    exception = None
    if where == "inactive" and snap["state"] in EXCEPTIONS:
        etype, note = EXCEPTIONS[snap["state"]]
        if etype == "cancel" and snap.get("reason") == "DependencyNeverSatisfied":
            etype, note = "dependency", "dependency can never be satisfied"
        elif etype == "cancel":
            note = saved.get("note") or ""
        exception = (etype, note)
    urgency = int(saved.get("urgency", 16))
    context = {
        "submit": {"userid": snap.get("userid", 0), "urgency": urgency, "flags": 0, "version": 1},
        "priority": {"priority": 0 if urgency == 0 else 16},
    }
    waitstatus = snap.get("waitstatus")
    if exception and exception[0] == "timeout" and started:
        # Flux's job shell ends an expired job with SIGALRM and exits 128+14: the local
        # backend's convention, whatever signal Slurm used
        waitstatus = (128 + 14) << 8
    elif exception and exception[0] == "cancel" and started and not waitstatus:
        waitstatus = 15  # Slurm ended the tasks with SIGTERM: their status, as Flux reports it
    return Progress(where, times, started, exception, waitstatus, context)


def _waited(snap: dict) -> bool:
    return snap.get("reason") in DEPEND_REASONS


STATE_NAMES = {"depend": "DEPEND", "sched": "SCHED", "run": "RUN", "cleanup": "CLEANUP"}


def record(snap: dict, saved: dict, native: str) -> JobRecord:
    """A JobRecord of a Slurm job (``saved``: the backend's own file of it, maybe empty)."""
    prog = progress(snap, saved)
    spec = saved.get("jobspec") or {}
    duration = float(spec.get("attributes", {}).get("system", {}).get("duration") or 0)
    fields = {
        "id": snap["id"],
        "state": STATE_NAMES.get(prog.phase, "INACTIVE"),
        "name": snap.get("name") or "",
        "userid": snap.get("userid", 0),
        "urgency": int(saved.get("urgency", 16)),
        "priority": 0 if saved.get("urgency") == 0 else 16,
        "t_submit": prog.times.get("submit") or 0.0,
        "t_depend": prog.times.get("submit"),
        "t_run": prog.times.get("run"),
        "ntasks": snap.get("ntasks") or _ntasks(spec),
        "ncores": snap.get("ncpus", 0),
        "nnodes": snap.get("nnodes", 0),
        "nodelist": snap.get("nodelist") or "",
        "duration": duration,
        "native_id": native,
        "output_paths": list(saved.get("output_paths") or []),
        "cwd": snap.get("cwd") or None,
        "queue": snap.get("queue") or None,
    }
    if prog.phase == "inactive":
        fields["t_cleanup"] = prog.times.get("cleanup")
        fields["t_inactive"] = prog.times.get("inactive")
        fields["waitstatus"] = prog.waitstatus if prog.started else None
        if prog.exception:
            etype, note = prog.exception
            fields.update(exception_type=etype, exception_note=note, exception_severity=0)
            fields["result"] = RESULTS.get(etype, "FAILED")
        else:
            fields["result"] = "COMPLETED" if not prog.waitstatus else "FAILED"
    elif prog.phase == "cleanup":
        fields["t_cleanup"] = prog.times.get("cleanup")
    return JobRecord.from_dict(fields)


def _ntasks(spec: dict) -> int:
    if not spec:
        return 0
    from .translate import Shape

    return Shape(spec).ntasks
