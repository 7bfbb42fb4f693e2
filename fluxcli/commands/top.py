"""fx top: a live overview of the instance (as ``flux top``), on the terminal's stderr; ``q`` quits.

Every REFRESH seconds (or at once on a key) it asks the backend for its
resources, its active jobs, their job counts and what the running ones use
now, and redraws the whole screen. Any backend that lists jobs works; one
that cannot measure use shows ``-`` there.
"""

from __future__ import annotations

import os
import sys

import click

from .tools import click_run, open_backend

TOOL = "fx top"
REFRESH = 1.0  # seconds between frames
ACTIVE = ("DEPEND", "PRIORITY", "SCHED", "RUN", "CLEANUP")


def snapshot(backend, height: int):
    """One frame's records, as an Overview (views/overview.py)."""
    from fluxcli.backends.contract import JobFilter
    from fluxcli.views.overview import Overview

    jobs = backend.list_jobs(JobFilter(states=ACTIVE, userid=-1))
    running = [job.id for job in jobs if job.state in ("RUN", "CLEANUP")][:height]
    stats = backend.job_stats()
    complete = stats.results.get("COMPLETED", 0)
    counts = {"complete": complete, "failed": sum(stats.results.values()) - complete}
    usage = backend.usage(running) if running else {}
    return Overview(backend.describe(), jobs, usage, counts, backend.format_id)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default=None,
    help="Colour: always, never, or auto (a terminal without NO_COLOR)",
)
def top(color):
    """Show the instance's resources and active jobs, refreshed in place (q quits)."""
    from fluxcli.views.terminal import Terminal, is_terminal

    terminal = Terminal(TOOL, color=color)
    for name, stream in (("stdin", sys.stdin), ("stderr", sys.stderr)):
        if not is_terminal(stream):
            terminal.error(f"{name} is not a terminal")
            return 1
    backend = open_backend()
    try:
        _show(backend, terminal)
    except KeyboardInterrupt:
        pass
    finally:
        backend.close()
    return 0


def _show(backend, terminal) -> None:
    import select
    import termios
    import tty

    from rich.live import Live

    console = terminal.console
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    try:
        with Live(console=console, screen=True, auto_refresh=False) as live:
            while True:
                frame = snapshot(backend, console.height)
                live.update(frame.render(console.height), refresh=True)
                ready, _, _ = select.select([fd], [], [], REFRESH)
                if ready and os.read(fd, 1) in (b"q", b"Q"):
                    return
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def top_main(argv: list[str]) -> int:
    """Entry point of ``fx top``."""
    return click_run(top, argv, TOOL)
