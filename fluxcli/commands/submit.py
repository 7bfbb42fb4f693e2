"""fxsub: enqueue jobs (``--cc`` copies), optionally waiting or watching."""

from __future__ import annotations

from fluxcli.errors import FluxcliError

from .base import Invocation, print_dry_run
from .pipeline import Copy, build_jobs


def copies(ns, command: list[str]) -> list[Copy]:
    """One jobspec per --cc/--bcc id (just one without them; the first one with --dry-run)."""
    from fluxcli.jobspec.recipes import submit_from_args

    from .replicate import cc_list, substitute

    out = []
    for cc in cc_list(ns):
        if cc is None:
            out.append(Copy(None, ns, submit_from_args(ns, list(command))))
        else:
            copy_ns, copy_cmd = substitute(ns, command, cc=cc)
            out.append(Copy(cc, copy_ns, submit_from_args(copy_ns, copy_cmd, copy=True)))
        if ns.dry_run:
            break
    return out


def handle(inv: Invocation) -> int:
    """Run fxsub."""
    if inv.ns.input is not None:
        from fluxcli.jobspec.idset import is_idset

        if is_idset(inv.ns.input):
            raise FluxcliError("per-task input not supported for submit")
    from .batch import script_directives

    script_directives(inv, inv.remainder)  # a script's #SBATCH lines, as fxbatch reads them
    jobs = build_jobs(inv, lambda ns: copies(ns, inv.remainder))
    if inv.ns.dry_run:
        return print_dry_run(jobs[0].jobspec)
    from .submitting import submit_many

    return submit_many(inv, jobs)
