"""fxjobs: list jobs (a table on a terminal, plain columns otherwise)."""

from __future__ import annotations

import json
import time

import click

from fluxcli.views.table import render_table

from .tools import click_run, open_backend


def _runtime(job: dict) -> str:
    from fluxcli.jobspec.fsd import fsd

    if not job.get("t_run"):
        return "-"
    end = job.get("t_cleanup") or time.time()
    return fsd(max(0.0, end - job["t_run"]))


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-a", "--all", "show_all", is_flag=True, help="Include inactive jobs")
@click.option("-c", "--count", default=100, show_default=True, help="Show at most this many jobs")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records")
@click.option("-n", "--no-header", is_flag=True, help="Omit the header line")
def jobs(show_all, count, as_json, no_header):
    """List your jobs, newest first (active only unless -a)."""
    from fluxcli.backends.contract import JobFilter
    from fluxcli.jobspec.status import ACTIVE_STATES

    backend = open_backend()
    found = backend.list_jobs(JobFilter(states=None if show_all else ACTIVE_STATES, limit=count))
    records = [r.to_dict() for r in found]
    if as_json:
        click.echo(json.dumps(records))
        return 0
    rows = [
        (
            backend.format_id(r["id"]),
            r["name"] or "",
            r["state"][0],  # N D P S R C I, as flux jobs abbreviates
            str(r["ntasks"] or ""),
            str(r["nnodes"] or ""),
            _runtime(r),
            r.get("result") or "",
        )
        for r in records
    ]
    header = ("JOBID", "NAME", "ST", "NTASKS", "NNODES", "TIME", "RESULT")
    if rows or not no_header:
        click.echo(render_table(header, rows, show_header=not no_header))
    return 0


def jobs_main(argv: list[str]) -> int:
    """Entry point of fxjobs / fx jobs."""
    return click_run(jobs, argv, "fxjobs")
