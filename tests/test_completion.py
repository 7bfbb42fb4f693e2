"""--version on every tool; fx completion bash|zsh completes options and subcommands."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import NINE_TOOLS

CASES = [
    (["fxsub", "--urg"], "--urgency"),
    (["fx", "job", "kill", "--s"], "--signal"),
    (["fx", "jo"], "job jobs"),
    (["fx", "job", "pu"], "purge"),
    (["fxcancel", "--al"], "--all"),
    (["fx", "resource", "list", "--s"], "--states --state --skip-empty"),
    (["fx", "submit", "--cc"], "--cc"),
    (["fxsub", "-n2", "sleep", "--u"], ""),  # the command's own words: left to the shell
]


@pytest.mark.parametrize("tool", NINE_TOOLS)
def test_version(run, tool):
    from fluxcli import __version__

    assert run(tool, "--version").stdout == f"{tool} (fluxcli) {__version__}\n"


def test_version_of_fx_subcommand(run):
    proc = run("fx", "job", "--version")
    assert proc.returncode == 0 and proc.stdout.startswith("fx job (fluxcli) ")


def complete(shell: str, script: str, words: list[str]) -> str:
    """What the script's completion function offers for ``words`` (the last being typed)."""
    setup = "setopt ksharrays" if shell == "zsh" else ":"
    program = f"""
{script}
{setup}
COMP_WORDS=({" ".join(words)}); COMP_CWORD={len(words) - 1}
_fluxcli_complete
print_reply() {{ echo "${{COMPREPLY[*]}}"; }}
print_reply
complete -p {words[0]} >/dev/null || echo "not registered"
"""
    proc = subprocess.run(
        [shell, "-c", program], capture_output=True, text=True, timeout=30, cwd="/"
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_script_completes(run, shell):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    proc = run("fx", "completion", shell)
    assert proc.returncode == 0 and proc.stderr == ""
    for words, expected in CASES:
        assert complete(shell, proc.stdout, words) == expected, words


def test_completion_bad_shell(run):
    proc = run("fx", "completion", "fish")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1].startswith("fx completion: error: Invalid value")


def test_table_covers_every_tool_and_subcommand():
    from fluxcli.commands.completion import completion_table, tool_commands
    from fluxcli.commands.main import TOOLS as FX_TOOLS

    options, subcommands = completion_table(tool_commands())
    for tool in NINE_TOOLS:
        assert "--help" in options[tool]
    assert set(subcommands["fx"]) >= {"submit", "job", "cancel", "resource", "uri", "completion"}
    assert set(FX_TOOLS) <= set(subcommands["fx"])
    assert {"kill", "raise", "urgency", "info", "last", "wait", "purge"} <= set(
        subcommands["fx job"]
    )
    assert "--age-limit" in options["fx job purge"]
