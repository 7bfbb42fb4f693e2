"""Man pages of fxcancel and fx: current with their commands, every option, rendered by man;
and a page for each of the nine tools."""

from __future__ import annotations

import subprocess

import click
import pytest
from conftest import NINE_TOOLS, ROOT

from fluxcli.manpages import render
from fluxcli.manpages.control import RENDERERS as PAGES
from fluxcli.manpages.control import SUBCOMMANDS, fx_command

HEADINGS = {
    "fxcancel": ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXAMPLES", "EXIT STATUS", "SEE ALSO"],
    "fx": [
        "NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "PURGING", "COMPLETION", "ENVIRONMENT",
        "EXIT STATUS", "SEE ALSO",
    ],
}  # fmt: skip


def shown(name: str) -> str:
    proc = subprocess.run(
        ["man", "--warnings", "-l", str(ROOT / "man" / f"{name}.1")],
        capture_output=True,
        text=True,
        env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin"},
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    return proc.stdout


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_current_and_rendered(name):
    source = (ROOT / "man" / f"{name}.1").read_text()
    assert source == render(name), f"man/{name}.1 is stale: run python -m fluxcli.manpages man"
    text = shown(name)
    headings = [line for line in text.splitlines() if line and not line[0].isspace()]
    assert headings[1:-1] == HEADINGS[name]


@pytest.mark.parametrize("path", ["cancel", *(p for p, _, _ in SUBCOMMANDS)])
def test_every_option_documented(path):
    page = "fxcancel" if path == "cancel" else "fx"
    source = (ROOT / "man" / f"{page}.1").read_text()
    if page == "fx":
        sections = source.split("\n.SS fx ")
        [source] = [s for s in sections if f"{s.split(chr(10))[0]} ".startswith(f"{path} ")]
    for param in fx_command(path).params:
        if isinstance(param, click.Option):
            assert f".B {param.opts[0]}".replace("-", "\\-") in source, (path, param.opts)


def test_every_fx_job_subcommand_has_a_section():
    documented = {p for p, _, _ in SUBCOMMANDS}
    for group in ("job", "resource", "instance"):
        for name in fx_command(group).commands:
            assert f"{group} {name}" in documented


def test_nine_tools_have_pages():
    assert all((ROOT / "man" / f"{tool}.1").is_file() for tool in NINE_TOOLS)


def test_one_table_writes_every_page_as_the_tree_has_it(tmp_path):
    """fluxcli.manpages.PAGES names every man/*.1, and write_all reproduces each."""
    from fluxcli.manpages import PAGES as ALL_PAGES
    from fluxcli.manpages import write_all

    assert sorted(f"{name}.1" for name in ALL_PAGES) == sorted(
        path.name for path in (ROOT / "man").glob("*.1")
    )
    for path in write_all(str(tmp_path)):
        name = path.rsplit("/", 1)[-1]
        assert open(path).read() == (ROOT / "man" / name).read_text(), name
