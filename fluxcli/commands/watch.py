"""fxwatch: follow jobs' output and status until they are done (as ``flux watch``).

Ctrl-C stops watching and leaves the jobs alone (exit 130; the reference
exits 0 there only because its error wrapper swallows the interrupt).
"""

from __future__ import annotations

import click

from .tools import INTERRUPTED, click_run, open_backend

TOOL = "fxwatch"
# --filter names: job states and results, as flux watch / flux jobs take them
FILTERS = {
    "pending": ("DEPEND", "PRIORITY", "SCHED"),
    "running": ("RUN", "CLEANUP"),
    "active": ("NEW", "DEPEND", "PRIORITY", "SCHED", "RUN", "CLEANUP"),
    "inactive": ("INACTIVE",),
}
RESULTS = ("COMPLETED", "FAILED", "CANCELED", "TIMEOUT")


def _selection(filters: set[str]) -> tuple[list[str], list[str]]:
    states: list[str] = []
    results: list[str] = []
    for name in filters:
        upper = name.upper()
        if name.lower() in FILTERS:
            states.extend(FILTERS[name.lower()])
        elif upper in RESULTS:
            results.append(upper)
            states.append("INACTIVE")
        elif upper in FILTERS["active"] + ("INACTIVE",):
            states.append(upper)
        else:
            raise click.UsageError(f"--filter: invalid state or result '{name}'")
    return states, results


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-a", "--active", is_flag=True, help="Watch all of your active jobs")
@click.option("-A", "--all", "every", is_flag=True, help="Watch all of your jobs, inactive too")
@click.option("-c", "--count", type=int, default=0, metavar="N", help="Watch at most N jobs")
@click.option(
    "-f", "--filter", "filters", multiple=True, metavar="STATE|RESULT", help="Jobs in these states"
)
@click.option("--progress", is_flag=True, help="Show a progress bar")
@click.option("--jps", is_flag=True, help="With --progress: jobs/s instead of elapsed time")
@click.option("-l", "--label-io", is_flag=True, help="Label output lines with job id and task rank")
@click.option("-v", "--verbose", count=True, help="-v: final status, -vv: events too")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default=None)
@click.argument("jobids", nargs=-1)
def watch(active, every, count, filters, progress, jps, label_io, verbose, color, jobids):
    """Watch JOBIDs (or -a/-A/-f): output on stdout; exit with the worst job's status."""
    from fluxcli.backends.contract import JobFilter
    from fluxcli.views.terminal import Terminal

    from .watcher import Watch, WatchOptions

    terminal = Terminal(TOOL, verbose, color)
    wanted = {f for value in filters for f in value.split(",") if f}
    wanted |= {"pending", "running"} if active else set()
    wanted |= {"pending", "running", "inactive"} if every else set()
    if jobids and wanted:
        terminal.warning("Filtering options ignored with jobid list")
    if not jobids and not wanted:
        terminal.error("At least one job selection option is required")
        terminal.write(f"Try '{TOOL} --help' for more information.")
        return 1
    backend = open_backend()
    ids, failed = [], False
    for text in jobids:
        jobid = backend.parse_id(text)
        if backend.info(jobid) is None:
            terminal.error(f"JobID {text} unknown")
            failed = True
        else:
            ids.append(jobid)
    if not jobids:
        states, results = _selection(wanted)
        found = backend.list_jobs(JobFilter(states=states, results=results or None, limit=count))
        ids = [record.id for record in reversed(found)]  # oldest first
    if not ids:
        terminal.info("No matching jobs")
        return 1 if failed else 0
    if verbose:
        terminal.info(f"Watching {len(ids)} jobs")
    options = WatchOptions(TOOL, verbose, "clean", True, label_io, progress, jps, color)
    try:
        code = Watch(backend, options, [(jobid, None, None) for jobid in ids]).run()
    except KeyboardInterrupt:  # stop watching; the jobs go on untouched
        return INTERRUPTED
    return max(code, 1 if failed else 0)


def watch_main(argv: list[str]) -> int:
    """Entry point of fxwatch / fx watch."""
    return click_run(watch, argv, TOOL)
