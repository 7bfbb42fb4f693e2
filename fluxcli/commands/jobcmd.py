"""``fx job``: status, attach, id here; the other subcommands in their own modules (as ``flux job``)."""

from __future__ import annotations

import json
import sys

import click

from fluxcli.errors import FluxcliError

from .jobctl import kill, killall, raise_cmd, raiseall, urgency
from .jobevents import eventlog, wait_event
from .jobinfo import info, last, wait
from .purge import purge
from .tools import click_run, known_job, open_backend

TOOL = "fx job"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def job():
    """Inspect and control jobs."""


job.no_args_exit = 1  # flux job without a command: its usage, exit 1 (flux resource: 2)


SUBCOMMANDS = (eventlog, wait_event, kill, killall, raise_cmd, raiseall, urgency, info, last, wait)
for command in (*SUBCOMMANDS, purge):
    job.add_command(command)


def _exit_code(status: int | None) -> int:
    from fluxcli.jobspec.status import exit_code

    return 0 if status is None else exit_code(status)


@job.command()
@click.option("-v", "--verbose", count=True, help="Increase verbosity")
@click.option(
    "-e",
    "--exception-exit-code",
    type=int,
    default=1,
    metavar="N",
    help="Exit code for jobs ended solely by an exception (default 1)",
)
@click.option("-j", "--json", "as_json", is_flag=True, help="Print each job's result as JSON")
@click.argument("jobids", nargs=-1)
def status(verbose, exception_exit_code, as_json, jobids):
    """Wait for jobs; exit with the highest job exit status."""
    if not jobids:  # as flux job status: the usage, exit 1
        click.echo(click.get_current_context().get_usage(), err=True)
        return 1
    from fluxcli.jobspec.status import term_signal
    from fluxcli.views.terminal import Terminal

    terminal = Terminal(TOOL)
    backend = open_backend()
    ids = [known_job(backend, text, "{}: No such job") for text in jobids]
    if verbose and len(ids) > 1:
        terminal.info(f"fetching status for {len(ids)} jobs")
    logs: dict[int, list] = {jobid: [] for jobid in ids}
    for event in backend.events(ids):  # every eventlog ends at clean
        logs[event.jobid].append(event)
    if verbose and len(ids) > 1:
        terminal.info("all done.")
    worst = 0
    for text, jobid in zip(jobids, ids, strict=True):
        record = backend.info(jobid)
        if as_json:
            print(json.dumps(job_result(jobid, logs[jobid]), separators=(",", ":")), flush=True)
        code = _exit_code(record.waitstatus)
        fatal = record.exception_type is not None and record.exception_severity == 0
        worst = max(worst, code, exception_exit_code if fatal else 0)
        if not verbose:
            continue
        signum = term_signal(record.waitstatus or 0)
        if signum:
            terminal.info(f"{text}: job shell died by signal {signum}")
        elif verbose > 1 or code:
            what = (
                f"exception type={record.exception_type}"
                if fatal
                else f"exited with exit code {code}"
            )
            terminal.info(f"{text}: {what}")
    return worst


RESULT_CODES = {"COMPLETED": 1, "FAILED": 2, "CANCELED": 4, "TIMEOUT": 8}


def job_result(jobid: int, events: list) -> dict:
    """``flux job status --json``: a job's result gathered from its eventlog, each key where
    the reference adds it (``t_run`` is the alloc time; a later exception replaces an
    earlier one unless that one was less severe and not fatal)."""
    found: dict = {"id": jobid, "exception_occurred": False}
    for event in events:
        context = event.context
        if event.name == "submit":
            found["t_submit"] = event.timestamp
        elif event.name == "alloc":
            found["t_run"] = event.timestamp
        elif event.name == "finish":
            found.update(t_cleanup=event.timestamp, waitstatus=context.get("status"))
        elif event.name == "exception":
            previous = found.get("exception_severity", -1)
            if found["exception_occurred"] and 0 < previous < context.get("severity", 0):
                continue
            found["exception_occurred"] = True
            found["exception_type"] = context.get("type")
            found["exception_note"] = context.get("note")
            found["exception_severity"] = context.get("severity")
    if found.get("t_run", -1) > 0 and found.get("waitstatus") == 0:
        result = "COMPLETED"
    elif found["exception_occurred"] and found.get("exception_type") in ("cancel", "timeout"):
        result = "CANCELED" if found["exception_type"] == "cancel" else "TIMEOUT"
    else:
        result = "FAILED"
    found["result"] = RESULT_CODES[result]
    return found


@job.command()
@click.option("-l", "--label-io", is_flag=True, help="Label output with task ranks")
@click.option("-u", "--unbuffered", is_flag=True, help="Accepted for compatibility")
@click.option("-i", "--stdin-ranks", metavar="RANKS", help="Send stdin only to these task ranks")
@click.option("-r", "--read-only", is_flag=True, help="Neither stdin nor signals reach the job")
@click.option("-v", "--verbose", count=True, help="Increase verbosity")
@click.option("-w", "--wait-event", default="clean", metavar="EVENT", help="Detach at EVENT")
@click.option("-E", "--show-events", is_flag=True, help="Show the job's events on stderr")
@click.option("-X", "--show-exec", is_flag=True, help="Show the exec events too")
@click.option("--show-status", is_flag=True, help="Show the status line while pending")
@click.option("-q", "--quiet", is_flag=True, help="Nothing on stderr but errors")
@click.argument("jobid")
def attach(label_io, unbuffered, stdin_ranks, read_only, verbose, wait_event, **show):
    """Attach to a job: stream its output, forward stdin and signals, exit with its status."""
    from .attach import stdin_ranks as parse_ranks
    from .session import JobSession, SessionOptions

    if stdin_ranks is not None and read_only:
        raise FluxcliError("Do not use --stdin-ranks with --read-only")
    if stdin_ranks == "all":
        stdin_ranks = None
    elif stdin_ranks is not None:
        from fluxcli.jobspec.idset import parse_idset

        try:
            parse_idset(stdin_ranks)
        except ValueError:  # flux job attach's words
            raise FluxcliError(
                f"Invalid value '{stdin_ranks}' for --stdin-ranks: Invalid argument"
            ) from None
    backend = open_backend()
    text = show.pop("jobid")
    jobid = known_job(backend, text, "Failed to attach to {}: No such job")
    level = 3 if show["show_exec"] else 2 if show["show_events"] else verbose
    options = SessionOptions(
        tool=TOOL,
        wait_event=wait_event,
        verbose=level,
        label_io=label_io,
        stdin=not read_only,
        stdin_ranks=parse_ranks(stdin_ranks),
        read_only=read_only,
        show_status=True if show["show_status"] else None,
        quiet=show["quiet"],
    )
    return JobSession(backend, jobid, options).run()


@job.command("id")
@click.option(
    "-t",
    "--to",
    "to",
    default="dec",
    help="Encoding: dec, hex, dothex, kvs, words, f58, f58plain, emoji",
)
@click.argument("ids", nargs=-1)
def id_cmd(to, ids):
    """Convert job ids between encodings (reads stdin when no ID is given)."""
    from fluxcli.jobspec import JobID
    from fluxcli.jobspec.jobid import ENCODINGS

    if to not in ENCODINGS:
        raise FluxcliError(f"Unknown to={to}")
    values = list(ids) or [line.strip() for line in sys.stdin if line.strip()]
    if not values:
        return 1
    for text in values:
        try:
            print(JobID(text.strip()).encode(to))
        except (ValueError, OverflowError):
            raise FluxcliError(f"{text}: malformed input")
    return 0


def job_main(argv: list[str]) -> int:
    """Entry point of ``fx job``."""
    return click_run(job, argv, TOOL)
