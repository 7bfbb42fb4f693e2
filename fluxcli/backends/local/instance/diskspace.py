"""Free space on the device holding the instance's state, and a reserve for hard times.

When the device runs low the instance refuses new work and fails jobs whose
output it cannot record, each with one clear message, while the state
changes already under way still commit: a reserve file, given back when a
commit fails, makes room for them. Normal service resumes once space returns.
"""

from __future__ import annotations

import os
import sys
import time

LOW_WATER = 4 << 20  # below this much free space: refuse new work
HIGH_WATER = 8 << 20  # normal service again above this
RESERVE = 4 << 20  # kept allocated for commits when the device fills up
CHECK_INTERVAL = 0.1  # seconds between free-space readings


class SpaceGuard:
    """Tracks free space under ``state_dir`` (readings rate-limited) and holds the reserve."""

    def __init__(self, state_dir: str):
        self.state_dir = state_dir
        self.reserve_path = os.path.join(state_dir, "reserve")
        self.low = False
        self.checked = 0.0
        self.reported = False
        self.make_reserve()

    @property
    def message(self) -> str:
        return f"no space left on the device holding FX_STATE_DIR ({self.state_dir})"

    def free(self) -> int:
        """Bytes an unprivileged writer can still use there."""
        stat = os.statvfs(self.state_dir)
        return stat.f_bavail * stat.f_frsize

    def out_of_space(self) -> bool:
        """True while the device is (nearly) full."""
        now = time.monotonic()
        if now - self.checked >= CHECK_INTERVAL:
            self.checked = now
            try:
                free = self.free()
            except OSError:
                return self.low
            if self.low and free > HIGH_WATER:
                self.low = False
                self.make_reserve()
                print("free space is back: normal service", file=sys.stderr, flush=True)
            elif not self.low and free < LOW_WATER:
                self.low = True
                print(f"{self.message}: refusing new work", file=sys.stderr, flush=True)
        return self.low

    def commit_failed(self) -> bool:
        """A commit failed: give the reserve back; True when that made room to retry."""
        self.low = True
        self.checked = time.monotonic()
        if not self.reported:
            self.reported = True
            print(f"{self.message}: commits are failing", file=sys.stderr, flush=True)
        try:
            os.unlink(self.reserve_path)
            return True
        except OSError:
            return False

    def commit_succeeded(self) -> None:
        self.reported = False

    def make_reserve(self) -> None:
        """Allocate the reserve file if it is missing and there is room for it."""
        if os.path.exists(self.reserve_path):
            return
        try:
            if self.free() < RESERVE + HIGH_WATER:
                return
            fd = os.open(
                self.reserve_path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
            )
        except OSError:
            return
        try:
            os.posix_fallocate(fd, 0, RESERVE)
        except OSError:
            os.unlink(self.reserve_path)
        finally:
            os.close(fd)
