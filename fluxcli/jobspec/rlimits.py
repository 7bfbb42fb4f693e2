"""Process resource limit propagation rules (``--rlimit``)."""

from __future__ import annotations

import resource
from collections.abc import Iterable

from .patterns import matching_keys

DEFAULT_EXCLUDES = ["-memlock", "-ofile", "-msgqueue", "-nice", "-rtprio", "-rttime", "-sigpending"]
_INFINITE_WORDS = ("unlimited", "infinity", "inf")


def list_split(values: Iterable[str] | str | None) -> list[str]:
    """Flatten comma-separated option values into one list."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [item for value in values for item in value.split(",")]


def _soft(limit: int) -> int:
    return -1 if limit == resource.RLIM_INFINITY else limit


def get_rlimits(pattern: str = "*") -> dict[str, int]:
    """Current soft limits whose lower-case names match ``pattern``."""
    names = [n for n in vars(resource) if n.startswith("RLIMIT_")]
    matched = matching_keys(names, "RLIMIT_" + pattern.upper())
    if not matched:
        raise ValueError(f'No corresponding rlimit matching "{pattern}"')
    return {n[7:].lower(): _soft(resource.getrlimit(getattr(resource, n))[0]) for n in matched}


def get_filtered_rlimits(user_rules: Iterable[str] | str | None = None) -> dict[str, int]:
    """Apply rlimit rules (``-PAT``, ``NAME``, ``NAME=VALUE``) to the defaults."""
    limits = get_rlimits()
    for rule in DEFAULT_EXCLUDES + list_split(user_rules):
        if rule.startswith("-"):
            for key in matching_keys(list(limits), rule[1:].lower()):
                del limits[key]
        elif "=" in rule:
            name, value = rule.split("=", 1)
            if not hasattr(resource, "RLIMIT_" + name.upper()):
                raise ValueError(f'Invalid rlimit "{name}"')
            if value in _INFINITE_WORDS:
                limits[name] = -1
            else:
                try:
                    limits[name] = int(value)
                except ValueError:
                    raise ValueError(f"Invalid value in {rule}")
        else:
            limits.update(get_rlimits(rule))
    return limits
