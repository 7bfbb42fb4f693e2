"""The instance process: ``python -m fluxcli.backends.local.instance.daemon --state-dir DIR``."""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import math
import os
import resource
import signal
import sys
import time

from fluxcli.settings import purge_limits

from ..statedir import UnsafeInstanceError, check_state_dir, check_state_files, open_private
from .manager import JobManager
from .resources import Node, ResourcePool, discover_nodes
from .server import Server
from .store import Store

DEFAULT_IDLE_TIMEOUT = 600.0
LOOP_ERROR_INTERVAL = 10.0  # seconds between two log lines for the same loop error


def load_nodes(path: str | None) -> list[Node]:
    """Nodes from a JSON file (nested instances), else this machine's."""
    if not path:
        return discover_nodes()
    with open(path) as handle:
        return [
            Node(n["rank"], n["hostname"], n["cores"], n.get("gpus", [])) for n in json.load(handle)
        ]


class LoopErrorLog:
    """An event-loop exception handler: one line per distinct error, rate-limited.

    asyncio reports an accept() failing with EMFILE once a second, each with a
    traceback; this keeps a line per message at most every ``interval`` seconds
    (with how many were held back), and tracebacks only with FX_DEBUG set.
    """

    def __init__(self, interval: float = LOOP_ERROR_INTERVAL, stream=None):
        self.interval = interval
        self.stream = stream
        self.last: dict[str, tuple[float, int]] = {}  # message -> (last logged, held back)

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        if os.environ.get("FX_DEBUG"):
            loop.default_exception_handler(context)
            return
        exc = context.get("exception")
        text = context.get("message") or "unhandled error in the event loop"
        if exc is not None:
            text += f": {type(exc).__name__}: {exc}"
        now = time.monotonic()
        logged, held = self.last.get(text, (-math.inf, 0))
        if now - logged < self.interval:
            self.last[text] = (logged, held + 1)
            return
        if len(self.last) > 1000:  # distinct messages are few; never grow without bound
            self.last.clear()
        self.last[text] = (now, 0)
        more = f" ({held} more like it in the last {now - logged:.0f}s)" if held else ""
        print(f"event loop: {text}{more}", file=self.stream or sys.stderr, flush=True)


class LogStream:
    """The instance's stdout or stderr (its log, on the state directory's device).

    A line the device has no room for stays buffered (it is written with a later
    one) or is dropped; the failure is never raised into the work that logged it.
    """

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def __getattr__(self, name):
        return getattr(self.stream, name)


def raise_nofile_limit() -> None:
    """Raise the soft limit on open files to the hard limit (each client takes one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard
    if target == resource.RLIM_INFINITY:  # the kernel caps it at fs.nr_open
        try:
            with open("/proc/sys/fs/nr_open") as handle:
                target = int(handle.read())
        except (OSError, ValueError):
            target = 1 << 20
    if soft == resource.RLIM_INFINITY or soft >= target:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (OSError, ValueError) as exc:
        print(f"could not raise the open files limit to {target}: {exc}", file=sys.stderr)


def prepare_state_dir(state_dir: str) -> None:
    """Make the state directory private (0700), refuse symlinks; files 0600, jobs.db made."""
    check_state_dir(state_dir, create=True)
    os.chmod(state_dir, 0o700)
    check_state_files(state_dir, fix_modes=True)
    # SQLite gives -wal and -shm the mode of the database: create it 0600, link-free
    os.close(open_private(os.path.join(state_dir, "jobs.db"), os.O_RDWR))


async def serve(args) -> int:
    state_dir = args.state_dir
    asyncio.get_running_loop().set_exception_handler(LoopErrorLog())
    store = Store(os.path.join(state_dir, "jobs.db"))
    sock = os.path.join(state_dir, "local.sock")
    manager = JobManager(
        store, ResourcePool(load_nodes(args.nodes)), f"local://{sock}", os.getuid()
    )
    manager.purger.age_limit, manager.purger.num_limit = purge_limits()
    server = Server(manager, sock, state_dir, args.jobid)
    manager.recover()
    manager.flush()
    await server.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, server.stop)
    print(f"instance {os.getpid()} serving {sock}", file=sys.stderr, flush=True)
    last_checkpoint = time.monotonic()
    while not server.stopping.is_set():
        try:
            await asyncio.wait_for(server.stopping.wait(), 1.0)
        except TimeoutError:
            pass
        manager.purger.tick()
        idle = server.idle_for()
        if idle > 1.0 or time.monotonic() - last_checkpoint > 60:
            store.checkpoint()
            last_checkpoint = time.monotonic()
        if args.idle_timeout > 0 and idle > args.idle_timeout:
            print("idle timeout: exiting", file=sys.stderr, flush=True)
            break
    server.server.close()
    for job in list(manager.jobs.values()):
        if job.execution is not None:
            job.execution.kill_tree()
    await asyncio.sleep(0.2)  # let killed tasks report their exit
    manager.flush()
    manager.closed = True  # a restart adopts whatever is still active
    store.close()
    manager.launcher.close()
    try:
        os.unlink(sock)
    except OSError:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fluxcli-instance")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--nodes")
    parser.add_argument("--jobid")
    parser.add_argument("--foreground", action="store_true")
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=float(os.environ.get("FX_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT)),
    )
    args = parser.parse_args(argv)
    sys.stdout, sys.stderr = LogStream(sys.stdout), LogStream(sys.stderr)
    os.umask(0o077)  # lock, log, database, WAL and socket: the owner's only
    try:
        prepare_state_dir(args.state_dir)
        lock_fd = open_private(os.path.join(args.state_dir, "instance.lock"), os.O_RDWR)
    except (UnsafeInstanceError, OSError) as exc:
        print(f"fluxcli-instance: error: {exc}", file=sys.stderr)
        return 1
    raise_nofile_limit()
    lock = open(lock_fd, "r+")
    deadline = time.monotonic() + 15  # a previous instance may still be shutting down
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError:
            if time.monotonic() > deadline:
                print("another instance is running on this state directory", file=sys.stderr)
                return 1
            time.sleep(0.05)
    lock.seek(0)
    lock.truncate()
    lock.write(str(os.getpid()))
    lock.flush()
    _use_pidfd_child_watcher()
    return asyncio.run(serve(args))


def _use_pidfd_child_watcher() -> None:
    """Reap tasks through pidfds: the default watcher starts a thread per process."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            os.close(os.pidfd_open(os.getpid()))
            asyncio.set_child_watcher(asyncio.PidfdChildWatcher())
        except (AttributeError, OSError):
            pass


if __name__ == "__main__":
    sys.exit(main())
