"""Exit codes and messages derived from job events (shared by fxrun, fxsub --wait, fx job status)."""

from __future__ import annotations

import signal


def signal_name(signum: int) -> str:
    """``Terminated`` style description of a signal."""
    try:
        return signal.strsignal(signum) or f"Signal {signum}"
    except ValueError:
        return f"Signal {signum}"


def finish_exit_code(status: int) -> int:
    """Process exit code for a job's finish wait status."""
    if status & 0x7F:
        return 128 + (status & 0x7F)
    return (status >> 8) & 0xFF


def finish_message(status: int) -> str | None:
    """What ``flux job attach`` says about a non-zero finish status."""
    if status & 0x7F:
        return f"job shell {signal_name(status & 0x7F)}"
    code = (status >> 8) & 0xFF
    if code > 128:
        return f"task(s) {signal_name(code - 128)}"
    if code > 0:
        return f"task(s) exited with exit code {code}"
    return None


class Outcome:
    """Follows one job's main events and computes its exit code."""

    def __init__(self) -> None:
        self.started = False
        self.status: int | None = None
        self.fatal: dict | None = None

    def update(self, event: dict) -> None:
        name = event["name"]
        context = event.get("context", {})
        if name == "start":
            self.started = True
        elif name == "finish":
            self.status = context.get("status", 0)
        elif name == "exception" and context.get("severity") == 0 and self.fatal is None:
            self.fatal = context

    @property
    def exit_code(self) -> int:
        if self.status is not None:
            code = finish_exit_code(self.status)
            if code == 0 and self.fatal is not None:
                return 1
            return code
        return 1 if self.fatal is not None else 0
