"""A private state directory: ours, not writable by others, no symbolic link followed."""

from __future__ import annotations

import errno
import os
import stat

from fluxcli.errors import BackendError

# every file the instance and its clients keep in the state directory
STATE_FILES = (
    "instance.lock",
    "start.lock",
    "instance.log",
    "jobs.db",
    "jobs.db-wal",
    "jobs.db-shm",
    "local.sock",
)


class UnsafeInstanceError(BackendError):
    """The state directory, one of its files, or the instance is not safely the user's own."""


def _require_owner(st: os.stat_result, label: str) -> None:
    uid = os.getuid()
    if st.st_uid != uid:
        raise UnsafeInstanceError(f"{label} is owned by uid {st.st_uid}, not you (uid {uid})")


def _make_private_dirs(path: str) -> None:
    missing = []
    while not os.path.lexists(path):
        missing.append(path)
        path = os.path.dirname(path)
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass


def check_state_dir(path: str, create: bool = False) -> bool:
    """Refuse a state directory that is a symlink, not ours, or writable by others.

    With ``create`` a missing directory (and missing parents, as XDG says) is
    made mode 0700. Return whether the directory exists.
    """
    path = path.rstrip("/") or "/"  # "link/" would resolve the link
    if create:
        _make_private_dirs(os.path.abspath(path))
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    label = f"local instance state directory {path}"
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeInstanceError(f"{label} is a symbolic link")
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeInstanceError(f"{label} is not a directory")
    _require_owner(st, label)
    if st.st_mode & 0o022:
        raise UnsafeInstanceError(
            f"{label} is writable by others (mode {stat.S_IMODE(st.st_mode):04o})"
        )
    return True


def check_state_files(state_dir: str, fix_modes: bool = False) -> None:
    """Refuse state files that are symlinks or not ours; with ``fix_modes`` make them 0600."""
    for name in STATE_FILES:
        path = os.path.join(state_dir, name)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        label = f"local instance state file {path}"
        if stat.S_ISLNK(st.st_mode):
            raise UnsafeInstanceError(f"{label} is a symbolic link")
        _require_owner(st, label)
        if name == "local.sock":
            continue
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeInstanceError(f"{label} is not a regular file")
        if fix_modes and st.st_mode & 0o077:
            os.chmod(path, 0o600)  # not a link (checked) in a directory only we can write


def open_private(path: str, flags: int) -> int:
    """Open (creating it 0600) a regular file of ours without following a symlink."""
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeInstanceError(f"local instance state file {path} is a symbolic link")
        raise
    try:
        st = os.fstat(fd)
        label = f"local instance state file {path}"
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeInstanceError(f"{label} is not a regular file")
        _require_owner(st, label)
        if st.st_mode & 0o077:
            os.fchmod(fd, 0o600)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd
