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
    from fluxcli.backends.local.client import NotRunningError, connect

    try:
        conn = connect(start=False)
    except NotRunningError:  # anything else (an unsafe state directory...) is an error
        click.echo("fx instance: not running", err=True)
        return 0
    pid = conn.call("status")["pid"]
    conn.call("shutdown")
    _wait_gone(pid)
    return 0


def _wait_gone(pid: int, timeout: float = 15.0) -> None:
    """Return once process ``pid`` has exited (so a new start finds the state free)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if _is_zombie(pid):
            return
        time.sleep(0.02)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@instance.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON")
def status(as_json):
    """Show pid, URI, state directory, resources and job counts."""
    from fluxcli.backends.local.client import NotRunningError, connect, default_state_dir

    try:
        info = connect(os.environ.get("FX_URI"), start=False).call("status")
    except NotRunningError:
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
