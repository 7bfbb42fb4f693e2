"""fxbatch: submit a batch script as the initial program of a new instance."""

from __future__ import annotations

import sys

from fluxcli.errors import FluxcliError, UsageError

from .base import Invocation, print_dry_run
from .pipeline import single


def read_script(inv: Invocation) -> tuple[str, str, list[str], bool]:
    """Return (script text, where it came from, script args, scan directives).

    The source is the script's path as given, or ``stdin``.
    """
    from fluxcli.jobspec.recipes import wrap_script

    ns, script_args = inv.ns, list(inv.remainder)
    if ns.wrap and script_args:
        return wrap_script(" ".join(script_args) + "\n"), script_args[0], script_args[1:], False
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
    return (wrap_script(text) if ns.wrap else text), "stdin", [], True


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
    from fluxcli.jobspec.conf import as_batch_config
    from fluxcli.jobspec.recipes import batch_from_args

    text, source, args, scan = read_script(inv)
    if scan:
        apply_directives(inv, text, source)
    # plugins may call args.conf.update() in preinit, as in Flux
    inv.ns.conf = as_batch_config(inv.ns.conf)
    # the job is named after the script as given (``batch`` for stdin) unless --job-name says
    name = inv.remainder[0] if inv.remainder else "batch"
    jobspec = single(inv, lambda ns: batch_from_args(ns, text, name, args))
    if inv.ns.dry_run:
        return print_dry_run(jobspec)
    from .submitting import submit_and_report

    return submit_and_report(inv, jobspec, print_id=not inv.ns.quiet)
