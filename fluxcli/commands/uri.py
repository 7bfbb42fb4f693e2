"""``fx uri JOBID``: the URI of the instance a job runs (``fxalloc --bg``, ``fxbatch``), as ``flux uri``."""

from __future__ import annotations

import click

from fluxcli.errors import FluxcliError

from .tools import click_run, open_backend

TOOL = "fx uri"


def memo_uri(backend, jobid: int) -> str | None:
    """The URI the job's instance posted (a ``memo`` event), if it did yet."""
    for event in backend.events([jobid], follow=False):
        if event.name == "memo" and event.context.get("uri"):
            return event.context["uri"]
    return None


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--wait", is_flag=True, help="Wait until the job's instance answers")
@click.argument("target")
def uri(wait, target):
    """Print the URI of the instance that job TARGET (JOBID or jobid:JOBID) runs."""
    text = target.removeprefix("jobid:")
    backend = open_backend()
    try:
        jobid = backend.parse_id(text)
    except (ValueError, OverflowError):
        raise FluxcliError(f"{text} is not a valid Flux jobid") from None
    record = backend.info(jobid)
    if record is None:
        raise FluxcliError(f"jobid {text} not found")
    if wait:
        try:
            found = backend.instance_uri(jobid)
        except OSError as exc:
            raise FluxcliError(f"URI not found for job {text}: {exc}") from None
    else:
        if record.state != "RUN":
            raise FluxcliError(f"jobid {text} is not running")
        found = memo_uri(backend, jobid)
    if not found:
        raise FluxcliError(f"URI not found for job {text}")
    click.echo(found)
    return 0


def uri_main(argv: list[str]) -> int:
    """Entry point of ``fx uri``."""
    return click_run(uri, argv, TOOL)
