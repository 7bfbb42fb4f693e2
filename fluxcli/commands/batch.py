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


def apply_directives(inv: Invocation, text: str, name: str, sbatch_only: bool = False) -> None:
    """Apply the script's ``#SBATCH`` and RFC 36 directives; the command line wins for scalars.

    ``sbatch_only``: ``#SBATCH`` lines alone (fxsub running a script).
    """
    from fluxcli.jobspec.directives import parse_directives
    from fluxcli.jobspec.sbatch import sbatch_directives

    from .namespace import merge
    from .parsing import parse

    try:
        directives = sbatch_directives(text)  # Slurm's first: RFC 36 directives override them
        sbatch_lines = {lineno for lineno, _ in directives}
        if not sbatch_only:
            directives += [
                (d.lineno, d.args) for d in parse_directives(text) if d.action == "SETARGS"
            ]
    except ValueError as exc:
        raise FluxcliError(f"{name}: {exc}")
    parses = []
    for lineno, args in directives:
        try:
            parsed = parse(inv.command, args, inv.name)
        except UsageError as exc:
            raise UsageError(f"argument parsing failed at {name} line {lineno}: {exc}")
        if parsed.remainder:
            raise UsageError(
                f"argument parsing failed at {name} line {lineno}: unexpected argument {parsed.remainder[0]}"
            )
        parses.append(parsed)
    if parses:
        inv.ns = merge(parses + [inv.parsed])  # the command line wins
    slurm_script = any(lineno in sbatch_lines for lineno, _ in directives)
    if slurm_script and getattr(inv.ns, "nslots", 0) is None and inv.ns.nodes is None:
        inv.ns.nslots = "1"  # sbatch's default: one task


def script_directives(inv: Invocation, command: list[str]) -> None:
    """fxsub: a command that is a script file with ``#SBATCH`` lines takes them as options."""
    import os

    if not command or not os.path.isfile(command[0]):
        return
    try:
        with open(command[0], "rb") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return
    if head.startswith(b"#!") and b"#SBATCH" in head:
        apply_directives(inv, head.decode("utf-8", "replace"), command[0], sbatch_only=True)


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
