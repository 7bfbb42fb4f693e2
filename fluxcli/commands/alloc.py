"""fxalloc: allocate resources and start a nested instance (interactive, command or --bg)."""

from __future__ import annotations

import sys

from .base import Invocation, preinit, print_dry_run


def handle(inv: Invocation) -> int:
    """Run fxalloc."""
    from .build import alloc_jobspec, batch_config

    inv.ns.conf = batch_config(inv.ns.conf)
    preinit(inv)
    command = (["--"] if inv.dashdash else []) + list(inv.remainder)
    jobspec = alloc_jobspec(inv.ns, command)
    if inv.ns.dry_run:
        return print_dry_run(jobspec)
    from .attach import attach, wait_instance_ready
    from .submitting import submit_one

    inv.stdin_mode = "null" if inv.ns.bg else "pipe"
    jobid = submit_one(inv, jobspec, stdin=inv.stdin_mode)
    if inv.ns.bg:
        return wait_instance_ready(inv, jobid)
    if inv.ns.verbose:
        print(f"jobid: {jobid}", file=sys.stderr, flush=True)
    return attach(inv, jobid, interactive=not command)
