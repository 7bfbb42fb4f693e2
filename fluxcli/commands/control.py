"""fxcancel: cancel pending or running jobs, by id or in bulk (as ``flux cancel``)."""

from __future__ import annotations

import sys

import click

from fluxcli.errors import FluxcliError

from .jobselect import parse_user
from .tools import click_run, open_backend

TOOL = "fxcancel"


def plural(count: int, noun: str) -> str:
    """``1 job``, ``2 jobs``, ``0 errors``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def log(message: str) -> None:
    """A line on stderr prefixed with the tool's name."""
    print(f"{TOOL}: {message}", file=sys.stderr, flush=True)


def parse_states(values: tuple[str, ...]) -> set[str]:
    """``-S`` words (repeatable, comma-separated) to state names; active when none."""
    from fluxcli.jobspec.status import FILTER_STATES

    words = ",".join(values or ["active"]).split(",")
    states: set[str] = set()
    for word in words:
        if word.lower() not in FILTER_STATES or word.lower() in ("cleanup", "inactive"):
            raise FluxcliError(f"Invalid state {word} specified")
        states.update(FILTER_STATES[word.lower()])
    return states


def parse_jobids(texts: tuple[str, ...], parse_id=None) -> list:
    """Job ids as the backend reads them (``parse_id``; any RFC 19 encoding by default);
    a bad one is a usage error, as argparse reports it."""
    from fluxcli.jobspec import JobID

    ids = []
    for text in texts:
        try:
            ids.append(parse_id(text) if parse_id else JobID(text))
        except (ValueError, OverflowError):
            raise click.UsageError(f"argument JOBID...: invalid JobID value: '{text}'") from None
    return ids


def cancel_ids(backend, jobids: list, message: str | None) -> int:
    """Cancel each job; an error names the job. Exit 1 if any failed."""
    errors = 0
    for jobid in jobids:
        try:
            backend.cancel(int(jobid), message)
        except OSError as exc:
            errors += 1
            log(f"error: {backend.format_id(int(jobid))}: {exc.strerror or exc}")
    return 1 if errors else 0


def cancel_all(backend, userid: int, states: set[str], message, dry_run: bool, quiet: bool) -> int:
    """Cancel every job of ``userid`` in ``states``; report the count as flux cancel does."""
    from fluxcli.backends.contract import JobFilter

    jobs = backend.list_jobs(JobFilter(states=states, userid=userid))
    count = len(jobs)
    if count == 0:
        if not quiet:
            log("Matched 0 jobs")
        return 0
    if dry_run:
        log(f"Would cancel {plural(count, 'job')}")
        return 0
    errors = 0
    for job in jobs:
        try:
            backend.cancel(job.id, message)
        except OSError:
            errors += 1
    log(f"Canceled {plural(count, 'job')} ({plural(errors, 'error')})")
    return 0


class ArgparseWords(click.Command):
    """Bad options worded as flux cancel's argparse words them."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            raise click.UsageError(f"unrecognized arguments: {exc.option_name}", ctx) from None
        except click.BadOptionUsage as exc:
            names = next((p.opts for p in self.params if exc.option_name in p.opts), None)
            if names is None:
                raise
            message = f"argument {'/'.join(names)}: expected one argument"
            raise click.UsageError(message, ctx) from None


@click.command(cls=ArgparseWords, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--all", "all_jobs", is_flag=True, help="Target all jobs")
@click.option("-n", "--dry-run", "--dry", is_flag=True, help="Do not cancel any jobs")
@click.option("-q", "--quiet", is_flag=True, help="Suppress output when no jobs match")
@click.option("-u", "--user", metavar="USER", help="Target user or 'all' (instance owner only)")
@click.option(
    "-S",
    "--states",
    "--state",
    multiple=True,
    metavar="STATES",
    help="Job states to target (default: active)",
)
@click.option("-m", "--message", metavar="NOTE", help="Note recorded with the cancel exception")
@click.argument("jobids", nargs=-1, metavar="[JOBID...]")
def cancel(all_jobs, dry_run, quiet, user, states, message, jobids):
    """Cancel pending or running jobs, by id or with --all/--user/--states."""
    backend = open_backend() if jobids else None
    ids = parse_jobids(jobids, backend.parse_id if backend else None)
    all_jobs = all_jobs or bool(user) or bool(states)
    if ids and all_jobs:
        raise FluxcliError("Do not specify a list of jobids with --all,--user,--states options")
    if all_jobs:
        userid = parse_user(user)
        wanted = parse_states(states)
        return cancel_all(open_backend(), userid, wanted, message, dry_run, quiet)
    if not ids:
        raise FluxcliError("No target jobs were provided")
    if dry_run:
        log(f"Would cancel {plural(len(ids), 'job')}")
        return 0
    return cancel_ids(backend, ids, message)


def cancel_main(argv: list[str]) -> int:
    """Entry point of fxcancel / fx cancel."""
    return click_run(cancel, argv, TOOL)
