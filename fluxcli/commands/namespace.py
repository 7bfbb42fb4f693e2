"""Turning parsed command lines (and batch directives) into one options namespace."""

from __future__ import annotations

from types import SimpleNamespace

from .parsing import Parsed

# options applied in command-line order across several flags
ENV_RULE_PREFIX = {"env": "", "env_remove": "-", "env_file": "^"}


def _begin_time_dependency(value: str) -> str:
    from fluxcli.jobspec.fsd import parse_datetime

    return f"begin-time:{parse_datetime(value)}"


def merge(parses: list[Parsed]) -> SimpleNamespace:
    """Merge parses in order: later scalars win, multi-valued options accumulate.

    ``env`` collects --env/--env-remove/--env-file rules and ``dependency``
    collects --dependency/--begin-time, both in the order they were given.
    """
    base = parses[-1].params
    values: dict = {}
    for name, default in base.items():
        values[name] = list(default) if isinstance(default, tuple) else default
    for name in values:
        if isinstance(values[name], list):
            values[name] = []
    for parsed in parses:
        for name in parsed.given:
            value = parsed.params[name]
            if isinstance(value, tuple):
                values[name].extend(value)
            else:
                values[name] = value
    env: list[str] = []
    dependency: list[str] = []
    for parsed in parses:
        for name, value in parsed.ordered:
            if name in ENV_RULE_PREFIX:
                env.append(ENV_RULE_PREFIX[name] + value)
            elif name == "dependency":
                dependency.append(value)
            elif name == "begin_time":
                dependency.append(_begin_time_dependency(value))
    values["env"] = env
    values["dependency"] = dependency
    return SimpleNamespace(**values)
