"""fx pgrep / fx pkill: find (or cancel) jobs by name pattern or id range, as flux pgrep/pkill.

EXPRESSION is a regular expression searched in job names (``name:`` may
prefix it), or ``ID1..ID2``, an inclusive range of job ids; one of each may
be given. Jobs are selected as fxjobs selects them (``-a``, ``-A``, ``-u``,
``-f``, ``-q``) among the newest ``--max-entries``; both exit 1 when no job
matches.
"""

from __future__ import annotations

import click

from .jobs import format_options
from .tools import click_run, open_backend

_WHO = "{id.f58:>12} ?:{queue:<8.8} +:{username:<8} {name:<10.10+}"
_SIZE = "{ntasks:>6} {nnodes:>6h}"
BUILTIN_FORMATS = {
    "default": ("Default fx-pgrep format string", "{id.f58}"),
    "full": (
        "full fx-pgrep format string",
        f"{_WHO} {{status_abbrev:>2.2}} {_SIZE} {{contextual_time!F:>8h}} {{contextual_info}}",
    ),
    "long": (
        "Extended fx-pgrep format string",
        f"{_WHO} {{status:>9.9}} {_SIZE} {{t_submit!d:%b%d %R::>12}} {{t_remaining!F:>12h}} "
        "{contextual_time!F:>8h} {contextual_info}",
    ),
    "deps": (
        "Show job urgency, priority, and dependencies",
        "{id.f58:>12} ?:{queue:<8.8} {name:<10.10+} {urgency:<3} {priority:<12} "
        "{state:<8.8} {dependencies}",
    ),
}
ENV_DEFAULT = "FX_PGREP_FORMAT_DEFAULT"


class Matcher:
    """A name pattern and/or an id range, from the EXPRESSION arguments."""

    def __init__(self, expressions: tuple[str, ...]):
        import re

        from fluxcli.jobspec.jobid import JobID

        self.pattern = None
        self.ids: tuple[int, int] | None = None
        for text in expressions:
            if ":" not in text and ".." in text:
                try:
                    low, high = (int(JobID(part)) for part in text.split(".."))
                    self.ids = (low, high)
                    continue
                except ValueError:
                    pass  # not two ids: a pattern after all
            if self.pattern is not None:
                raise ValueError("Only one pattern can be provided")
            self.pattern = re.compile(text.removeprefix("name:"))

    def __call__(self, record) -> bool:
        if self.pattern is not None and not self.pattern.search(record.name or ""):
            return False
        return self.ids is None or self.ids[0] <= record.id <= self.ids[1]


def _options(command):
    for option in reversed(
        [
            click.option("-a", "show_all", is_flag=True, help="Target jobs in all states"),
            click.option("-A", "every_user", is_flag=True, help="Target all users"),
            click.option("-u", "--user", metavar="USER", help="Jobs of this user (or 'all')"),
            click.option(
                "-f", "--filter", "filters", multiple=True, metavar="STATE|RESULT",
                help="Jobs with these states or results",
            ),
            click.option("-q", "--queue", "queues", multiple=True, metavar="QUEUE,...", help="Jobs in these queues"),
            click.option("-c", "--count", type=int, default=99999, metavar="N", help="At most N matches"),
            click.option(
                "--max-entries", type=int, default=1000, metavar="N",
                help="Search the newest N jobs (default 1000)",
            ),
        ]
    ):  # fmt: skip
        command = option(command)
    return command


def _matching(selected, expressions) -> tuple:
    """The matching jobs (``fx-pgrep: error: expression error: ...`` and exit 2 for a bad one)."""
    import re

    from fluxcli.backends.contract import JobFilter
    from fluxcli.errors import FluxcliError, UsageError
    from fluxcli.jobspec.status import parse_filters

    from .jobselect import job_list_order, parse_user

    try:
        matcher = Matcher(expressions)
    except (ValueError, SyntaxError, TypeError, re.error) as exc:
        raise UsageError(f"expression error: {exc}") from None
    words = [w for value in selected["filters"] for w in value.split(",")]
    words += ["pending", "running", "inactive"] if selected["show_all"] else []
    try:
        states, results = parse_filters(words or ["pending", "running"])
    except ValueError as exc:
        raise FluxcliError(str(exc)) from None
    queues = sorted({q for value in selected["queues"] for q in value.split(",") if q})
    job_filter = JobFilter(
        states=states or None,
        results=results or None,
        userid=parse_user("all" if selected["every_user"] else selected["user"]),
        queue=queues[0] if len(queues) == 1 else None,
        limit=max(selected["max_entries"], 0),
        order="job-list",
    )
    backend = open_backend()
    listed = backend.list_jobs(job_filter)
    listed.sort(key=job_list_order)
    found = [r for r in listed if matcher(r) and (len(queues) < 2 or r.queue in queues)]
    return backend, found[: max(selected["count"], 0)]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@_options
@format_options
@click.argument("expressions", nargs=-1, required=True, metavar="EXPRESSION...")
def pgrep(no_header, fmt, expressions, **selected):
    """List jobs whose name matches a pattern (or whose id is in ID1..ID2)."""
    from fluxcli.views.listing import print_jobs

    from .jobs import output_format

    formatter = output_format(fmt, BUILTIN_FORMATS, "fx-pgrep", ENV_DEFAULT)
    _, found = _matching(selected, expressions)
    if not found:
        return 1
    if formatter.fmt == BUILTIN_FORMATS["default"][1]:
        no_header = True  # the bare id list has no header
    print_jobs(found, formatter, no_header)
    return 0


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@_options
@click.option("--wait", is_flag=True, help="Wait for the jobs to finish after canceling them")
@click.argument("expressions", nargs=-1, required=True, metavar="EXPRESSION...")
def pkill(wait, expressions, **selected):
    """Cancel jobs whose name matches a pattern (or whose id is in ID1..ID2)."""
    from fluxcli.views.terminal import Terminal

    terminal = Terminal("fx-pkill")
    backend, found = _matching(selected, expressions)
    if not found:
        return 1
    canceled, code = [], 0
    for record in found:
        try:
            backend.cancel(record.id)
            canceled.append(record.id)
        except Exception as exc:
            from fluxcli.errors import describe

            terminal.error(f"{backend.format_id(record.id)}: cancel: {describe(exc)}")
            code = 1
    if wait and canceled:
        _wait_inactive(backend, canceled)
    from .control import plural

    terminal.info(f"Canceled {plural(len(canceled), 'job')}")
    return code


def _wait_inactive(backend, jobids: list[int]) -> None:
    """Until every job's main eventlog has its ``clean`` event."""
    left = set(jobids)
    for event in backend.events(jobids, "eventlog", follow=True):
        if event.name == "clean":
            left.discard(event.jobid)
            if not left:
                return


def pgrep_main(argv: list[str]) -> int:
    """Entry point of fx pgrep."""
    return click_run(pgrep, argv, "fx-pgrep")


def pkill_main(argv: list[str]) -> int:
    """Entry point of fx pkill."""
    return click_run(pkill, argv, "fx-pkill")
