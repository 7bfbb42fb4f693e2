"""``fx job kill``, ``raise``, ``urgency`` (by id) and ``killall``, ``raiseall`` (in bulk), as ``flux job``.

Errors are ``flux job``'s words: one line per job that failed (``kill ƒ123:
unknown job id``), exit 1 if any did; a missing argument prints the
command's help on stderr and exits 1.
"""

from __future__ import annotations

import signal
import sys

import click

from fluxcli.errors import FluxcliError

from .tools import backend_jobid, open_backend

# click must not take "-1" (an urgency) or a note's words for options
LOOSE = {"help_option_names": ["-h", "--help"], "ignore_unknown_options": True}


def usage_exit() -> int:
    """The command's help on stderr; exit 1 (what ``flux job`` does on missing arguments)."""
    ctx = click.get_current_context()
    click.echo(ctx.get_help(), err=True)
    return 1


def leading_ids(backend, args: tuple[str, ...]) -> tuple[list[tuple[str, int]], list[str]]:
    """The job ids at the start of ``args`` (as typed, parsed) and the words after them."""
    ids: list[tuple[str, int]] = []
    for index, text in enumerate(args):
        try:
            ids.append((text, backend.parse_id(text)))
        except (ValueError, OverflowError):
            return ids, list(args[index:])
    return ids, []


def each_job(verb: str, ids: list[tuple[str, int]], action) -> int:
    """Run ``action(jobid)`` on every job; an error is ``fx job: error: VERB ID: reason``. 1 if any failed."""
    failed = 0
    for text, jobid in ids:
        try:
            action(jobid)
        except OSError as exc:
            failed = 1
            print(f"fx job: error: {verb} {text}: {exc.strerror or exc}", file=sys.stderr)
    return failed


def parse_signal(text: str, verb: str = "kill") -> int:
    """A signal by number or name (``SIGUSR1``, ``USR1``); ``VERB: Invalid signal X`` otherwise."""
    from fluxcli.jobspec.signals import decode_signal

    try:
        signum = decode_signal(text)
    except ValueError:
        signum = 0
    if signum <= 0:
        raise FluxcliError(f"{verb}: Invalid signal {text}")
    return signum


@click.command(context_settings=LOOSE)
@click.option("-s", "--signal", "sig", default="SIGTERM", metavar="SIG", help="Send signal SIG")
@click.argument("jobids", nargs=-1)
def kill(sig, jobids):
    """Send a signal to one or more running jobs."""
    if not jobids:
        return usage_exit()
    backend = open_backend()
    ids, rest = leading_ids(backend, jobids)
    if rest:
        raise FluxcliError(f"invalid jobid: {rest[0]}")
    signum = parse_signal(sig)

    def send(jobid: int) -> None:
        if signum >= signal.NSIG:  # the instance's check, before it looks for the job
            raise OSError(22, "Invalid signal number")
        backend.kill(jobid, signum)

    return each_job("kill", ids, send)


@click.command("raise", context_settings=LOOSE)
@click.option("-s", "--severity", type=int, default=0, metavar="N", help="Severity 0-7 (0 fatal)")
@click.option("-t", "--type", "etype", default="cancel", metavar="TYPE", help="Exception type")
@click.option("-m", "--message", metavar="NOTE", help="Exception note")
@click.argument("args", nargs=-1)
def raise_cmd(severity, etype, message, args):
    """Raise an exception on one or more jobs: IDS... [--] [MESSAGE...]."""
    if not args:
        return usage_exit()
    backend = open_backend()
    ids, rest = leading_ids(backend, args)
    if rest and rest[0] == "--":
        rest = rest[1:]
    note = " ".join(rest) or None
    if note is not None and message is not None:
        raise FluxcliError("Do not set note on command line and with --message")
    note = note if note is not None else message

    def post(jobid: int) -> None:
        if not 0 <= severity <= 7:
            raise OSError(22, "invalid exception severity")
        backend.raise_exception(jobid, etype, severity, note or "")

    return each_job("raise", ids, post)


URGENCY_WORDS = {"hold": 0, "default": 16, "expedite": 31}


@click.command(context_settings=LOOSE)
@click.option("-v", "--verbose", is_flag=True, help="Print the old urgency on stderr")
@click.argument("args", nargs=-1)
def urgency(verbose, args):
    """Change a job's urgency: ID N (0-31) or hold, default, expedite."""
    if len(args) != 2:
        return usage_exit()
    text, value = args
    backend = open_backend()
    jobid = backend_jobid(backend, text)
    if value.lower() in URGENCY_WORDS:
        wanted = URGENCY_WORDS[value.lower()]
    else:
        try:
            wanted = int(value, 10)
        except ValueError:
            raise FluxcliError(f'error parsing urgency: "{value}"') from None
    if not 0 <= wanted <= 31:
        raise FluxcliError(f"{text}: urgency value is out of range")
    try:
        old = backend.set_urgency(jobid, wanted)
    except OSError as exc:
        reason = "unknown job" if exc.errno == 2 else (exc.strerror or str(exc))
        raise FluxcliError(f"{text}: {reason}") from None
    if verbose:
        words = {0: "job held", 31: "job expedited"}
        print(f"old urgency: {words.get(old, old)}", file=sys.stderr)
    return 0


def _bulk_user(user: str | None) -> int:
    from .jobselect import parse_user

    return parse_user(user, "unknown user {}")


def _bulk_report(count: int, dry_run: bool, done: str) -> int:
    """flux job killall/raiseall's one line: what matched, or what was done."""
    if count and dry_run:
        message = f"Command matched {count} jobs (-f to confirm)"
    else:
        message = done if count else "Command matched 0 jobs"
    print(f"fx job: {message}", file=sys.stderr)
    return 0


def _each_counted(jobs, action) -> int:
    """Run ``action`` on each job record; the number that failed."""
    errors = 0
    for job in jobs:
        try:
            action(job.id)
        except OSError:
            errors += 1
    return errors


@click.command(context_settings=LOOSE)
@click.option("-s", "--signal", "sig", default="SIGTERM", metavar="SIG", help="Send signal SIG")
@click.option("-u", "--user", metavar="USER", help="Target user or 'all'")
@click.option("-f", "--force", is_flag=True, help="Confirm the command")
@click.argument("args", nargs=-1)
def killall(sig, user, force, args):
    """Send a signal to all your running jobs (-f to confirm)."""
    from fluxcli.backends.contract import JobFilter

    if args:
        return usage_exit()
    signum = parse_signal(sig, "killall")
    userid = _bulk_user(user)
    backend = open_backend()
    jobs = backend.list_jobs(JobFilter(states={"RUN", "CLEANUP"}, userid=userid))
    errors = 0 if not force else _each_counted(jobs, lambda jobid: backend.kill(jobid, signum))
    name = signal.strsignal(signum) or f"Signal {signum}"
    return _bulk_report(len(jobs), not force, f"{name} {len(jobs)} jobs ({errors} errors)")


@click.command(context_settings=LOOSE)
@click.option("-s", "--severity", type=int, default=7, metavar="N", help="Severity 0-7 (default 7)")
@click.option("-u", "--user", metavar="USER", help="Target user or 'all'")
@click.option(
    "-S", "--states", multiple=True, metavar="STATES", help="Target states (default ACTIVE)"
)
@click.option("-f", "--force", is_flag=True, help="Confirm the command")
@click.argument("args", nargs=-1)
def raiseall(severity, user, states, force, args):
    """Raise an exception of TYPE on all your active jobs: TYPE [MESSAGE...] (-f to confirm)."""
    from fluxcli.backends.contract import JobFilter
    from fluxcli.jobspec.status import FILTER_STATES

    if not args:
        return usage_exit()
    etype, note = args[0], " ".join(args[1:])
    wanted: set[str] = set()
    for word in ",".join(states or ["active"]).split(","):
        if word.lower() not in FILTER_STATES:
            raise FluxcliError(f"error parsing --states: {word} is unknown")
        wanted.update(FILTER_STATES[word.lower()])
    if "INACTIVE" in wanted:
        raise FluxcliError("Exceptions cannot be raised on inactive jobs")
    userid = _bulk_user(user)
    backend = open_backend()
    jobs = backend.list_jobs(JobFilter(states=wanted, userid=userid))

    def post(jobid: int) -> None:
        backend.raise_exception(jobid, etype, severity, note)

    errors = 0 if not force else _each_counted(jobs, post)
    done = f"Raised exception on {len(jobs)} jobs ({errors} errors)"
    return _bulk_report(len(jobs), not force, done)
