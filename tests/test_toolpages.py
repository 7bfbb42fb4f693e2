"""Man pages of fxjobs and fx-pgrep: current with their commands, every option, rendered by man."""

from __future__ import annotations

import subprocess

import pytest
from conftest import ROOT

from fluxcli.manpages import render, tool_command
from fluxcli.manpages.listing import PAGES


def _command(name: str):
    return tool_command(*PAGES[name]["module"])


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_is_current_complete_and_renders(name):
    path = ROOT / "man" / f"{name}.1"
    page = path.read_text()
    assert page == render(name), f"man/{name}.1 is stale: run python -m fluxcli.manpages man"
    for param in _command(name).params:
        if param.opts[0].startswith("-") and not getattr(param, "hidden", False):
            assert param.opts[-1].replace("-", "\\-") in page, (name, param.opts)
    proc = subprocess.run(
        ["man", "--warnings", "-l", str(path)],
        capture_output=True,
        text=True,
        env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0 and proc.stderr == "" and name.upper() in proc.stdout
    assert "OUTPUT FORMAT" in proc.stdout and "maxrss" in proc.stdout
