"""fxrun and fxalloc after submission: attach to the job, or wait for a nested instance (--bg)."""

from __future__ import annotations

import sys
import time

from fluxcli.errors import FluxcliError, describe

from .session import JobSession, SessionOptions


def stdin_ranks(value: str | None) -> list[int] | None:
    """``--input=IDSET`` names the task ranks that get stdin (None: all of them)."""
    if value is None:
        return None
    from fluxcli.jobspec.idset import is_idset, parse_idset

    return parse_idset(value) if is_idset(value) else None


def attach(inv, jobid, interactive: bool = False) -> int:
    """Attach to ``jobid`` until it is clean (or --wait-event); return its exit code."""
    ns = inv.ns
    options = SessionOptions(
        tool=inv.name,
        wait_event=getattr(ns, "wait_event", None) or "clean",
        verbose=getattr(ns, "verbose", 0),
        label_io=getattr(ns, "label_io", False),
        stdin=inv.stdin_mode == "pipe",
        stdin_ranks=stdin_ranks(getattr(ns, "input", None)),
        interactive=interactive,
        color=getattr(ns, "color", None),
    )
    return JobSession(inv.handle.backend, int(jobid), options).run()


def wait_instance_ready(inv, jobid) -> int:
    """fxalloc --bg: wait until the nested instance answers, then print its id on stdout."""
    backend = inv.handle.backend
    verbose = inv.ns.verbose
    t0 = time.time()

    def log(message: str, when: float) -> None:
        if verbose:
            print(f"{jobid}: {max(0.0, when - t0):6.3f}s: {message}", file=sys.stderr, flush=True)

    log("waiting for resources", t0)
    try:
        for event in backend.events([int(jobid)]):
            if event.name == "submit":
                t0 = event.timestamp
            elif event.name == "alloc":
                log("resources allocated", event.timestamp)
            elif event.name == "memo" and "uri" in event.context:
                log("waiting for instance", event.timestamp)
                break
            elif event.name == "clean":
                raise FluxcliError(f"{jobid}: unexpectedly exited")
        try:
            backend.instance_uri(int(jobid))
        except (OSError, FluxcliError) as exc:
            raise FluxcliError(f"Unable to connect to {jobid}: {describe(exc)}")
    except KeyboardInterrupt:
        print(f"\r{jobid}: Interrupt: canceling job", file=sys.stderr, flush=True)
        backend.cancel(int(jobid))
        return 1
    log("ready", time.time())
    print(jobid, flush=True)
    return 0
