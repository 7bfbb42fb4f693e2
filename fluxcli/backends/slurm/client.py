"""Slurm's client commands (sbatch, squeue, sacct, scontrol, scancel), run and parsed.

Every snapshot of a job is a plain dict (``Snapshot`` keys below), whichever
command it came from: squeue while Slurm remembers the job (until MinJobAge
after it ends), sacct afterwards when the cluster keeps accounting.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence

from fluxcli.errors import BackendError

from .jobids import array_element, format_id, plain

# squeue --Format fields, in the order of SNAPSHOT_KEYS
SQUEUE_FIELDS = (
    "JobArrayID,JobID,State,Reason,SubmitTime,StartTime,EndTime,exit_code,NumNodes,"
    "NumTasks,NodeList,Name,Partition,Account,WorkDir,UserId,Nice,NumCPUs"
)
SACCT_FIELDS = (
    "JobID,JobIDRaw,State,Reason,Submit,Start,End,ExitCode,NNodes,"
    "NTasks,NodeList,JobName,Partition,Account,WorkDir,UID,Priority,NCPUS"
)
SNAPSHOT_KEYS = (
    "id",
    "raw",
    "state",
    "reason",
    "t_submit",
    "t_start",
    "t_end",
    "waitstatus",
    "nnodes",
    "ntasks",
    "nodelist",
    "name",
    "queue",
    "account",
    "cwd",
    "userid",
    "nice",
    "ncpus",
)
NO_TIME = {"", "N/A", "NONE", "None", "Unknown", "(null)"}


class SlurmError(BackendError):
    """A Slurm command failed: its first line of error output."""


def run(
    argv: Sequence[str], input: str | None = None, check: bool = True, env: dict | None = None
) -> str:
    """Run a Slurm command; its stdout, or SlurmError with its message."""
    try:
        done = subprocess.run(
            list(argv), input=input, capture_output=True, text=True, timeout=120, env=env
        )
    except FileNotFoundError:
        raise SlurmError(f"{argv[0]}: not found on PATH") from None
    except subprocess.TimeoutExpired:
        raise SlurmError(f"{argv[0]}: no answer from Slurm within 120 s") from None
    if check and done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        message = lines[-1] if lines else f"exit code {done.returncode}"
        raise SlurmError(message.removeprefix(f"{os.path.basename(argv[0])}: error: "))
    return done.stdout


# what sbatch itself needs of the submitter's environment (its SBATCH_* defaults included)
SBATCH_ENV = ("PATH", "SLURM_CONF", "HOME", "USER", "LOGNAME", "LANG", "TZ")


def sbatch_environment() -> dict[str, str]:
    """The environment sbatch runs in. Jobs are submitted with ``--export=ALL`` of this
    small one (``--export=NONE`` makes slurmd load a login environment for every job, which
    runs them several times slower); the job script then sets exactly the jobspec's."""
    return {k: v for k, v in os.environ.items() if k in SBATCH_ENV or k.startswith("SBATCH_")}


def parse_time(text: str) -> float | None:
    """Slurm's local ISO time (``2026-11-23T03:16:04``) as epoch seconds."""
    text = text.strip()
    if text in NO_TIME:
        return None
    try:
        return time.mktime(time.strptime(text, "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None


def _job_id(display: str, raw: str) -> int:
    head, sep, index = display.partition("_")
    if sep and index.isdigit():
        return array_element(int(head), int(index))
    return plain(int(raw))


def _int(text: str, default: int = 0) -> int:
    try:
        return int(text.strip().rstrip("+"))
    except ValueError:
        return default


def _snapshot(fields: list[str], waitstatus: int | None) -> dict:
    snap = dict(zip(SNAPSHOT_KEYS, fields, strict=False))
    snap["id"] = _job_id(fields[0], fields[1])
    snap["raw"] = _int(fields[1])
    snap["state"] = fields[2].split()[0] if fields[2] else "UNKNOWN"
    for key in ("t_submit", "t_start", "t_end"):
        snap[key] = parse_time(snap[key])
    snap["waitstatus"] = waitstatus
    for key in ("nnodes", "ntasks", "userid", "nice", "ncpus"):
        snap[key] = _int(snap[key])
        if snap[key] >= 0xFFFFFFF0:  # Slurm's NO_VAL: not set
            snap[key] = 0
    if snap["nodelist"] in ("None assigned", "(null)"):
        snap["nodelist"] = ""
    return snap


def squeue(ids: Sequence[int] | None) -> dict[int, dict]:
    """Snapshots of the jobs Slurm still remembers (``ids`` None: every job of this user)."""
    argv = ["squeue", "-h", "-r", "-t", "all", "-O", _suffixed(SQUEUE_FIELDS)]
    if ids is not None:
        if not ids:
            return {}
        argv += ["-j", ",".join(format_id(i) for i in ids)]
    else:
        argv += ["-u", str(os.getuid())]
    try:
        text = run(argv)
    except SlurmError as exc:
        if "Invalid job id" in str(exc):
            return {}  # a lone id Slurm has forgotten
        raise
    snapshots = {}
    for line in text.splitlines():
        fields = line.split("|")
        if len(fields) < len(SNAPSHOT_KEYS):
            continue
        snap = _snapshot(fields, _int(fields[7]) if fields[7].strip().isdigit() else None)
        if snap["state"] in ("PENDING", "RUNNING", "SUSPENDED", "CONFIGURING"):
            snap["waitstatus"] = None
        snapshots[snap["id"]] = snap
    return snapshots


def sacct(ids: Sequence[int] | None, since: float | None = None) -> dict[int, dict]:
    """Snapshots from accounting (one line per job, ``-X``); {} when ids is empty."""
    argv = ["sacct", "-X", "-n", "-P", "-o", SACCT_FIELDS]
    if ids is not None:
        if not ids:
            return {}
        argv += ["-j", ",".join(format_id(i) for i in ids)]
    elif since is not None and since >= time.time():
        return {}  # nothing has ended in the future
    else:
        start = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(since or 0))
        argv += ["-S", start, "-u", str(os.getuid())]
    snapshots = {}
    for line in run(argv).splitlines():
        fields = line.split("|")
        if len(fields) < len(SNAPSHOT_KEYS) or "[" in fields[0]:
            continue  # pending array elements not yet split off are listed by squeue
        snap = _snapshot(fields, _exit_code(fields[7]))
        if snap["state"] in ("PENDING", "RUNNING", "SUSPENDED", "REQUEUED"):
            snap["waitstatus"] = None
        snapshots[snap["id"]] = snap
    return snapshots


def _exit_code(text: str) -> int | None:
    """sacct's ``EXIT:SIGNAL`` as a wait status."""
    code, _, signum = text.partition(":")
    if not code.isdigit():
        return None
    return int(signum) if signum.isdigit() and int(signum) else int(code) << 8


def _suffixed(fields: str) -> str:
    # a suffix after every field: values are never cut to a column width
    return ",".join(f"{name}:|" for name in fields.split(","))


def config() -> dict[str, str]:
    """``scontrol show config`` as a dict."""
    values = {}
    for line in run(["scontrol", "show", "config"]).splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values
