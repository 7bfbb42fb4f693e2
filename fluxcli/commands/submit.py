"""fxsub: enqueue jobs (``--cc`` copies), optionally waiting or watching."""

from __future__ import annotations

from fluxcli.errors import FluxcliError

from .base import Invocation, preinit, print_dry_run


def cc_list(ns) -> list[int | None]:
    """The copy ids of --cc/--bcc, or ``[None]`` for a single job."""
    from fluxcli.jobspec.idset import parse_idset

    if ns.cc and ns.bcc:
        raise FluxcliError("specify only one of --cc or --bcc")
    value = ns.cc or ns.bcc
    return parse_idset(value) if value else [None]


def build_copies(inv: Invocation, command: list[str], prog: str) -> list:
    """One jobspec per --cc/--bcc id (just one without them)."""
    from .build import submit_jobspec
    from .replicate import substitute

    ns = inv.ns
    ids = cc_list(ns)
    if ids != [None]:
        # the reference applies only the "mutable" options to copies: default
        # rlimits and no --add-file files (see inventory §2.2)
        ns.rlimit, ns.add_file = [], []
    jobspecs = []
    for cc in ids:
        if cc is None:
            copy_ns, copy_cmd = ns, list(command)
        else:
            copy_ns, copy_cmd = substitute(ns, command, cc=cc)
        jobspec = submit_jobspec(copy_ns, copy_cmd, prog)
        if cc is not None and ns.cc:
            jobspec.environment["FLUX_JOB_CC"] = str(cc)
        jobspecs.append((cc, copy_ns, jobspec))
        if ns.dry_run:
            break
    return jobspecs


def handle(inv: Invocation) -> int:
    """Run fxsub."""
    preinit(inv)
    if inv.ns.input is not None:
        from fluxcli.jobspec.idset import is_idset

        if is_idset(inv.ns.input):
            raise FluxcliError("per-task input not supported for submit")
    copies = build_copies(inv, inv.remainder, "submit")
    if inv.ns.dry_run:
        return print_dry_run(copies[0][2])
    from .submitting import submit_many

    return submit_many(inv, copies)
