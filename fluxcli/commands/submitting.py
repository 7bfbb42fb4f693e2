"""Submitting built jobspecs through the selected backend and reporting ids."""

from __future__ import annotations

import sys
import time

from fluxcli.errors import FluxcliError, UsageError, describe
from fluxcli.jobspec.status import parse_flags, parse_urgency

from .base import Invocation
from .pipeline import Copy
from .tools import open_backend


class BackendHandle:
    """What a submitting command holds: the selected backend (``.backend``)."""

    def __init__(self, backend: str | None = None):
        self.backend = open_backend(backend)

    def close(self) -> None:
        self.backend.close()


def open_handle(backend: str | None = None) -> BackendHandle:
    """A handle on the backend ``--backend`` names, else the one the environment selects."""
    return BackendHandle(backend)


def _refuse_unsupported(inv: Invocation) -> None:
    # an option no backend here can honour is refused, never silently dropped;
    # a bad view option too, before anything is submitted
    color = getattr(inv.ns, "color", None)
    if color not in (None, "auto", "always", "never"):
        raise UsageError(f"invalid --color value '{color}' (use auto, always or never)")
    if getattr(inv.ns, "dump", None):
        name = getattr(inv.handle.backend, "name", "") or "selected"
        raise FluxcliError(
            f"--dump: the {name} backend cannot archive a nested instance's content "
            "(drop --dump, or use --dry-run to see the jobspec)"
        )


def submit_one(inv: Invocation, jobspec, stdin: str = "null"):
    """Submit one built (and validated) jobspec; return its JobID."""
    from fluxcli.backends.contract import SubmitRequest
    from fluxcli.jobspec import JobID

    flags, urgency = parse_flags(inv.ns.flags), parse_urgency(inv.ns.urgency)
    inv.handle = open_handle(getattr(inv.ns, "backend", None))
    _refuse_unsupported(inv)
    backend = inv.handle.backend
    backend.check(jobspec)
    try:
        [result] = backend.submit([SubmitRequest(jobspec, urgency, int(flags), stdin)])
    except OSError as exc:
        raise FluxcliError(describe(exc))
    if isinstance(result, Exception):
        raise FluxcliError(describe(result))
    return JobID(result)


def submit_and_report(inv: Invocation, jobspec, print_id: bool = True) -> int:
    """Submit one jobspec and print its id (F58) on stdout."""
    jobid = submit_one(inv, jobspec)
    if print_id:
        print(jobid, flush=True)
    return 0


def submit_many(inv: Invocation, copies: list[Copy]) -> int:
    """fxsub/fxbulksubmit: submit every copy, print ids, then wait or watch if asked."""
    from fluxcli.backends.contract import SubmitRequest
    from fluxcli.jobspec import JobID

    from .logs import redirect_logs

    ns = inv.ns
    flags, urgency = parse_flags(ns.flags), parse_urgency(ns.urgency)
    if ns.progress and not sys.stdout.isatty():
        print(
            f"{inv.name}: warning: stdout is not a tty. Ignoring --progress option", file=sys.stderr
        )
        ns.progress = False
    inv.handle = open_handle(getattr(inv.ns, "backend", None))
    exit_code = 0
    submitted = []
    start = time.time()
    with redirect_logs(copies, ns) as streams:
        backend = inv.handle.backend
        for copy in copies:  # refused before anything is submitted
            backend.check(copy.jobspec)
        requests = [SubmitRequest(copy.jobspec, urgency, int(flags), "pipe") for copy in copies]
        results = backend.submit(requests)
        for copy, result in zip(copies, results, strict=True):
            out, err = streams(copy.ns)
            if isinstance(result, Exception):
                print(f"{inv.name}: error: {copy.label}{describe(result)}", file=err, flush=True)
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
