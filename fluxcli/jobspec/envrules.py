"""Environment filter rules (``--env``, ``--env-remove``, ``--env-file``)."""

from __future__ import annotations

import os
import string
from collections import ChainMap
from collections.abc import Iterable, Mapping

from .patterns import matching_keys


def get_filtered_environment(
    rules: Iterable[str] | None, environ: Mapping[str, str] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """Apply ``rules`` in order to a copy of ``environ`` (default os.environ).

    Returns ``(environment, env_expand)``; values holding ``{{...}}`` mustache
    templates go to ``env_expand`` for the job shell to render.
    """
    source = dict(os.environ if environ is None else environ)
    env = dict(source)
    expand: dict[str, str] = {}
    for rule in rules or []:
        _apply_rule(rule, env, expand, source)
    return env, expand


def _apply_rule(rule: str, env: dict, expand: dict, source: Mapping[str, str]) -> None:
    if rule.startswith("-"):
        for key in matching_keys(list(env), rule[1:]):
            del env[key]
    elif rule.startswith("^"):
        path = os.path.expanduser(rule[1:])
        try:
            with open(path) as handle:
                lines = handle.read().splitlines()
        except OSError as exc:
            raise ValueError(f"--env: {exc}")
        for line in lines:
            _apply_rule(line.strip(), env, expand, source)
    elif "=" in rule:
        var, value = rule.split("=", 1)
        if "{{" in value:
            expand[var] = value
            return
        try:
            env[var] = string.Template(value).substitute(ChainMap(env, source))
        except KeyError as exc:
            raise ValueError(f"--env: Variable {exc} not found in {rule}")
        except ValueError:
            raise ValueError(f"--env: Unable to substitute {rule}")
    else:
        for key in matching_keys(list(source), rule):
            if key not in env:
                env[key] = source[key]
