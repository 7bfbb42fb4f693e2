"""Managing the per-user local instance (``fx instance``): start, stop, status."""

from __future__ import annotations

import time

from .client import NotRunningError, connect, default_state_dir


def start() -> None:
    """Start the instance unless it runs (it also starts by itself on first use)."""
    connect().call("ping")


def stop(timeout: float = 15.0) -> bool:
    """Stop the instance and wait for its process to exit; False when it was not running."""
    try:
        conn = connect(start=False)
    except NotRunningError:  # anything else (an unsafe state directory...) is an error
        return False
    pid = conn.call("status")["pid"]
    conn.call("shutdown")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _running(pid):
        time.sleep(0.02)
    return True


def status(uri: str | None = None) -> dict:
    """The instance's pid, URI, state directory, resources and job counts.

    ``{"running": False, "state_dir": ...}`` when no instance runs.
    """
    try:
        info = connect(uri, start=False).call("status")
    except NotRunningError:
        return {"running": False, "state_dir": default_state_dir()}
    info["running"] = True
    return info


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
