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
        print(inv.handle.backend.format_id(jobid), flush=True)
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
        waiting = bool(ns.wait or ns.watch or ns.wait_event)
        bar = _submit_bar(inv, len(requests), waiting, start) if ns.progress else None
        done = 0
        shown: list[str] = []  # ids for the next print above the bar
        try:
            for batch in _batches(requests, bar is not None):
                results = backend.submit(batch)
                for copy, result in zip(copies[done:], results, strict=False):
                    out, err = streams(copy.ns)
                    if isinstance(result, Exception):
                        message = f"{inv.name}: error: {copy.label}{describe(result)}"
                        print(message, file=err, flush=True)
                        exit_code = 1
                        continue
                    jobid = JobID(result)
                    submitted.append((jobid, out, err))
                    if not ns.quiet:
                        _print_id(backend.format_id(jobid), out, bar, shown)
                if shown:  # above the bar, a batch at a time (each print redraws the bar)
                    bar.print("\n".join(shown))
                    shown.clear()
                done += len(batch)
                if bar is not None:
                    bar.submitted([int(j) for j, _, _ in submitted[-len(batch) :]])
        finally:
            if bar is not None:
                bar.close()
        if submitted and waiting:
            from .watcher import JobWatcher

            watcher = JobWatcher(inv, submitted, start)
            exit_code = max(exit_code, watcher.run())
    return exit_code


SUBMIT_BATCH = 256  # jobs a request, while a progress bar shows the submission


def _batches(requests: list, piecewise: bool):
    """All requests at once; with a bar, the first alone and then SUBMIT_BATCH at a time."""
    if not piecewise:
        yield requests
        return
    yield requests[:1]
    for start in range(1, len(requests), SUBMIT_BATCH):
        yield requests[start : start + SUBMIT_BATCH]


def _submit_bar(inv: Invocation, total: int, waiting: bool, start: float):
    """The bar shown while submitting (``--progress`` on a terminal)."""
    from fluxcli.views.progress import SubmitBar
    from fluxcli.views.terminal import Terminal

    terminal = Terminal(inv.name, color=getattr(inv.ns, "color", None))
    return SubmitBar(terminal.console, total, waiting, inv.ns.jps, start)


def _print_id(text: str, out, bar, shown: list[str]) -> None:
    """A new job's id on stdout (kept for one print above the bar when both are on the terminal)."""
    if bar is not None and out is sys.stdout:
        shown.append(text)
    else:
        print(text, file=out, flush=True)
