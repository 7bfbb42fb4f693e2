"""``fx job purge``: forget inactive jobs (their records, eventlogs and output), as ``flux job purge``."""

from __future__ import annotations

import click

from fluxcli.errors import FluxcliError

from .tools import backend_jobid, open_backend


def _fsd(text: str | None) -> float | None:
    from fluxcli.jobspec.fsd import parse_fsd

    if text is None:
        return None
    try:
        seconds = parse_fsd(text)
        if seconds < 0:
            raise ValueError(text)
        return seconds
    except ValueError:
        raise FluxcliError(f"purge: Invalid argument for option 'age-limit': '{text}'") from None


def _count(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    try:
        return int(text, 10)
    except ValueError:
        raise FluxcliError(f"purge: Option '{option}' requires an integer argument") from None


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--age-limit", metavar="FSD", help="Purge jobs inactive for longer than FSD")
@click.option("--num-limit", metavar="COUNT", help="Purge the oldest until COUNT are left")
@click.option("-f", "--force", is_flag=True, help="Purge (without it: only count)")
@click.option("--batch", metavar="COUNT", help="Jobs per request (1-100, default 50)")
@click.argument("jobids", nargs=-1)
def purge(age_limit, num_limit, force, batch, jobids):
    """Purge inactive jobs: IDs, or the oldest beyond --age-limit/--num-limit."""
    age = _fsd(age_limit)
    num = _count(num_limit, "num-limit")
    if num is not None and num < -1:
        raise FluxcliError("purge: if set, num limit must be >= 0")
    num = None if num == -1 else num  # -1: no limit, as flux job purge
    size = 50 if batch is None else _count(batch, "batch")
    backend = open_backend()
    try:
        if jobids:
            ids = [backend_jobid(backend, text) for text in jobids]
            total, left = backend.purge(ids=ids, force=force)
        else:
            total = 0
            while True:
                count, left = backend.purge(None, age, num, force, size)
                total += count
                if not force or count < size:
                    break
    except OSError as exc:
        raise FluxcliError(f"purge: {exc.strerror or exc}") from None
    if force:
        click.echo(f"purged {total} inactive jobs, {left} remaining")
    else:
        click.echo(f"use --force to purge {total} of {left} inactive jobs")
    return 0
