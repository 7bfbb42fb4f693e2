"""The shared skeleton of every submission command: parse, build, submit, report."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from types import SimpleNamespace

from fluxcli.errors import ExitCode, FluxcliError, UsageError, describe

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import Any


class Invocation:
    """Everything a command handler needs about one run of the command."""

    def __init__(
        self, prog: str, name: str, ns: SimpleNamespace, parsed: Any, registry: Any, command: Any
    ):
        self.prog, self.name, self.ns = prog, name, ns
        self.parsed, self.registry, self.command = parsed, registry, command
        self.handle: Any = None
        self.stdin_mode = "null"

    @property
    def remainder(self) -> list[str]:
        """The words after the options: the command (or script) and its arguments."""
        return self.parsed.remainder

    @property
    def dashdash(self) -> bool:
        """True when ``--`` ended the options."""
        return self.parsed.dashdash


def report(name: str, exc: BaseException) -> int:
    """Print ``exc`` as one line (a traceback only with FX_DEBUG=1); return the exit code."""
    if os.environ.get("FX_DEBUG"):
        import traceback

        traceback.print_exception(exc)
    if isinstance(exc, FluxcliError):
        print(f"{name}: error: {describe(exc)}", file=sys.stderr)
        return int(exc.exit_code)
    if isinstance(exc, (ValueError, TypeError, OSError, KeyError, LookupError)):
        print(f"{name}: error: {describe(exc)}", file=sys.stderr)
        return int(ExitCode.FAILURE)
    print(
        f"{name}: error: internal error: {type(exc).__name__}: {exc} (FX_DEBUG=1 shows details)",
        file=sys.stderr,
    )
    return int(ExitCode.FAILURE)


def _show_help(inv_name: str, command, topic: str | None, registry) -> int:
    import click

    if topic is None:
        ctx = click.Context(command, info_name=inv_name)
        click.echo(command.get_help(ctx))
        return 0
    try:
        registry.print_help(topic)
    except ValueError as exc:
        raise FluxcliError(str(exc))
    return 0


def run_command(prog: str, name: str, argv: list[str], handler: Callable[[Invocation], int]) -> int:
    """Parse ``argv`` for ``prog`` and run ``handler``; return the exit code."""
    from fluxcli.plugins.registry import CLIPluginRegistry

    from .cli import build_command
    from .parsing import parse

    try:
        registry = CLIPluginRegistry.get(prog)
        command = build_command(prog, name, registry)
        parsed = parse(command, argv, name)
        if parsed.want_help:
            return _show_help(name, command, parsed.help_topic, registry)
        from .namespace import merge

        ns = merge([parsed])
        if ns.list_plugins:
            print(registry.plugins_text())
            return 0
        inv = Invocation(prog, name, ns, parsed, registry, command)
        return handler(inv)
    except KeyboardInterrupt:
        return int(ExitCode.INTERRUPTED)
    except UsageError as exc:
        return report(name, exc)
    except Exception as exc:
        return report(name, exc)


def print_dry_run(jobspec) -> int:
    """Print a jobspec as the reference's --dry-run does and return 0."""
    sys.stdout.write(jobspec.dumps() + "\n")
    sys.stdout.flush()
    return 0
