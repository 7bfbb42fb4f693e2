"""Helpers shared by the small job-control commands (fxcancel, fx job, fx instance)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from fluxcli.errors import ExitCode, FluxcliError, describe


def run_tool(name: str, func: Callable[[], int]) -> int:
    """Run a tool body; errors become one ``NAME: error: ...`` line."""
    from .base import report

    try:
        return func()
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return report(name, exc)


def parse_jobid(text: str):
    """A JobID from any RFC 19 encoding, or a clear error."""
    from fluxcli.jobspec import JobID

    try:
        return JobID(text)
    except ValueError:
        raise FluxcliError(f"invalid job id '{text}'")


def click_run(command, argv: list[str], name: str) -> int:
    """Invoke a click command with our error format instead of click's."""
    import click

    try:
        result = command.main(args=argv, prog_name=name, standalone_mode=False)
        return int(result or 0)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        print(f"{name}: error: {exc.format_message()}", file=sys.stderr)
        return int(ExitCode.USAGE)
    except click.Abort:
        return 130
    except FluxcliError as exc:
        print(f"{name}: error: {describe(exc)}", file=sys.stderr)
        return int(exc.exit_code)
    except Exception as exc:
        from .base import report

        return report(name, exc)
