"""Console entry points. Importing this module loads nothing heavy (no click, rich, pluggy)."""

from __future__ import annotations

import importlib
import sys

SUBMITTERS = {
    "submit": ("fxsub", "submit"),
    "run": ("fxrun", "run"),
    "batch": ("fxbatch", "batch"),
    "alloc": ("fxalloc", "alloc"),
    "bulksubmit": ("fxbulksubmit", "bulksubmit"),
}
# other fx subcommands: name -> (module, function)
TOOLS = {
    "cancel": ("fluxcli.commands.control", "cancel_main"),
    "job": ("fluxcli.commands.jobcmd", "job_main"),
    "instance": ("fluxcli.commands.instance", "instance_main"),
    "jobs": ("fluxcli.commands.jobs", "jobs_main"),
    "watch": ("fluxcli.commands.watch", "watch_main"),
}


def _submitter(prog: str, argv: list[str]) -> int:
    name, module = SUBMITTERS[prog]
    handler = importlib.import_module(f"fluxcli.commands.{module}").handle
    from .base import run_command

    return run_command(prog, name, argv, handler)


def _tool(name: str, argv: list[str]) -> int:
    module, func = TOOLS[name]
    return getattr(importlib.import_module(module), func)(argv)


def fx_main() -> None:
    """``fx SUBCOMMAND ...``: every tool under one command."""
    argv = sys.argv[1:]
    if not argv or argv[0] in ("-h", "--help", "help"):
        print("Usage: fx COMMAND [ARGS...]\n\nCommands: " + ", ".join([*SUBMITTERS, *TOOLS]))
        sys.exit(0 if argv else 2)
    name, rest = argv[0], argv[1:]
    if name in SUBMITTERS:
        sys.exit(_submitter(name, rest))
    if name in TOOLS:
        sys.exit(_tool(name, rest))
    print(f"fx: error: unknown command '{name}'", file=sys.stderr)
    sys.exit(2)


def fxsub_main() -> None:
    """``fxsub``."""
    sys.exit(_submitter("submit", sys.argv[1:]))


def fxrun_main() -> None:
    """``fxrun``."""
    sys.exit(_submitter("run", sys.argv[1:]))


def fxbatch_main() -> None:
    """``fxbatch``."""
    sys.exit(_submitter("batch", sys.argv[1:]))


def fxalloc_main() -> None:
    """``fxalloc``."""
    sys.exit(_submitter("alloc", sys.argv[1:]))


def fxbulksubmit_main() -> None:
    """``fxbulksubmit``."""
    sys.exit(_submitter("bulksubmit", sys.argv[1:]))


def fxcancel_main() -> None:
    """``fxcancel``."""
    sys.exit(_tool("cancel", sys.argv[1:]))


def fxjobs_main() -> None:
    """``fxjobs``."""
    sys.exit(_tool("jobs", sys.argv[1:]))


def fxwatch_main() -> None:
    """``fxwatch``."""
    sys.exit(_tool("watch", sys.argv[1:]))
