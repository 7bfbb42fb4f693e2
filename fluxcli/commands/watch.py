"""fxwatch: follow a job's events and output until it is clean."""

from __future__ import annotations

import click

from .tools import click_run, parse_jobid


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--events/--no-events", default=True, help="Show eventlog events on stderr")
@click.option("-l", "--label-io", is_flag=True, help="Label output with task ranks")
@click.argument("jobid")
def watch(events, label_io, jobid):
    """Watch JOBID: events on stderr, output on stdout; exit with the job's status."""
    from types import SimpleNamespace

    from .attach import Attacher
    from .submitting import open_handle

    ns = SimpleNamespace(label_io=label_io, verbose=2 if events else 0, wait_event=None)
    inv = SimpleNamespace(name="fxwatch", ns=ns, handle=open_handle(), stdin_mode="null")
    return Attacher(inv, parse_jobid(jobid)).run()


def watch_main(argv: list[str]) -> int:
    """Entry point of fxwatch / fx watch."""
    return click_run(watch, argv, "fxwatch")
