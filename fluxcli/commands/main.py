"""Console entry points. Importing this module loads nothing heavy (no click, rich, pluggy)."""

from __future__ import annotations

import importlib
import sys

from fluxcli.manlinks import link_man_pages

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
    "pgrep": ("fluxcli.commands.pgrep", "pgrep_main"),
    "pkill": ("fluxcli.commands.pgrep", "pkill_main"),
    "watch": ("fluxcli.commands.watch", "watch_main"),
    "resource": ("fluxcli.commands.resource", "resource_main"),
    "uri": ("fluxcli.commands.uri", "uri_main"),
    "completion": ("fluxcli.commands.completion", "completion_main"),
    "top": ("fluxcli.commands.top", "top_main"),
}


def _submitter(prog: str, argv: list[str]) -> int:
    name, module = SUBMITTERS[prog]
    handler = importlib.import_module(f"fluxcli.commands.{module}").handle
    from .base import run_command

    return run_command(prog, name, argv, handler)


def _tool(name: str, argv: list[str]) -> int:
    module, func = TOOLS[name]
    return getattr(importlib.import_module(module), func)(argv)


def _version(prog: str, argv: list[str]) -> bool:
    """``PROG --version``: print the version and say so (True)."""
    if argv[:1] != ["--version"]:
        return False
    from fluxcli import __version__

    print(f"{prog} (fluxcli) {__version__}")
    return True


def fx_main() -> None:
    """``fx SUBCOMMAND ...``: every tool under one command."""
    link_man_pages("fx")
    argv = sys.argv[1:]
    if _version("fx", argv) or (argv and _version(f"fx {argv[0]}", argv[1:])):
        sys.exit(0)
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


def _entry(run, name: str):
    """A console-script function running ``run(name, argv)``."""

    def main() -> None:
        prog = SUBMITTERS[name][0] if name in SUBMITTERS else f"fx{name}"
        link_man_pages(prog)
        if _version(prog, sys.argv[1:]):
            sys.exit(0)
        sys.exit(run(name, sys.argv[1:]))

    main.__doc__ = f"Entry point of the ``{name}`` command."
    return main


fxsub_main = _entry(_submitter, "submit")
fxrun_main = _entry(_submitter, "run")
fxbatch_main = _entry(_submitter, "batch")
fxalloc_main = _entry(_submitter, "alloc")
fxbulksubmit_main = _entry(_submitter, "bulksubmit")
fxcancel_main = _entry(_tool, "cancel")
fxjobs_main = _entry(_tool, "jobs")
fxwatch_main = _entry(_tool, "watch")
