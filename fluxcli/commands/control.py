"""fxcancel: cancel pending or running jobs."""

from __future__ import annotations

import sys

import click

from fluxcli.errors import describe

from .tools import click_run, open_backend, parse_jobid


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-m", "--message", help="Reason recorded with the cancel exception")
@click.option("-q", "--quiet", is_flag=True, help="Do not report jobs that could not be canceled")
@click.argument("jobids", nargs=-1, required=True)
def cancel(message, quiet, jobids):
    """Cancel one or more jobs (JOBID in any encoding)."""
    backend = open_backend()
    failed = 0
    for text in jobids:
        jobid = parse_jobid(text)
        try:
            backend.cancel(int(jobid), message)
        except OSError as exc:
            failed += 1
            if not quiet:
                print(f"fxcancel: error: {text}: {describe(exc)}", file=sys.stderr)
    return 1 if failed else 0


def cancel_main(argv: list[str]) -> int:
    """Entry point of fxcancel / fx cancel."""
    return click_run(cancel, argv, "fxcancel")
