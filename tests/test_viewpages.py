"""Man pages of fxwatch and fx top: current with their commands, every option, rendered by man."""

from __future__ import annotations

import subprocess

import click
import pytest
from conftest import ROOT

from fluxcli.manpages import render, tool_command
from fluxcli.manpages.views import PAGES


def _command(name: str):
    return tool_command(*PAGES[name]["module"])


SECTIONS = {"fxwatch": ["ON A TERMINAL", "EVENTS FOR SCRIPTS", "INTERRUPTING"], "fx-top": []}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_view_page_current_with_every_option_and_rendered(name):
    path = ROOT / "man" / f"{name}.1"
    source = path.read_text()
    assert source == render(name), f"man/{name}.1 is stale: run python -m fluxcli.manpages man"
    options = [p for p in _command(name).params if isinstance(p, click.Option)]
    for option in options:
        assert f".B {option.opts[0]}".replace("-", "\\-") in source, option.opts
    shown = subprocess.run(
        ["man", "--warnings", "-l", str(path)],
        capture_output=True,
        text=True,
        env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin"},
    )
    assert (shown.returncode, shown.stderr) == (0, "")
    headings = [line for line in shown.stdout.splitlines() if line and not line[0].isspace()]
    assert headings[1:-1] == [
        "NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", *SECTIONS[name], "EXAMPLES",
        "EXIT STATUS", "SEE ALSO",
    ]  # fmt: skip
