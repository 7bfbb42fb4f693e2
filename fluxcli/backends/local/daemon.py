"""The instance process: ``python -m fluxcli.backends.local.daemon --state-dir DIR``."""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import signal
import sys
import time

from .manager import JobManager
from .resources import Node, ResourcePool, discover_nodes
from .server import Server
from .store import Store

DEFAULT_IDLE_TIMEOUT = 600.0


def load_nodes(path: str | None) -> list[Node]:
    """Nodes from a JSON file (nested instances), else this machine's."""
    if not path:
        return discover_nodes()
    with open(path) as handle:
        return [
            Node(n["rank"], n["hostname"], n["cores"], n.get("gpus", [])) for n in json.load(handle)
        ]


async def serve(args) -> int:
    state_dir = args.state_dir
    store = Store(os.path.join(state_dir, "jobs.db"))
    sock = os.path.join(state_dir, "local.sock")
    manager = JobManager(
        store, ResourcePool(load_nodes(args.nodes)), f"local://{sock}", os.getuid()
    )
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
    os.makedirs(args.state_dir, mode=0o700, exist_ok=True)
    os.chmod(args.state_dir, 0o700)
    lock = open(os.path.join(args.state_dir, "instance.lock"), "a+")
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
