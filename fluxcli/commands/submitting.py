"""Submitting built jobspecs through the selected backend and reporting ids."""

from __future__ import annotations

from fluxcli.errors import FluxcliError, describe
from fluxcli.jobspec.rlimits import list_split

from .base import Invocation

FLAG_BITS = {"debug": 2, "waitable": 4, "novalidate": 8}
URGENCY_NAMES = {"hold": 0, "default": 16, "expedite": 31}


def parse_flags(values) -> int:
    """``--flags=debug,waitable`` to the submit flag bits."""
    flags = 0
    for name in list_split(values):
        if name not in FLAG_BITS:
            raise FluxcliError(f"--flags: Unknown flag {name}")
        flags |= FLAG_BITS[name]
    return flags


def parse_urgency(value: str) -> int:
    """``--urgency``: 0-31 or hold/default/expedite."""
    if value in URGENCY_NAMES:
        return URGENCY_NAMES[value]
    try:
        return int(value)
    except ValueError:
        raise FluxcliError(
            f"--urgency: invalid value '{value}' (use 0-31, hold, default or expedite)"
        )


def open_handle():
    """A handle on the selected backend (errors become one clear line)."""
    from fluxcli.job.handle import Handle

    return Handle()


def _validate(inv: Invocation, jobspecs) -> None:
    for jobspec in jobspecs:
        try:
            inv.registry.validate(jobspec)
        except (ValueError, TypeError) as exc:
            raise FluxcliError(str(exc))


def submit_one(inv: Invocation, jobspec, stdin: str = "null"):
    """Validate and submit one jobspec; return its JobID."""
    from fluxcli.backends.contract import SubmitRequest
    from fluxcli.jobspec import JobID

    flags, urgency = parse_flags(inv.ns.flags), parse_urgency(inv.ns.urgency)
    _validate(inv, [jobspec])
    inv.handle = open_handle()
    backend = inv.handle.backend
    backend.check(jobspec)
    try:
        [result] = backend.submit([SubmitRequest(jobspec, urgency, flags, stdin)])
    except OSError as exc:
        raise FluxcliError(describe(exc))
    if isinstance(result, Exception):
        raise FluxcliError(describe(result))
    return JobID(result)


def submit_and_report(inv: Invocation, jobspecs, print_ids: bool = True) -> int:
    """Submit and print each id (F58) on stdout."""
    jobid = submit_one(inv, jobspecs[0])
    if print_ids:
        print(jobid, flush=True)
    return 0


def submit_many(inv: Invocation, copies) -> int:
    """fxsub/fxbulksubmit: submit every copy, print ids, then wait or watch if asked."""
    from fluxcli.backends.contract import SubmitRequest
    from fluxcli.jobspec import JobID

    from .logs import redirect_logs

    ns = inv.ns
    flags, urgency = parse_flags(ns.flags), parse_urgency(ns.urgency)
    _validate(inv, [js for _, _, js in copies])
    inv.handle = open_handle()
    exit_code = 0
    submitted = []
    import time

    start = time.time()
    with redirect_logs(copies, ns) as streams:
        backend = inv.handle.backend
        for _, _, js in copies:  # refused before anything is submitted
            backend.check(js)
        results = backend.submit([SubmitRequest(js, urgency, flags, "pipe") for _, _, js in copies])
        for (cc, copy_ns, _), result in zip(copies, results, strict=True):
            out, err = streams(copy_ns)
            label = f"cc={cc}: " if cc is not None else ""
            if isinstance(result, OSError):
                print(f"{inv.name}: error: {label}{describe(result)}", file=err, flush=True)
                exit_code = 1
                continue
            jobid = JobID(result)
            submitted.append((jobid, out, err))
            if not ns.quiet:
                print(jobid, file=out, flush=True)
        if submitted and (ns.wait or ns.watch or ns.wait_event):
            from .watcher import JobWatcher

            watcher = JobWatcher(inv, submitted, start)
            exit_code = max(exit_code, watcher.run())
    return exit_code
