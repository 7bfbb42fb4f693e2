"""fxbatch: submit a batch script as the initial program of a new instance."""

from __future__ import annotations

import sys

from fluxcli.errors import FluxcliError, UsageError

from .base import Invocation, preinit, print_dry_run


def read_script(inv: Invocation) -> tuple[str, str, list[str], bool]:
    """Return (script text, job name, script args, scan directives)."""
    ns, script_args = inv.ns, list(inv.remainder)
    if ns.wrap and script_args:
        return "#!/bin/sh\n" + " ".join(script_args) + "\n", script_args[0], script_args[1:], False
    if script_args:
        path = script_args[0]
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError as exc:
            raise OSError(exc.errno, exc.strerror, path)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise FluxcliError(
                f"{path} does not appear to be a script, or failed to encode as utf-8"
            )
        return text, path, script_args[1:], True
    if sys.stdin.isatty():
        print("fxbatch: reading batch script from stdin (Ctrl-D to end)", file=sys.stderr)
    text = sys.stdin.read()
    if ns.wrap:
        text = "#!/bin/sh\n" + text
    return text, "batch", [], True


def apply_directives(inv: Invocation, text: str, name: str) -> None:
    """Apply RFC 36 directives of the script; the command line wins for scalars."""
    from fluxcli.jobspec.directives import parse_directives

    from .namespace import merge
    from .parsing import parse

    try:
        directives = parse_directives(text)
    except ValueError as exc:
        raise FluxcliError(f"{name}: {exc}")
    parses = []
    for item in directives:
        if item.action != "SETARGS":
            continue
        try:
            parsed = parse(inv.command, item.args, inv.name)
        except UsageError as exc:
            raise UsageError(f"argument parsing failed at {name} line {item.lineno}: {exc}")
        if parsed.remainder:
            raise UsageError(
                f"argument parsing failed at {name} line {item.lineno}: unexpected argument {parsed.remainder[0]}"
            )
        parses.append(parsed)
    if parses:
        inv.ns = merge(parses + [inv.parsed])  # the command line wins


def handle(inv: Invocation) -> int:
    """Run fxbatch."""
    from .build import batch_config, batch_jobspec

    text, name, args, scan = read_script(inv)
    if scan:
        apply_directives(inv, text, name)
    jobname = inv.ns.job_name or name
    inv.ns.conf = batch_config(inv.ns.conf)
    preinit(inv)
    jobspec = batch_jobspec(inv.ns, text, jobname, args)
    if inv.ns.dry_run:
        return print_dry_run(jobspec)
    from .submitting import submit_and_report

    return submit_and_report(inv, [jobspec], print_ids=not inv.ns.quiet)
