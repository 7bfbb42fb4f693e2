"""POSIX-style parsing on top of click: options stop at the first non-option word.

The reference tools treat ``--``, ``""``, ``-``, a word not starting with
``-`` and negative numbers as the end of options. We find that point
ourselves, hand click only the options, and keep the rest verbatim.
"""

from __future__ import annotations

import re

import click

from fluxcli.errors import UsageError

_NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")
HIDDEN_ALIASES = {"--require": "--requires", "--dry": "--dry-run", "--broker-opt": "--broker-opts"}


class Parsed:
    """The result of parsing one command line."""

    def __init__(
        self,
        params: dict,
        given: set[str],
        ordered: list[tuple[str, str]],
        remainder: list[str],
        dashdash: bool,
    ):
        self.params, self.given, self.ordered = params, given, ordered
        self.remainder, self.dashdash = remainder, dashdash
        self.help_topic: str | None = None
        self.want_help = False
        self.extra: dict = {}


def _option_table(command: click.Command) -> dict[str, click.Option]:
    table = {}
    for param in command.params:
        if isinstance(param, click.Option):
            for name in param.opts + param.secondary_opts:
                table[name] = param
    return table


def _takes_value(param: click.Option) -> bool:
    return not param.is_flag and not param.count


def _next_word(argv: list[str], i: int, label: str) -> tuple[str, int]:
    if i >= len(argv):
        raise UsageError(f"argument {label}: expected one argument")
    return argv[i], i + 1


def split_argv(command: click.Command, argv: list[str]) -> Parsed:
    """Split ``argv`` into click-ready options and the verbatim remainder."""
    table = _option_table(command)
    opts: list[str] = []
    ordered: list[tuple[str, str]] = []
    parsed = Parsed({}, set(), ordered, [], False)
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            parsed.dashdash = True
            parsed.remainder = argv[i + 1 :]
            break
        if tok in ("", "-") or not tok.startswith("-") or _NEGATIVE_NUMBER.match(tok):
            parsed.remainder = argv[i:]
            break
        i += 1
        if tok.startswith("--"):
            name, eq, value = tok.partition("=")
            name = HIDDEN_ALIASES.get(name, name)
            if name == "--help":
                parsed.want_help = True
                if eq:
                    parsed.help_topic = value
                elif i < len(argv) and argv[i] and not argv[i].startswith("-"):
                    parsed.help_topic = argv[i]
                    i += 1
                continue
            param = table.get(name)
            if param is None:
                raise UsageError(f"unrecognized arguments: {tok}")
            if getattr(param, "optional_value", False):
                if not eq and i < len(argv) and argv[i] and not argv[i].startswith("-"):
                    value, eq = argv[i], "="
                    i += 1
                opts.append(f"{name}={value}" if eq else name)
                ordered.append((param.name, value if eq else None))
                continue
            if _takes_value(param):
                if not eq:
                    value, i = _next_word(argv, i, name)
                opts.extend([name, value])
                ordered.append((param.name, value))
            else:
                if eq:
                    raise UsageError(f"argument {name}: ignored explicit argument '{value}'")
                opts.append(name)
            continue
        # a cluster of short options: -vn4, -n 4, -x
        j = 1
        while j < len(tok):
            name = "-" + tok[j]
            param = table.get(name)
            if param is None:
                raise UsageError(f"unrecognized arguments: {tok}")
            j += 1
            if _takes_value(param):
                if j < len(tok):
                    value = tok[j:]
                else:
                    value, i = _next_word(argv, i, "/".join(param.opts))
                opts.extend([name, value])
                ordered.append((param.name, value))
                break
            opts.append(name)
    parsed.extra["opts"] = opts
    return parsed


def parse(command: click.Command, argv: list[str], prog: str) -> Parsed:
    """Parse ``argv`` for ``command``; raise UsageError on bad usage."""
    parsed = split_argv(command, argv)
    try:
        ctx = command.make_context(prog, list(parsed.extra["opts"]), resilient_parsing=False)
    except click.BadParameter as exc:
        raise UsageError(_bad_value(exc, parsed) or exc.format_message())
    except click.UsageError as exc:
        raise UsageError(exc.format_message())
    parsed.params = dict(ctx.params)
    parsed.given = {
        name
        for name in ctx.params
        if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
    }
    return parsed


def _bad_value(exc: click.BadParameter, parsed: Parsed) -> str | None:
    """argparse's words for a bad typed value: ``argument -n/--nslots: invalid int value: 'x'``."""
    param = exc.param
    if param is None or not isinstance(param.type, click.types.IntParamType):
        return None
    values = [value for name, value in parsed.ordered if name == param.name]
    if not values:
        return None
    return f"argument {'/'.join(param.opts)}: invalid int value: '{values[-1]}'"


class OptionalValueOption(click.Option):
    """A long option whose value is optional (``--dump`` or ``--dump=FILE``)."""

    optional_value = True

    def __init__(self, *args, default_when_bare: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.default_when_bare = default_when_bare
