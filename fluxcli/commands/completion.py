"""``fx completion bash|zsh``: one completion script for every fluxcli command.

click's own completion works per click command and calls the program back on
every TAB; our tools are nine programs (fxsub ... fx), the submission tools
parse their own argv, and a call back would start Python for each TAB. So the
script is generated once from the click definitions of every command (options
of each tool and subcommand, the subcommands of ``fx``, ``fx job`` ...) and
completes from that table, in bash directly and in zsh through bashcompinit.
"""

from __future__ import annotations

import importlib

import click

from .main import SUBMITTERS, TOOLS
from .tools import add_backend_option, click_run

SHELLS = ("bash", "zsh")
STANDALONE = ("cancel", "jobs", "watch")  # fxcancel, fxjobs, fxwatch besides fx cancel ...


def tool_commands() -> dict[str, click.Command]:
    """The click command of each ``fx`` subcommand (submitters built without plugins)."""
    from .cli import build_command

    commands: dict[str, click.Command] = {}
    for name, (prog, _) in SUBMITTERS.items():
        commands[name] = build_command(name, prog)
    for name, (module, func) in TOOLS.items():
        command = getattr(importlib.import_module(module), func.removesuffix("_main"), None)
        if isinstance(command, click.Command):
            add_backend_option(command)
            commands[name] = command
    return commands


def _options(command: click.Command) -> list[str]:
    words = []
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            words += [opt for opt in param.opts + param.secondary_opts if opt.startswith("--")]
            words += [opt for opt in param.opts if not opt.startswith("--")]
    return words + ["--help"]


def completion_table(commands: dict[str, click.Command]) -> tuple[dict, dict]:
    """(options of each command line prefix, subcommands of each prefix)."""
    options: dict[str, list[str]] = {}
    subcommands: dict[str, list[str]] = {"fx": sorted(commands)}

    def visit(prefix: str, command: click.Command) -> None:
        options[prefix] = _options(command)
        if isinstance(command, click.Group):
            subcommands[prefix] = sorted(command.commands)
            for name, sub in command.commands.items():
                visit(f"{prefix} {name}", sub)

    for name, command in commands.items():
        visit(f"fx {name}", command)
    for name, (prog, _) in SUBMITTERS.items():
        options[prog] = options[f"fx {name}"]
    for name in STANDALONE:
        options[f"fx{name}"] = options[f"fx {name}"]
    options["fx"] = ["--help", "--version"]
    return options, subcommands


# zsh runs the bash function through bashcompinit (compinit first, if not done yet)
ZSH_PREAMBLE = """\
(( $+functions[compdef] )) || { autoload -U +X compinit && compinit -u; }
autoload -U +X bashcompinit && bashcompinit
"""
SCRIPT = """\
# fluxcli completion for {shell}: eval "$(fx completion {shell})"
{preamble}typeset -A _fluxcli_opts _fluxcli_subs
{table}
_fluxcli_match() {{  # the words of $1 that begin with $2 (compgen -W, also in zsh)
    local w
    local -a list
    eval "list=($1)"
    for w in "${{list[@]}}"; do [[ $w == "$2"* ]] && COMPREPLY+=("$w"); done
}}
_fluxcli_complete() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" key="${{COMP_WORDS[0]##*/}}" word i
    COMPREPLY=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${{COMP_WORDS[i]}}"
        [[ $word == -* ]] && continue
        [[ " ${{_fluxcli_subs[$key]}} " == *" $word "* ]] || break
        key="$key:$word"
    done
    (( i < COMP_CWORD )) && return 0  # past the command's words: the shell's defaults
    if [[ $cur == -* ]]; then
        _fluxcli_match "${{_fluxcli_opts[$key]}}" "$cur"
    elif [[ -n "${{_fluxcli_subs[$key]}}" ]]; then
        _fluxcli_match "${{_fluxcli_subs[$key]}}" "$cur"
    fi
}}
complete -o default -F _fluxcli_complete {programs}
"""


def _key(prefix: str) -> str:
    return prefix.replace(" ", ":")


def _quote(words: list[str]) -> str:
    return "'" + " ".join(words).replace("'", "'\\''") + "'"


def script(shell: str, commands: dict[str, click.Command] | None = None) -> str:
    """The completion script for ``shell`` (bash or zsh)."""
    options, subcommands = completion_table(commands or tool_commands())
    # keys without spaces or quotes: "fx:job:kill" reads the same in bash and zsh
    rows = [f"_fluxcli_opts[{_key(k)}]={_quote(v)}" for k, v in sorted(options.items())]
    rows += [f"_fluxcli_subs[{_key(k)}]={_quote(v)}" for k, v in sorted(subcommands.items())]
    programs = ["fx", *(prog for prog, _ in SUBMITTERS.values()), *(f"fx{n}" for n in STANDALONE)]
    preamble = ZSH_PREAMBLE if shell == "zsh" else ""
    return SCRIPT.format(
        shell=shell, preamble=preamble, table="\n".join(rows), programs=" ".join(programs)
    )


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell):
    """Print the completion script for SHELL: eval "$(fx completion bash)" in ~/.bashrc."""
    click.echo(script(shell), nl=False)
    return 0


def completion_main(argv: list[str]) -> int:
    """Entry point of ``fx completion``."""
    return click_run(completion, argv, "fx completion", backends=False)
