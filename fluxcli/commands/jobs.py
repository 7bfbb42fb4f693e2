"""fxjobs: list jobs as ``flux jobs`` does (formats, filters, JSON, statistics).

Beyond the reference: the ``cputime``, ``maxrss`` and ``output_paths``
fields (also in ``--json``), the ``accounting`` named format, and the sums
of CPU time and peak memory under ``--stats``.
"""

from __future__ import annotations

import json
import sys

import click

from .tools import click_run, open_backend

TOOL = "fxjobs"


def _jobid(ctx, param, values):
    from fluxcli.jobspec.jobid import JobID

    for value in values:
        try:
            JobID(value)
        except ValueError:
            raise click.BadParameter(f"invalid JobID value: '{value}'") from None
    return list(values)


def _count(ctx, param, value):
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise click.BadParameter(f"invalid int value: '{value}'") from None


selection_options = [
    click.option("-a", "show_all", is_flag=True, help="List jobs in all states"),
    click.option("-A", "every_user", is_flag=True, help="List jobs of all users (as -u all)"),
    click.option(
        "-c", "--count", callback=_count, metavar="N", help="Limit output to N jobs (default 1000)"
    ),
    click.option(
        "-f",
        "--filter",
        "filters",
        multiple=True,
        metavar="STATE|RESULT",
        help="List jobs with these states or results",
    ),
    click.option(
        "--since", metavar="WHEN", help="Include jobs that became inactive since WHEN (implies -a)"
    ),
    click.option("-u", "--user", metavar="USER", help="List jobs of this user (or 'all')"),
    click.option("--name", metavar="JOB-NAME", help="List jobs with this name"),
    click.option(
        "-i", "--include", metavar="HOSTS|RANKS", help="List jobs that ran on these hosts or ranks"
    ),
    click.option(
        "-q",
        "--queue",
        "queues",
        multiple=True,
        metavar="QUEUE,...",
        help="List jobs in these queues",
    ),
]


def add_selection_options(command):
    """Decorate ``command`` with the selection options fxjobs, fx pgrep and fx pkill share."""
    for option in reversed(selection_options):
        command = option(command)
    return command


def format_options(command):
    """Decorate ``command`` with -n/--no-header and -o/--format (fxjobs and fx pgrep)."""
    command = click.option(
        "-o",
        "--format",
        "fmt",
        default="default",
        metavar="FORMAT",
        help="Output format, or the name of one ('help' lists them)",
    )(command)
    return click.option(
        "-n", "--no-header", is_flag=True, help="Suppress printing of the header line"
    )(command)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@add_selection_options
@format_options
@click.option("--suppress-header", "no_header", is_flag=True, hidden=True)
@click.option(
    "--sort", default="", metavar="KEY,...", help="Sort by these fields ('-KEY': descending)"
)
@click.option(
    "-w",
    "--width",
    type=int,
    is_flag=False,
    flag_value=0,
    default=-1,
    metavar="[N]",
    help="Cut lines at N columns (N omitted: the terminal's width)",
)
@click.option("--json", "as_json", is_flag=True, help="Print jobs as JSON")
@click.option(
    "--color",
    is_flag=False,
    flag_value="always",
    default=None,
    metavar="[WHEN]",
    help="Colour by result: always, never or auto (default)",
)
@click.option("-R", "--recursive", is_flag=True, help="List the jobs of running instances too")
@click.option(
    "-L", "--level", type=int, default=9999, metavar="N", help="With -R, descend N levels"
)
@click.option(
    "--recurse-all", is_flag=True, help="With -R, descend into other users' instances too"
)
@click.option("--threads", type=int, metavar="N", help="Accepted for flux jobs compatibility")
@click.option("--stats", is_flag=True, help="Print job statistics before the header")
@click.option(
    "--stats-only", is_flag=True, help="Print job statistics only; exit 1 if no job is active"
)
@click.argument("jobids", nargs=-1, callback=_jobid, metavar="[JOBID]...")
def jobs(
    no_header, fmt, sort, width, as_json, color, recursive, level, recurse_all, threads,
    stats, stats_only, jobids, **selected,
):  # fmt: skip
    """List jobs (your active ones unless told otherwise): pending, running, then inactive."""
    from fluxcli.errors import FluxcliError
    from fluxcli.views.terminal import Terminal, color_wanted

    from .jobselect import Selection, fetch

    terminal = Terminal(TOOL)
    if as_json and (stats or stats_only):
        raise FluxcliError("--json incompatible with --stats or --stats-only")
    selection = Selection(**selected)
    if jobids and selection.filtered:
        terminal.warning("Filtering options ignored with jobid list")
    formatter = output_format(fmt)
    try:
        use_color = color_wanted(color, sys.stdout)
    except ValueError:
        raise click.UsageError(f"Invalid argument to --color: '{color}'") from None
    backend = open_backend()
    if stats or stats_only:
        active = _print_stats(backend, selection.queues, accounting=not stats_only)
        if stats_only:
            return 0 if active else 1
    if sort:
        try:
            formatter.set_sort_keys(sort)
        except ValueError as exc:
            raise FluxcliError(str(exc)) from None
    failed = []

    def unknown(message: str) -> None:
        failed.append(message)
        print(message, file=sys.stderr)

    records, truncated = fetch(backend, selection, list(jobids), terminal.warning, unknown)
    if jobids and not records:
        return 1
    from .jobstree import Tree

    options = dict(recursive=recursive, recurse_all=recurse_all, level=level, stats=stats)
    if as_json:
        objects = Tree(backend, selection, formatter, options).json(records)
        single = len(jobids) == 1
        click.echo(json.dumps(objects[0] if single else {"jobs": objects}))
    else:
        try:
            _print_listing(
                backend, selection, formatter, records, no_header, width, use_color, options
            )
        except (ValueError, TypeError, AttributeError) as exc:
            raise FluxcliError(str(exc)) from None
    if truncated and not no_header and not as_json:
        print(f"warning: output truncated at {selection.count} jobs.", file=sys.stderr)
        print(
            "Use --count to increase returned results or use filters to alter results.",
            file=sys.stderr,
        )
    return 0


def output_format(spec: str, builtins=None, tool: str = TOOL, env_default: str | None = None):
    """The OutputFormat of ``-o SPEC`` (exits for ``help`` and ``get-config=NAME``).

    ``builtins``, ``tool`` and ``env_default`` are fxjobs' unless given (fx pgrep).
    """
    from fluxcli.errors import FluxcliError
    from fluxcli.views.listing import job_formatter

    from . import jobsconfig

    try:
        formats = jobsconfig.load_formats(builtins) if "{" not in spec else {}
        if spec == "help":
            click.echo(jobsconfig.format_help(formats, tool))
            raise click.exceptions.Exit(0)
        if spec.startswith("get-config="):
            click.echo(jobsconfig.format_config(formats, spec.split("=", 1)[1]))
            raise click.exceptions.Exit(0)
        env_default = env_default or jobsconfig.ENV_DEFAULT
        return job_formatter(jobsconfig.resolve(spec, formats, env_default))
    except ValueError as exc:
        raise FluxcliError(str(exc)) from None


def _print_stats(backend, queues: list[str], accounting: bool) -> int:
    """The ``--stats`` line (and with ``accounting`` the sums of CPU time and peak memory;
    --stats-only keeps to the reference's one line); returns the number of active jobs."""
    from fluxcli.errors import FluxcliError
    from fluxcli.views.jobfields import Bytes

    if queues:  # no backend keeps per-queue statistics yet
        raise FluxcliError(f"error retrieving job stats: no stats available for queue {queues[0]}")
    from .jobstree import stats_counts

    stats = backend.job_stats()
    running, completed, failed, pending = stats_counts(stats)
    click.echo(
        f"{running} running, {completed} completed, {failed} failed, "
        f"{pending} pending, {stats.inactive_purged} inactive purged"
    )
    if accounting:
        from fluxcli.views.formats import fsd

        click.echo(f"{fsd(stats.cputime)} CPU time, {Bytes(stats.maxrss)} peak memory (sums)")
    return sum(stats.states.values()) - stats.states.get("INACTIVE", 0)


def _print_listing(backend, selection, formatter, records, no_header, width, color, options):
    """The header (the format's prefixes applied to the top level's jobs) and the lines."""
    from .jobstree import Tree

    if width == 0:
        import shutil

        width = shutil.get_terminal_size((-1, 25)).columns if sys.stdout.isatty() else -1
    tree = Tree(backend, selection, formatter, {**options, "width": width, "color": color})
    views = tree.views(records)
    tree.formatter = final = formatter.resolved(views, no_header)
    if not no_header:
        header = final.header()
        click.echo(header[: width - 1] + "+" if 0 < width < len(header) else header)
    tree.print(views)


def jobs_main(argv: list[str]) -> int:
    """Entry point of fxjobs / fx jobs."""
    return click_run(jobs, argv, TOOL)
