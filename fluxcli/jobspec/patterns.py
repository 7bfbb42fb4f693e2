"""Name matching shared by environment and rlimit rules: glob or ``/regex/``."""

from __future__ import annotations

import fnmatch
import re


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a rule pattern: ``/regex/`` (anchored at start) or a shell glob."""
    try:
        if pattern.startswith("/"):
            return re.compile(pattern[1:].rstrip("/"))
        return re.compile(fnmatch.translate(pattern))
    except re.error as exc:
        raise ValueError(f"invalid pattern '{pattern}': {exc}")


def matching_keys(names, pattern: str) -> list[str]:
    """Return the names that ``pattern`` matches, in their original order."""
    regex = compile_pattern(pattern)
    return [name for name in names if regex.match(name)]
