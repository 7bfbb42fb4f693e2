"""``--log`` / ``--log-stderr``: send a command's own output to files (``{cc}`` allowed)."""

from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def redirect_logs(copies, ns):
    """Yield ``streams(copy_ns) -> (out, err)``, opening each distinct log file once."""
    files: dict[str, object] = {}

    def opened(path: str):
        if path not in files:
            files[path] = open(path, "w", buffering=1)
        return files[path]

    def streams(copy_ns):
        out = opened(copy_ns.log) if getattr(copy_ns, "log", None) else sys.stdout
        if getattr(copy_ns, "log_stderr", None):
            err = opened(copy_ns.log_stderr)
        elif getattr(copy_ns, "log", None):
            err = out
        else:
            err = sys.stderr
        return out, err

    try:
        yield streams
    finally:
        for handle in files.values():
            handle.close()
