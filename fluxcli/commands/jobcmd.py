"""``fx job``: status, eventlog, id, urgency, kill, attach, wait-event."""

from __future__ import annotations

import json
import sys

import click

from fluxcli.errors import FluxcliError

from .tools import click_run, parse_jobid


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def job():
    """Inspect and control jobs."""


@job.command()
@click.option("-v", "--verbose", count=True, help="Print each job's result")
@click.option(
    "--exception-exit-code",
    type=int,
    default=1,
    show_default=True,
    help="Exit code for jobs ended by an exception",
)
@click.argument("jobids", nargs=-1, required=True)
def status(verbose, exception_exit_code, jobids):
    """Wait for jobs; exit with the highest job exit status."""
    from .status import Outcome
    from .submitting import open_handle

    backend = open_handle().backend
    worst = 0
    for text in jobids:
        jobid = parse_jobid(text)
        outcome = Outcome()
        for event in backend.events([int(jobid)]):
            outcome.update(event.to_dict())
        code = outcome.exit_code
        if outcome.status is None and outcome.fatal is not None:
            code = exception_exit_code
        if verbose:
            word = "completed" if code == 0 else "failed"
            print(f"{jobid}: {word} (exit {code})", file=sys.stderr)
        worst = max(worst, code)
    return worst


@job.command()
@click.option("-f", "--follow", is_flag=True, help="Follow events until the job is clean")
@click.option("-p", "--path", default="eventlog", help="eventlog, exec or output")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.argument("jobid")
def eventlog(follow, path, fmt, jobid):
    """Print a job's eventlog."""
    from .submitting import open_handle

    aliases = {"guest.exec.eventlog": "exec", "guest.output": "output"}
    backend = open_handle().backend
    jid = parse_jobid(jobid)
    if backend.info(int(jid)) is None:
        raise FluxcliError(f"job {jobid} not found")
    for entry in backend.events([int(jid)], aliases.get(path, path), follow=follow):
        event = entry.to_dict()
        if fmt == "json":
            print(json.dumps(event, separators=(",", ":")), flush=True)
        else:
            context = " ".join(
                f"{k}={json.dumps(v, separators=(',', ':'))}"
                for k, v in event.get("context", {}).items()
            )
            print(f"{event['timestamp']:.6f} {event['name']} {context}".rstrip(), flush=True)
    return 0


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


@job.command()
@click.argument("jobid")
@click.argument("urgency")
def urgency(jobid, urgency):
    """Change a job's urgency (0-31, hold, default, expedite)."""
    from .submitting import open_handle, parse_urgency

    open_handle().backend.set_urgency(int(parse_jobid(jobid)), parse_urgency(urgency))
    return 0


@job.command()
@click.option("-s", "--signal", "sig", default="SIGTERM", help="Signal name or number")
@click.argument("jobids", nargs=-1, required=True)
def kill(sig, jobids):
    """Send a signal to running jobs."""
    from fluxcli.jobspec.signals import decode_signal

    from .submitting import open_handle

    signum = decode_signal(sig)
    backend = open_handle().backend
    for text in jobids:
        backend.kill(int(parse_jobid(text)), signum)
    return 0


@job.command("wait-event")
@click.option("-t", "--timeout", type=float, help="Give up after this many seconds")
@click.option("-p", "--path", default="eventlog")
@click.argument("jobid")
@click.argument("event")
def wait_event(timeout, path, jobid, event):
    """Wait for EVENT in a job's eventlog and print it."""
    import threading

    from .submitting import open_handle

    backend = open_handle().backend
    found: list = []

    def follow():
        for entry in backend.events([int(parse_jobid(jobid))], path):
            if entry.name == event:
                found.append(entry.to_dict())
                return

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise FluxcliError(f"wait-event timeout on event '{event}'")
    if not found:
        raise FluxcliError(f"event '{event}' never received")
    print(json.dumps(found[0], separators=(",", ":")))
    return 0


@job.command()
@click.option("-l", "--label-io", is_flag=True, help="Label output with task ranks")
@click.argument("jobid")
def attach(label_io, jobid):
    """Attach to a job: stream its output and wait for it."""
    from types import SimpleNamespace

    from .attach import Attacher
    from .submitting import open_handle

    inv = SimpleNamespace(
        name="fx job attach",
        ns=SimpleNamespace(label_io=label_io, verbose=0, wait_event=None),
        handle=open_handle(),
        stdin_mode="null",
    )
    return Attacher(inv, parse_jobid(jobid)).run()


def job_main(argv: list[str]) -> int:
    """Entry point of ``fx job``."""
    return click_run(job, argv, "fx job")
