"""fxbulksubmit: one job per combination of inputs (``:::`` lists, ``::::`` files, stdin)."""

from __future__ import annotations

import random

from fluxcli.errors import FluxcliError

from .base import Invocation
from .bulkinput import LIST_SENTINEL, InputString, combinations, compile_defines, parse_groups
from .pipeline import Copy, build_jobs


def _expand_lists(command: list[str]) -> list[str]:
    out = []
    for word in command:
        out.extend(word.split(LIST_SENTINEL) if LIST_SENTINEL in word else [word])
    return out


def jobs(ns, remainder: list[str]) -> list[Copy]:
    """Every job of the command line (printed, not built, with --dry-run)."""
    from fluxcli.jobspec.recipes import submit_from_args

    from .replicate import cc_list, describe_changes, substitute

    InputString.methods = compile_defines(ns.define)
    command, lists = parse_groups(list(remainder), ns.sep)
    # {seq} numbers the jobs in input order, before any --shuffle (as in Flux)
    rows = list(enumerate(combinations(lists)))
    if ns.shuffle:
        random.shuffle(rows)
    if not rows:
        raise FluxcliError("no jobs provided for bulk submission")
    out = []
    for seq, row in rows:
        inputs = tuple(InputString(v) for v in row)
        job_ns, job_cmd = substitute(ns, command, *inputs, seq=seq, seq1=seq + 1, cc="{cc}")
        job_cmd = _expand_lists(job_cmd)
        for cc in cc_list(job_ns):
            if ns.dry_run or ns.verbose:
                print(f"bulksubmit: submit {describe_changes(job_ns, job_cmd)}", flush=True)
            if ns.dry_run:
                break
            copy_ns, copy_cmd = substitute(job_ns, job_cmd, cc="" if cc is None else cc)
            # only the "mutable" options reach bulk jobs, as in Flux (see inventory §2.2)
            out.append(Copy(cc, copy_ns, submit_from_args(copy_ns, copy_cmd, copy=True)))
    return out


def handle(inv: Invocation) -> int:
    """Run fxbulksubmit."""
    built = build_jobs(inv, lambda ns: jobs(ns, inv.remainder))
    if inv.ns.dry_run:
        return 0
    from .submitting import submit_many

    return submit_many(inv, built)
