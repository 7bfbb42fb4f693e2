"""fxalloc: allocate resources and start a nested instance (interactive, command or --bg)."""

from __future__ import annotations

import sys

from .base import Invocation, print_dry_run
from .pipeline import single


def handle(inv: Invocation) -> int:
    """Run fxalloc."""
    from fluxcli.jobspec.conf import as_batch_config
    from fluxcli.jobspec.recipes import alloc_from_args

    # plugins may call args.conf.update() in preinit, as in Flux
    inv.ns.conf = as_batch_config(inv.ns.conf)
    command = (["--"] if inv.dashdash else []) + list(inv.remainder)
    interactive = sys.stdin.isatty()
    jobspec = single(inv, lambda ns: alloc_from_args(ns, command, interactive=interactive))
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
