"""fxwatch: follow jobs' output and status until they are done (as ``flux watch``).

Exit status: the worst job's (0 when all succeed), 2 on bad options. An id
no job has is one error line and the others are watched anyway (it does not
change the exit status, as in the reference). Ctrl-C stops watching and
leaves the jobs alone (exit 130; the reference exits 0 there only because
its error wrapper swallows the interrupt).
"""

from __future__ import annotations

import click

from .tools import INTERRUPTED, click_run, open_backend

TOOL = "fxwatch"


def _parse_ids(backend, texts) -> list[int]:
    ids = []
    for text in texts:
        try:
            ids.append(backend.parse_id(text))
        except ValueError:
            raise click.UsageError(f"argument JOBID: invalid JobID value: '{text}'")
    return ids


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-a", "--active", is_flag=True, help="Watch all of your active jobs")
@click.option("-A", "--all", "every", is_flag=True, help="Watch all of your jobs, inactive too")
@click.option("-c", "--count", type=int, default=0, metavar="N", help="Watch at most N jobs")
@click.option(
    "-f", "--filter", "filters", multiple=True, metavar="STATE|RESULT", help="Jobs in these states"
)
@click.option(
    "--since", metavar="WHEN", help="Only jobs inactive since WHEN (implies -A without -f)"
)
@click.option("--progress", is_flag=True, help="Show a progress bar")
@click.option("--jps", is_flag=True, help="With --progress: jobs/s instead of elapsed time")
@click.option("-l", "--label-io", is_flag=True, help="Label output lines with job id and task rank")
@click.option("-v", "--verbose", count=True, help="-v: final status, -vv: events too")
@click.option("--events", "as_events", is_flag=True, help="Eventlog lines on stdout, no output")
@click.option("--json", "as_json", is_flag=True, help="Events as JSON lines on stdout, no output")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default=None,
    help="Colour: always, never, or auto (a terminal without NO_COLOR)",
)
@click.argument("jobids", nargs=-1)
def watch(
    active, every, count, filters, since, progress, jps, label_io, verbose, as_events, as_json,
    color, jobids,
):  # fmt: skip
    """Watch JOBIDs (or -a/-A/-f): output on stdout; exit with the worst job's status."""
    from fluxcli.views.terminal import Terminal

    terminal = Terminal(TOOL, verbose, color)
    backend = open_backend()
    ids = _parse_ids(backend, jobids)
    if jobids and (active or every or filters or count or since):
        terminal.warning("Filtering options ignored with jobid list")
    selection = ",".join(filters)
    start_at = None
    when = 0.0
    if since is not None:
        from fluxcli.errors import FluxcliError

        from .jobselect import parse_since

        try:
            when = parse_since(since, invalid="--since: invalid value '{}'")
        except FluxcliError as exc:  # the reference's words, exit 2 without usage
            terminal.error(str(exc))
            return 2
        every = every or not filters
        start_at = max(when, _instance_start(backend) or 0.0)
    words = (["pending", "running"] if active else []) + (
        ["pending", "running", "inactive"] if every else []
    )
    if every and start_at is None:
        start_at = _instance_start(backend)
    selection = ",".join(w for w in [selection, *words] if w)
    if not selection and not jobids:
        terminal.error("At least one job selection option is required")
        terminal.write(f"Try '{TOOL} --help' for more information.")
        return 1
    if jobids:
        records = _known(backend, terminal, jobids, ids)
    else:
        records = _listed(backend, terminal, selection, when, count)
        if records is None:
            return 1
    if not records:
        terminal.info("No matching jobs")
        return 0
    if verbose:
        terminal.info(f"Watching {len(records)} jobs")
    if start_at is None:  # times count from the first submit of the jobs watched
        start_at = min(record.t_submit for record in records)
    from .watcher import Watch, WatchOptions

    options = WatchOptions(
        TOOL, verbose, "clean", True, label_io, progress, jps, color, start_at=start_at,
        events="json" if as_json else "text" if as_events else None, board=True,
        names={record.id: record.name for record in records},
    )  # fmt: skip
    try:
        return Watch(backend, options, [(record.id, None, None) for record in records]).run()
    except KeyboardInterrupt:  # stop watching; the jobs go on untouched
        return INTERRUPTED


def _instance_start(backend) -> float | None:
    """When the instance behind ``backend`` started (None: it does not say)."""
    started = (backend.describe().details or {}).get("started")
    return float(started) if started else None


def _known(backend, terminal, texts, ids) -> list:
    """The records of the jobs that exist; one error line for each id that does not."""
    known: dict = {}
    for text, jobid in zip(texts, ids, strict=True):
        record = backend.info(jobid)
        if record is None:
            terminal.error(f"JobID {text} unknown")
        else:
            known.setdefault(jobid, record)
    return list(known.values())


def _listed(backend, terminal, selection: str, since: float, count: int) -> list | None:
    """Your jobs that --filter/-a/-A/--since select, as the instance lists them."""
    from fluxcli.backends.contract import JobFilter
    from fluxcli.jobspec.status import parse_filters

    try:
        states, results = parse_filters(selection)
    except ValueError as exc:
        terminal.error(str(exc))
        return None
    wanted = JobFilter(
        states=states or None,
        results=results or None,
        since=since or None,
        limit=count,
    )
    return backend.list_jobs(wanted)


def watch_main(argv: list[str]) -> int:
    """Entry point of fxwatch / fx watch."""
    return click_run(watch, argv, TOOL)
