"""Domain errors and exit codes shared by every command."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of fluxcli commands."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    INTERRUPTED = 130  # a command ended by Ctrl-C (the shell's 128 + SIGINT)


class FluxcliError(Exception):
    """An error to report as one line; ``exit_code`` says how to exit."""

    exit_code = ExitCode.FAILURE


class UsageError(FluxcliError):
    """Bad command-line usage (exit 2)."""

    exit_code = ExitCode.USAGE


class BackendError(FluxcliError):
    """The backend refused a request or could not be reached."""


def describe(exc: BaseException) -> str:
    """One line describing ``exc`` the way the reference tools do."""
    if isinstance(exc, OSError) and exc.strerror and not isinstance(exc, BackendError):
        text = exc.strerror
        if exc.filename is not None:
            text += f": '{exc.filename}'"
        return text
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)
