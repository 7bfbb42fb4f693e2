"""Building a click command for one submission tool, plugin options included."""

from __future__ import annotations

import click

from fluxcli.errors import FluxcliError

from .optiondefs import PROG_LETTER, options_for
from .parsing import HIDDEN_ALIASES, OptionalValueOption

PLUGIN_SECTION = "Options provided by plugins (--help=OPTION for extended plugin documentation)"

USAGE = {
    "submit": "[OPTIONS...] COMMAND [ARGS...]",
    "run": "[OPTIONS...] COMMAND [ARGS...]",
    "bulksubmit": "[OPTIONS...] COMMAND [ARGS...] [::: INPUTS...]",
    "batch": "[OPTIONS...] [SCRIPT] [ARGS...]",
    "alloc": "[OPTIONS...] [COMMAND] [ARGS...]",
}
DESCRIPTION = {
    "submit": "Enqueue a job.",
    "run": "Run a job interactively: submit it, stream its output and exit with its status.",
    "bulksubmit": "Submit one job per combination of inputs, like GNU parallel.",
    "batch": (
        "Submit a batch SCRIPT and ARGS to be run as the initial program of a new "
        "instance. If no batch script is provided, one is read from stdin."
    ),
    "alloc": (
        "Allocate resources and start a new instance. Once the instance has started, "
        "attach to it interactively (or run COMMAND in it)."
    ),
}


class FxCommand(click.Command):
    """A click command whose help shows option sections like the reference tools."""

    def __init__(self, *args, sections: list[tuple[str, list[click.Option]]], **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = sections

    def format_usage(self, ctx, formatter):
        formatter.write_usage(ctx.command_path, self.options_metavar or "")

    def format_options(self, ctx, formatter):
        for title, params in self.sections:
            rows = [p.get_help_record(ctx) for p in params if not p.hidden]
            rows = [r for r in rows if r]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _click_option(decls: tuple[str, ...], kwargs: dict, hidden: bool) -> click.Option:
    kwargs = dict(kwargs)
    if decls[-1] == "dump":
        return OptionalValueOption(
            list(decls),
            is_flag=False,
            flag_value="flux-{{jobid}}-dump.tgz",
            hidden=hidden,
            **kwargs,
        )
    return click.Option(list(decls), hidden=hidden, **kwargs)


def _plugin_option(opt) -> click.Option:
    kwargs: dict = {"help": opt.help or None, "hidden": False}
    if opt.metavar:
        kwargs["metavar"] = opt.metavar
    if opt.action in ("store_true", "store_false"):
        kwargs.update(is_flag=True, default=opt.action == "store_false")
    elif opt.action == "count":
        kwargs.update(count=True)
    elif opt.action == "append":
        kwargs.update(multiple=True)
    else:
        kwargs["default"] = opt.default
        if opt.choices:
            kwargs["type"] = click.Choice(list(opt.choices))
        elif callable(opt.type):
            kwargs["type"] = opt.type
    return click.Option([opt.name, opt.dest], **kwargs)


def build_command(prog: str, command_name: str, registry=None) -> click.Command:
    """The click command of ``prog``; ``registry`` adds the plugins' options."""
    letter = PROG_LETTER[prog]
    sections: dict[str, list[click.Option]] = {}
    params: list[click.Option] = []
    builtin_names: set[str] = set()
    for odef in options_for(prog):
        option = _click_option(odef.decls, odef.kwargs, letter in odef.hidden_in)
        params.append(option)
        sections.setdefault(odef.section, []).append(option)
        builtin_names.update(option.opts)
    builtin_names.update(HIDDEN_ALIASES, ["--help"])
    plugin_params = []
    for opt in registry.options if registry is not None else []:
        if opt.name in builtin_names:
            # as Flux's argparse does: the command cannot be built at all
            raise FluxcliError(f"argument {opt.name}: conflicting option string: {opt.name}")
        plugin_params.append(_plugin_option(opt))
    params.extend(plugin_params)
    ordered_sections = list(sections.items())
    if plugin_params:
        ordered_sections.append((PLUGIN_SECTION, plugin_params))
    return FxCommand(
        command_name,
        params=params,
        help=DESCRIPTION[prog],
        options_metavar=USAGE[prog],
        add_help_option=False,
        sections=ordered_sections,
    )
