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
    from fluxcli.backends import local_admin

    admin = local_admin()

    admin.start()
    return 0


@instance.command()
def stop():
    """Stop the instance (running jobs are killed; their records are kept)."""
    from fluxcli.backends import local_admin

    admin = local_admin()

    if not admin.stop():
        click.echo("fx instance: not running", err=True)
    return 0


@instance.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON")
def status(as_json):
    """Show pid, URI, state directory, resources and job counts."""
    from fluxcli.backends import local_admin

    admin = local_admin()

    info = admin.status(os.environ.get("FX_URI"))
    if not info["running"]:
        if as_json:
            click.echo(json.dumps(info))
        else:
            click.echo(f"not running (state directory {info['state_dir']})")
        return 1
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
    return click_run(instance, argv, "fx instance", backends=False)  # local by nature
