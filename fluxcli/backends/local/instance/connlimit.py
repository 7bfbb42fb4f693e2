"""How many clients the instance serves at once: $FX_MAX_CONNECTIONS within the fd limit."""

from __future__ import annotations

import os
import resource
import sys

DEFAULT_MAX_CONNECTIONS = 1024
FD_RESERVE = 256  # descriptors kept for jobs, the database and the listener
MIN_CONNECTIONS = 16  # whatever the descriptor limit (a client may hold two at once)


def max_connections() -> int:
    """$FX_MAX_CONNECTIONS, else :data:`DEFAULT_MAX_CONNECTIONS`."""
    value = os.environ.get("FX_MAX_CONNECTIONS", "")
    try:
        return max(1, int(value)) if value else DEFAULT_MAX_CONNECTIONS
    except ValueError:
        print(f"FX_MAX_CONNECTIONS={value!r} is not a number: ignored", file=sys.stderr)
        return DEFAULT_MAX_CONNECTIONS


def fit_fd_limit(wanted: int) -> int:
    """Raise the soft descriptor limit toward ``wanted + FD_RESERVE``; the connections it allows.

    Accepting past the limit would fail (EMFILE) without a word to the client;
    refusing at the cap tells it why.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + FD_RESERVE
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(hard, need)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= need:
        return wanted
    # a small limit keeps half for jobs and the database; a few connections always
    allowed = max(MIN_CONNECTIONS, soft - min(FD_RESERVE, soft // 2))
    print(f"descriptor limit {soft}: accepting at most {allowed} connections", file=sys.stderr)
    return allowed
