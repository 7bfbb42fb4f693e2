"""``fx instance start|stop|status``: manage the per-user local instance."""

from __future__ import annotations

import json
import os

import click

from .tools import click_run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def instance():
    """Manage the embedded local instance."""


@instance.command()
def start():
    """Start the instance (it also starts by itself on first use)."""
    from fluxcli.backends.local.client import connect

    connect().call("ping")
    return 0


@instance.command()
def stop():
    """Stop the instance (running jobs are killed; their records are kept)."""
    from fluxcli.backends.local.client import connect

    try:
        conn = connect(start=False)
    except OSError:
        click.echo("fx instance: not running", err=True)
        return 0
    conn.call("shutdown")
    return 0


@instance.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON")
def status(as_json):
    """Show pid, URI, state directory, resources and job counts."""
    from fluxcli.backends.local.client import connect, default_state_dir

    try:
        info = connect(os.environ.get("FX_URI"), start=False).call("status")
    except OSError:
        if as_json:
            click.echo(json.dumps({"running": False, "state_dir": default_state_dir()}))
        else:
            click.echo(f"not running (state directory {default_state_dir()})")
        return 1
    info["running"] = True
    if as_json:
        click.echo(json.dumps(info))
        return 0
    cores = sum(len(n["cores"]) for n in info["resources"])
    gpus = sum(len(n["gpus"]) for n in info["resources"])
    click.echo(f"pid:        {info['pid']}")
    click.echo(f"uri:        {info['uri']}")
    click.echo(f"state dir:  {info['state_dir']}")
    click.echo(f"resources:  {len(info['resources'])} node(s), {cores} core(s), {gpus} gpu(s)")
    counts = ", ".join(f"{k}={v}" for k, v in sorted(info["counts"].items())) or "none"
    click.echo(f"jobs:       {counts}")
    return 0


def instance_main(argv: list[str]) -> int:
    """Entry point of ``fx instance``."""
    return click_run(instance, argv, "fx instance")
