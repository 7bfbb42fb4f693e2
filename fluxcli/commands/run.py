"""fxrun: submit a job, attach to it (stream output, forward stdin), exit with its status."""

from __future__ import annotations

import sys

from .base import Invocation, print_dry_run
from .pipeline import single


def handle(inv: Invocation) -> int:
    """Run fxrun."""
    from fluxcli.jobspec.recipes import submit_from_args

    jobspec = single(inv, lambda ns: submit_from_args(ns, list(inv.remainder)))
    if inv.ns.dry_run:
        return print_dry_run(jobspec)
    from .attach import attach
    from .submitting import submit_one

    inv.stdin_mode = "null" if jobspec.stdin else "pipe"
    jobid = submit_one(inv, jobspec, stdin=inv.stdin_mode)
    if inv.ns.verbose:
        print(f"jobid: {inv.handle.backend.format_id(jobid)}", file=sys.stderr, flush=True)
    return attach(inv, jobid)
