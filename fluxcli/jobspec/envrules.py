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
    templates go to ``env_expand`` for the job shell to render. Errors are
    ValueErrors naming ``--env`` (and the rule file, for a rule read from one).
    """
    source = dict(os.environ if environ is None else environ)
    env = dict(source)
    expand: dict[str, str] = {}
    for rule in rules or []:
        _apply_rule(rule, env, expand, source, ())
    return env, expand


def _apply_rule(
    rule: str, env: dict, expand: dict, source: Mapping[str, str], files: tuple[str, ...]
) -> None:
    if rule.startswith("-"):
        try:
            keys = matching_keys(list(env), rule[1:])
        except ValueError as exc:
            raise ValueError(f"--env: {exc}") from None
        for key in keys:
            del env[key]
    elif rule.startswith("^"):
        path = os.path.expanduser(rule[1:])
        for line in _rule_file(path, files):
            _apply_rule(line.strip(), env, expand, source, (*files, os.path.realpath(path)))
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
        try:
            keys = matching_keys(list(source), rule)
        except ValueError as exc:
            raise ValueError(f"--env: {exc}") from None
        for key in keys:
            if key not in env:
                env[key] = source[key]


def _rule_file(path: str, files: tuple[str, ...]) -> list[str]:
    """The lines of rule file ``path`` (``--env-file``, ``--env=^FILE``)."""
    if os.path.realpath(path) in files:
        raise ValueError(f"--env: {path}: the rule file includes itself")
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().splitlines()
    except OSError as exc:
        raise ValueError(f"--env: {exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"--env: {path}: not a text file (not UTF-8)") from None
