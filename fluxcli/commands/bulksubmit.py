"""fxbulksubmit: one job per combination of inputs (``:::`` lists, ``::::`` files, stdin)."""

from __future__ import annotations

import random

from fluxcli.errors import FluxcliError

from .base import Invocation, preinit
from .bulkinput import LIST_SENTINEL, InputString, combinations, compile_defines, parse_groups


def _expand_lists(command: list[str]) -> list[str]:
    out = []
    for word in command:
        out.extend(word.split(LIST_SENTINEL) if LIST_SENTINEL in word else [word])
    return out


def handle(inv: Invocation) -> int:
    """Run fxbulksubmit."""
    from .build import submit_jobspec
    from .replicate import describe_changes, substitute
    from .submit import cc_list

    ns = inv.ns
    preinit(inv)
    InputString.methods = compile_defines(ns.define)
    command, lists = parse_groups(list(inv.remainder), ns.sep)
    rows = combinations(lists)
    if ns.shuffle:
        random.shuffle(rows)
    if not rows:
        raise FluxcliError("no jobs provided for bulk submission")
    ns.rlimit, ns.add_file = [], []  # as the reference: only "mutable" options reach bulk jobs
    jobs = []
    for seq, row in enumerate(rows):
        inputs = tuple(InputString(v) for v in row)
        job_ns, job_cmd = substitute(ns, command, *inputs, seq=seq, seq1=seq + 1, cc="{cc}")
        job_cmd = _expand_lists(job_cmd)
        for cc in cc_list(job_ns):
            if cc is None:
                copy_ns, copy_cmd = substitute(job_ns, job_cmd, cc="")
            else:
                copy_ns, copy_cmd = substitute(job_ns, job_cmd, cc=cc)
            if ns.dry_run or ns.verbose:
                print(f"bulksubmit: submit {describe_changes(job_ns, job_cmd)}", flush=True)
            if ns.dry_run:
                break
            jobspec = submit_jobspec(copy_ns, copy_cmd, "bulksubmit")
            if cc is not None and copy_ns.cc:
                jobspec.environment["FLUX_JOB_CC"] = str(cc)
            jobs.append((cc, copy_ns, jobspec))
    if ns.dry_run:
        return 0
    from .submitting import submit_many

    return submit_many(inv, jobs)
