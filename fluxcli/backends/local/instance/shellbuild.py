"""The compiled job-shell launcher (jobshell.c): built once per machine with the C compiler.

Starting a job through a small C program costs about what spawning the task
itself costs; forking a Python shell per job costs several times more. Where
no compiler is found, or ``FX_JOBSHELL=python``, the launcher forks Python
shells instead: slower, the same behaviour.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jobshell.c")


def cache_dir() -> str:
    """$XDG_CACHE_HOME/fluxcli (~/.cache/fluxcli)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "fluxcli")


def _safe_dir(path: str) -> bool:
    """Ours alone: not a symlink, owned by us, writable by nobody else."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return os.path.isdir(path) and st.st_uid == os.getuid() and not st.st_mode & 0o022


def shell_program() -> str | None:
    """The path of the compiled shell, building it if needed; None to use the Python shell."""
    if os.environ.get("FX_JOBSHELL") == "python":
        return None
    try:
        with open(SOURCE, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()[:16]
    except OSError as exc:
        print(f"job shell source missing ({exc}): job shells run in Python", file=sys.stderr)
        return None
    directory = cache_dir()
    target = os.path.join(directory, f"fxjobshell-{digest}-{platform.machine()}")
    if os.access(target, os.X_OK) and _safe_dir(directory):
        return target
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        print("no C compiler found: job shells run in Python (slower)", file=sys.stderr)
        return None
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        if not _safe_dir(directory):
            raise OSError(f"{directory} is not a private directory")
        partial = f"{target}.{os.getpid()}"
        subprocess.run(
            [compiler, "-O2", "-o", partial, SOURCE],
            check=True,
            capture_output=True,
            timeout=120,
        )
        os.replace(partial, target)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        print(
            f"could not build the job shell ({exc}) {detail.decode(errors='replace')[:500]}; "
            "job shells run in Python (slower)",
            file=sys.stderr,
        )
        return None
    return target
