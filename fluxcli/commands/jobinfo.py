"""``fx job info``, ``fx job last`` and ``fx job wait``: what a job is and how it ended."""

from __future__ import annotations

import errno
import json
import sys

import click

from fluxcli.errors import FluxcliError

from .jobctl import LOOSE, usage_exit
from .tools import backend_jobid, open_backend

# info keys that are eventlogs -> the backend's log name
LOG_KEYS = {
    "eventlog": "eventlog",
    "guest.exec.eventlog": "exec",
    "guest.output": "output",
    "guest.input": "input",
}
# keys beyond the reference: what the job record holds
RECORD_KEYS = ("record", "output_paths", "accounting")
INFO_USAGE = """\
Usage: fx job info id key
some useful keys are:
  R                    - allocated resources
  eventlog             - primary job eventlog
  jobspec              - job specification
  guest.exec.eventlog  - execution eventlog
  guest.input          - job input log
  guest.output         - job output log
  record               - the job's record (JSON, as fxjobs --json)
  output_paths         - the files the job's output went to, one a line
  accounting           - CPU time (s) and peak memory (bytes) of the job
Use fx job info -h to list available options"""


def info_value(backend, jobid: int, key: str, original: bool = False) -> str | None:
    """The text ``fx job info`` prints for ``key`` (None: no such key)."""
    if key == "jobspec":
        spec = backend.jobspec(jobid)
        if spec is not None and not original:  # as Flux keeps it: the environment left out
            spec.get("attributes", {}).get("system", {}).pop("environment", None)
        return None if spec is None else json.dumps(spec)
    if key == "R":
        rset = backend.resource_set(jobid)
        return None if rset is None else json.dumps(rset)
    if key in LOG_KEYS:
        lines = [
            json.dumps(e.to_dict(), separators=(",", ":"))
            for e in backend.events([jobid], LOG_KEYS[key], follow=False)
        ]
        return "".join(line + "\n" for line in lines)
    if key in RECORD_KEYS:
        record = backend.info(jobid)
        if key == "record":
            return json.dumps(record.to_dict(), separators=(",", ":"))
        if key == "output_paths":
            return "\n".join(record.output_paths)
        return json.dumps({"cputime": record.cputime, "maxrss": record.maxrss})
    return None


@click.command(context_settings=LOOSE)
@click.option(
    "-o", "--original", is_flag=True, help="The jobspec as submitted (with its environment)"
)
@click.option("-b", "--base", is_flag=True, help="Accepted: jobspecs and R are never updated here")
@click.argument("args", nargs=-1)
def info(original, base, args):
    """Print a job's jobspec, R, eventlogs or record: ID KEY."""
    if len(args) != 2:
        print(INFO_USAGE, file=sys.stderr)
        return 1
    text, key = args
    backend = open_backend()
    jobid = backend_jobid(backend, text)
    if backend.info(jobid) is None:
        raise FluxcliError("invalid job id")
    value = info_value(backend, jobid, key, original)
    if value is None:
        raise FluxcliError(f"{key}: key not found")
    print(value)
    return 0


def parse_slice(text: str) -> slice:
    """``N`` (the last N) or a python-style ``[start:stop[:step]]``."""
    if "[" not in text:
        if not text.isdigit():
            raise click.UsageError(text)
        return slice(None, int(text))
    bad = FluxcliError("could not parse python-style slice expression")
    inner = text.strip()
    if not (inner.startswith("[") and inner.endswith("]")):
        raise bad
    parts = inner[1:-1].split(":")
    if not 2 <= len(parts) <= 3:
        raise bad
    try:
        values = [int(p) if p.strip() else None for p in parts]
    except ValueError:
        raise bad from None
    if len(values) == 3 and values[2] == 0:
        raise bad
    return slice(*values)


@click.command(context_settings=LOOSE)
@click.argument("args", nargs=-1)
def last(args):
    """Print your most recently submitted job ids: [N | [start:stop:step]]."""
    from fluxcli.backends.contract import JobFilter

    if len(args) > 1:
        return usage_exit()
    try:
        wanted = parse_slice(args[0] if args else "1")
    except click.UsageError:
        return usage_exit()
    backend = open_backend()
    simple = wanted.start is None and wanted.step is None and (wanted.stop or 0) > 0
    history = backend.list_jobs(JobFilter(limit=wanted.stop if simple else 0))
    chosen = history[wanted]
    if not chosen:
        raise FluxcliError("job history is empty")
    for record in chosen:
        print(backend.format_id(record.id))
    return 0


NOT_WAITABLE = "invalid job id, or job may be inactive and not waitable"


@click.command(context_settings=LOOSE)
@click.option("-a", "--all", "every", is_flag=True, help="Wait for all waitable jobs")
@click.option("-v", "--verbose", is_flag=True, help="A line for every job, not just failed ones")
@click.argument("args", nargs=-1)
def wait(every, verbose, args):
    """Wait for a waitable job (or the next, or --all) to finish; exit 1 if one failed."""
    if len(args) > 1:
        return usage_exit()
    backend = open_backend()
    jobid = None
    if args:
        jobid = backend_jobid(backend, args[0])
        if every:
            raise FluxcliError("jobid not supported with --all: No such file or directory")
    if every:
        return wait_all(backend, verbose)
    try:
        done, success, errstr = backend.wait(jobid)
    except OSError as exc:
        message = exc.strerror or str(exc)
        if jobid is not None:
            from fluxcli.jobspec.status import SubmitFlag

            record = backend.info(jobid)
            waitable = record is not None and record.flags & SubmitFlag.WAITABLE
            active = record is not None and record.active and not waitable
            message = "job was not submitted with FLUX_JOB_WAITABLE" if active else NOT_WAITABLE
        print(f"fx job: error: {message}", file=sys.stderr)
        return 2
    if jobid is None:
        print(backend.format_id(done), flush=True)
    if not success:
        raise FluxcliError(errstr)
    return 0


def wait_all(backend, verbose: bool) -> int:
    """Consume every waitable job's result: a line for each failure (each job with -v)."""
    failed = 0
    while True:
        try:
            done, success, errstr = backend.wait(None)
        except OSError as exc:
            if exc.errno == errno.ECHILD:  # no more waitable jobs
                return failed
            raise
        name = backend.format_id(done)
        if not success:
            failed = 1
            print(f"{name}: {errstr}", file=sys.stderr, flush=True)
        elif verbose:
            print(f"{name}: job completed successfully", file=sys.stderr, flush=True)
